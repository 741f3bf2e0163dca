"""The benchmark corpora and the memo replay of benchmarks/: the recombined corpus is reproducible, streams, and
defeats the memos that the default synthetic corpus flatters; the replay of spaCy's tokenizer memo agrees with
the tokenizer; and ``n_process=0`` forks workers only from ``PARALLEL_THRESHOLD`` papers on."""

from __future__ import annotations

import importlib.util
import math
import multiprocessing
import os
import random
import sys
from pathlib import Path

import pytest
import spacy

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus = _module("corpus")
memo_stats = _module("memo_stats")


def _text(record: dict) -> str:
    return record["title"] + "\n\n" + record["abstract"]


def test_the_recombined_corpus_is_reproducible_and_streams(tmp_path: Path) -> None:
    first = corpus.write_corpus(300, tmp_path / "a.jsonl", recombine=True, seed=7).read_bytes()
    assert corpus.write_corpus(300, tmp_path / "b.jsonl", recombine=True, seed=7).read_bytes() == first
    assert corpus.write_corpus(300, tmp_path / "c.jsonl", recombine=True, seed=8).read_bytes() != first
    # paper i depends on i and the seed only: a later slice is the same records, ids unique
    tail = corpus.write_corpus(100, tmp_path / "d.jsonl", start=200, recombine=True, seed=7).read_bytes()
    assert first.splitlines()[200:] == tail.splitlines()
    ids = [r["id"] for r in corpus.iter_records(300, recombine=True, seed=7)]
    assert len(set(ids)) == 300


def test_recombined_abstracts_mix_sentences_and_perturb_names_and_numbers() -> None:
    base = corpus.base_papers()
    pool = set(corpus._sentence_pool())
    records = list(corpus.iter_records(len(base), recombine=True))
    same_as_base = sum(r["abstract"].startswith(b["abstract"][:80]) for r, b in zip(records, base, strict=True))
    assert same_as_base < len(base) * 0.01
    sentences = [s for r in records for s in corpus._SENTENCE_END.split(r["abstract"].rsplit(" Code: ", 1)[0])]
    # sentences holding a name or a number mostly come out changed
    marked = [s for s in sentences if corpus._NAMEISH.search(s) or corpus._NUMBER.search(s)]
    assert sum(s not in pool for s in marked) > 0.8 * len(marked)
    base_names = {m.group(0) for b in base for m in corpus._NAMEISH.finditer(b["abstract"])}
    names = [m.group(0) for r in records for m in corpus._NAMEISH.finditer(r["abstract"])]
    assert sum(name not in base_names for name in names) > 0.4 * len(names)
    # within one paper a name is perturbed the same way each time it comes
    first, _, second = corpus._Perturber(random.Random(1))("Zorblax9 and Zorblax9.").rstrip(".").split()
    assert first == second != "Zorblax9"


def test_the_recombined_corpus_defeats_the_tokenizer_memo() -> None:
    """New word forms (tokenizer memo misses) per abstract, replayed with kg's memo size, among papers
    1,709-3,416: the default corpus repeats its base abstracts there and misses less than real text would (by
    Heaps' law fitted on the 1,708 real abstracts among themselves); the recombined one at least as often."""
    tokenizer = spacy.blank("en").tokenizer
    base = len(corpus.base_papers())

    def misses(texts: list[str], marks: tuple[int, ...]) -> list[int]:
        memo, counts = memo_stats.TokenizerMemo(tokenizer, 300_000), []
        for number, text in enumerate(texts, 1):
            memo.add(text)
            if number in marks:
                counts.append(memo.misses)
        return counts

    half, full = misses([_text(p) for p in corpus.base_papers()], (base // 2, base))
    beta = math.log(full / half) / math.log(base / (base // 2))
    expected = (full * ((2 * base) / base) ** beta - full) / base  # real text's new forms per abstract, 1,709-3,416
    default = misses([_text(r) for r in corpus.iter_records(2 * base)], (base, 2 * base))
    recombined = misses([_text(r) for r in corpus.iter_records(2 * base, recombine=True)], (base, 2 * base))
    default_rate, recombined_rate = (default[1] - default[0]) / base, (recombined[1] - recombined[0]) / base
    assert 0.3 < beta < 0.8
    assert default_rate < expected <= recombined_rate, (default_rate, expected, recombined_rate)


def _token_match_calls(tokenizer, texts: list[str]) -> list[int]:
    """Calls of ``token_match`` per text: spaCy calls it for every chunk it does not find in its memo."""
    calls = []
    count = [0]

    def counting(text: str) -> None:
        count[0] += 1
        return None

    tokenizer.token_match = counting
    for text in texts:
        count[0] = 0
        tokenizer(text)
        calls.append(count[0])
    return calls


def test_the_memo_replay_agrees_with_spacy() -> None:
    """The replay's misses are the chunks on which spaCy runs its affix rules (``token_match`` is called), hits
    the ones it does not, including spaCy's rule that nothing after a special case in a text is memoised."""
    texts = [
        "Zorblax improves retrieval",
        "Zorblax improves retrieval",  # all memoised now
        "see e.g. Quuxnet results",  # after "e.g." nothing is stored
        "Quuxnet results",  # so these miss again
        "Quuxnet results",  # and now they are stored
    ]
    calls = _token_match_calls(spacy.blank("en").tokenizer, texts)
    memo = memo_stats.TokenizerMemo(spacy.blank("en").tokenizer, 10_000)
    misses = []
    for text in texts:
        before = memo.misses
        memo.add(text)
        misses.append(memo.misses - before)
    assert [bool(c) for c in calls] == [bool(m) for m in misses] == [True, False, True, True, False]
    assert memo.specials == 1


def test_memo_tables_count_hits() -> None:
    from kg.extract.shapes import is_name_shaped

    before = memo_stats.table_counts()
    for _ in range(3):
        is_name_shaped("Zorblax-9Q")
    rates = memo_stats.table_rates(before, memo_stats.table_counts())["shapes.is_name_shaped"]
    assert rates["calls"] == 3 and rates["hit_rate"] >= 2 / 3


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: n_process=0 is one process")
@pytest.mark.parametrize(("papers", "forks"), [(39, False), (40, True)])
def test_automatic_processes_fork_from_the_threshold_on(
    monkeypatch: pytest.MonkeyPatch, papers: int, forks: bool
) -> None:
    """``n_process=0`` (``kg add``, ``kg build``): one process below ``PARALLEL_THRESHOLD`` papers, workers from it."""
    from kg.extract import pipeline
    from kg.sources.readers import read_papers

    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 40)
    sample = read_papers([Path(__file__).resolve().parents[1] / "data/corpus/venue-abstracts-1980-2022.json"])
    seen_workers = []
    lines = []
    for line in pipeline.extract_lines(sample[:papers], n_process=0, batch_size=8):
        seen_workers.append(len(multiprocessing.active_children()))
        lines.append(line)
    assert len(lines) == papers
    assert (max(seen_workers) > 0) is forks
    assert lines == list(pipeline.extract_lines(sample[:papers], n_process=1, batch_size=8))
