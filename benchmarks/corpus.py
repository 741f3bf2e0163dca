"""A large, realistic synthetic corpus for benchmarks, grown from the bundled sample abstracts.

Paper ``i`` is copy ``c = i // B`` of base paper ``i % B`` (B = 1,708 real papers from ``data/corpus/``), with:
- a unique arXiv-style id and a year spread over 2015-2025;
- its abstract's sentences rotated by ``c``, and a last sentence with a code link naming the paper's id, so every
  abstract is distinct (a distinct content hash, and new word forms for spaCy's vocabulary, as real text brings);
- its rare names varied: CamelCase and letters-with-digits words found in fewer than 3 base papers (``Str2Str``,
  ``HelpSteer2``) get a variant suffix ``-v<k>`` with ``k = floor(c ** 0.7)``, so the number of distinct names grows
  sub-linearly with the corpus (Heaps' law, exponent 0.7) as in real literature, while common names (``ImageNet``,
  ``GPT-4``, ``F1``) stay the same across copies. Only the bundled sample decides, so the corpus is reproducible.

``--recombine`` (with ``--seed``) writes a corpus that defeats memo caches instead: each abstract is as many
sentences as its base paper has, drawn at random from all base abstracts; in every paper each name-shaped word
(CamelCase, letters with digits, all capitals) is perturbed (one letter changed within its case, every digit
redrawn), common names only with probability ``1 - KEEP_COMMON``, consistently within the paper; every number
outside a name is redrawn with the same digit layout (years kept); and a quarter of the sentences get a new
common word form (one letter of a long lowercase word changed), as real text keeps bringing rare words. Paper
``i`` depends only on ``i`` and the seed (a ``random.Random`` seeded from both), so the corpus is reproducible and
streams like the default one.

Run: ``python benchmarks/corpus.py N OUT.jsonl [--recombine --seed S]`` (streams; memory does not grow with N).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "data" / "corpus"
# CamelCase inside a word, or letters next to digits: the shapes of invented names
_NAME = re.compile(r"\b(?=[A-Za-z0-9.\-]*(?:[a-z][A-Z]|[A-Za-z]\d))[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*\b")
COMMON = 3
HEAPS = 0.7
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# --recombine: names (the shapes above, or two or more capitals) and numbers outside names
_NAMEISH = re.compile(_NAME.pattern + r"|\b[A-Z][A-Z0-9]+s?\b")
_NUMBER = re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?![\w\-]|[.,]\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
KEEP_COMMON = 0.25  # probability that a paper keeps a common name (ImageNet, BERT) as it is
NEW_WORD = 0.25  # probability that a sentence gets one new common word form (a letter of a long word changed)
_LONG_WORD = re.compile(r"\b[a-z]{7,}\b")


@cache
def base_papers() -> list[dict]:
    """The bundled sample corpus as plain records (title, abstract, year, venue, authors, url)."""
    from kg.sources.readers import read_papers

    files = [*sorted(CORPUS_DIR.glob("daily-papers-*.txt")), CORPUS_DIR / "venue-abstracts-1980-2022.json"]
    return [
        {"title": p.title, "abstract": p.abstract, "venue": p.venue, "authors": p.authors, "url": p.url}
        for p in read_papers(files)
    ]


@cache
def _common_names() -> frozenset[str]:
    """Name-shaped words found in at least ``COMMON`` base papers (ImageNet, BERT, GPT-4): kept as they are."""
    counts: Counter[str] = Counter()
    for paper in base_papers():
        counts.update({m.group(0) for m in _NAME.finditer(paper["title"] + " " + paper["abstract"])})
    return frozenset(name for name, count in counts.items() if count >= COMMON)


def _vary_names(text: str, variant: int) -> str:
    if variant == 0:
        return text
    common = _common_names()
    return _NAME.sub(lambda m: m.group(0) if m.group(0) in common else f"{m.group(0)}-v{variant}", text)


def _rotate(abstract: str, by: int) -> str:
    sentences = _SENTENCE_END.split(abstract)
    if len(sentences) < 2:
        return abstract
    by %= len(sentences)
    return " ".join(sentences[by:] + sentences[:by])


def synthetic_record(i: int) -> dict:
    """Paper ``i`` of the synthetic corpus (deterministic)."""
    base = base_papers()
    paper = base[i % len(base)]
    copy = i // len(base)
    variant = int(copy**HEAPS)
    year = 2015 + (i * 7919) % 11
    paper_id = f"{year % 100:02d}{1 + i % 12:02d}.{i:07d}"
    abstract = _vary_names(_rotate(paper["abstract"], copy), variant)
    record = {
        "id": paper_id,
        "title": _vary_names(paper["title"], variant),
        "abstract": f"{abstract} Code: https://github.com/kg-bench/{paper_id}",
        "year": year,
    }
    if paper["venue"]:
        record["venue"] = paper["venue"]
    if paper["authors"]:
        record["authors"] = paper["authors"]
    return record


@cache
def _sentence_pool() -> tuple[str, ...]:
    """Every sentence of every base abstract, in order."""
    return tuple(sentence for paper in base_papers() for sentence in _SENTENCE_END.split(paper["abstract"]))


def _perturb_name(name: str, rng: random.Random) -> str:
    """``name`` with one letter changed (same case) and every digit redrawn: the same shape, a new word form."""
    chars = list(name)
    letters = [k for k, ch in enumerate(chars) if ch.isascii() and ch.isalpha()]
    if letters:
        k = rng.choice(letters)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if chars[k].isupper() else "abcdefghijklmnopqrstuvwxyz"
        chars[k] = rng.choice(alphabet.replace(chars[k], ""))
    for k, ch in enumerate(chars):
        if ch.isdigit():
            chars[k] = str(rng.randrange(10))
    return "".join(chars)


def _perturb_number(number: str, rng: random.Random) -> str:
    """A number of the same digit layout (``84.3`` -> ``27.9``); years stay."""
    if _YEAR.fullmatch(number):
        return number
    first = True
    out = []
    for ch in number:
        if ch.isdigit():
            out.append(str(rng.randrange(1, 10) if first and ch != "0" else rng.randrange(10)))
            first = False
        else:
            out.append(ch)
    return "".join(out)


class _Perturber:
    """The names of one paper, each perturbed once (so the paper names its own entities consistently)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.names, self.common = rng, {}, _common_names()

    def name(self, match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in self.names:
            keep = word in self.common and self.rng.random() < KEEP_COMMON
            self.names[word] = word if keep else _perturb_name(word, self.rng)
        return self.names[word]

    def new_word(self, sentence: str) -> str:
        """With probability ``NEW_WORD``, one long lowercase word of ``sentence`` with an inner letter changed: the
        rare words and variants real text keeps bringing, which no memo has seen."""
        if self.rng.random() >= NEW_WORD:
            return sentence
        words = list(_LONG_WORD.finditer(sentence))
        if not words:
            return sentence
        word = self.rng.choice(words)
        k = self.rng.randrange(word.start() + 1, word.end() - 1)
        letter = self.rng.choice("abcdefghijklmnopqrstuvwxyz".replace(sentence[k], ""))
        return sentence[:k] + letter + sentence[k + 1 :]

    def __call__(self, text: str) -> str:
        text = _NAMEISH.sub(self.name, text)
        return _NUMBER.sub(lambda m: _perturb_number(m.group(0), self.rng), text)


def recombined_record(i: int, seed: int = 0) -> dict:
    """Paper ``i`` of the recombined corpus of ``seed`` (deterministic: it depends on ``i`` and ``seed`` only)."""
    base = base_papers()
    paper = base[i % len(base)]
    rng = random.Random(f"kg-bench:{seed}:{i}")
    pool = _sentence_pool()
    count = len(_SENTENCE_END.split(paper["abstract"]))
    perturb = _Perturber(rng)
    year = 2015 + (i * 7919) % 11
    paper_id = f"{year % 100:02d}{1 + i % 12:02d}.{i:07d}"
    title = perturb(paper["title"])
    abstract = perturb(" ".join(perturb.new_word(rng.choice(pool)) for _ in range(count)))
    record = {"id": paper_id, "title": title, "abstract": f"{abstract} Code: https://github.com/kg-bench/{paper_id}"}
    record["year"] = year
    if paper["venue"]:
        record["venue"] = paper["venue"]
    if paper["authors"]:
        record["authors"] = paper["authors"]
    return record


def iter_records(n: int, start: int = 0, recombine: bool = False, seed: int = 0) -> Iterator[dict]:
    for i in range(start, start + n):
        yield recombined_record(i, seed) if recombine else synthetic_record(i)


def write_corpus(n: int, path: Path, start: int = 0, recombine: bool = False, seed: int = 0) -> Path:
    """Write papers ``start .. start + n - 1`` as JSON Lines (streamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in iter_records(n, start, recombine, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--start", type=int, default=0, help="index of the first paper (to write an increment)")
    parser.add_argument("--recombine", action="store_true", help="sentences recombined, names and numbers perturbed")
    parser.add_argument("--seed", type=int, default=0, help="with --recombine: the seed (same seed, same corpus)")
    args = parser.parse_args()
    write_corpus(args.n, args.out, args.start, args.recombine, args.seed)
    print(f"{args.n} papers -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
