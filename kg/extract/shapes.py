"""Word chunks and name shapes: what a name looks like, independent of any list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

_LEAD = "([{\"'“‘«<"
_TRAIL = ")]}\"'”’»>,.;:!?"
_POSSESSIVE = ("'s", "’s")

# Size / version suffixes that belong to a model name written with a space: "Qwen-3 8B", "Llama 2 70B".
SIZE = re.compile(r"^\d+(\.\d+)?[BMKT]$|^\d+x\d+(\.\d+)?[BM]$", re.I)
VERSION = re.compile(r"^(v?\d{1,2}(\.\d{1,2}){0,2}|v\d+)$")
_HAS_UPPER_INSIDE = re.compile(r".[A-Z]")
_HAS_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[A-Za-z]")
_MODIFIER_SUFFIX = re.compile(
    r"^-(?:style|based|like|free|aware|driven|guided|tuned|trained|aligned|augmented|enhanced|only|specific|"
    r"inspired|type|level|wise|centric|generated|annotated|derived|friendly|compatible|related|powered|"
    r"optimized|optimised|distilled|initialized|regularized|ed|ing)(?:$|-)"
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A whitespace-delimited word with surrounding punctuation trimmed: ``(GRPO),`` -> ``GRPO``."""

    start: int
    end: int
    text: str
    token_start: int
    token_end: int


def chunks(doc: Doc) -> list[Chunk]:
    """Every chunk of ``doc``, in order, with character and token offsets."""
    result: list[Chunk] = []
    text = doc.text
    n = len(doc)
    i = 0
    while i < n:
        if doc[i].is_space:
            i += 1
            continue
        j = i
        while j < n - 1 and not doc[j].whitespace_ and not doc[j + 1].is_space:
            j += 1
        start, end = doc[i].idx, doc[j].idx + len(doc[j])
        while start < end and text[start] in _LEAD:
            start += 1
        while end > start and text[end - 1] in _TRAIL:
            end -= 1
        word = text[start:end]
        for suffix in _POSSESSIVE:
            if word.endswith(suffix):
                end -= 2
                word = word[:-2]
        if start < end:
            # unmatched brackets inside a chunk: "GPT-4)" or "(GRPO" already trimmed; "f(x" keeps as is
            token_start = i
            while token_start < j and doc[token_start].idx + len(doc[token_start]) <= start:
                token_start += 1
            token_end = j + 1
            while token_end - 1 > token_start and doc[token_end - 1].idx >= end:
                token_end -= 1
            result.append(Chunk(start, end, word, token_start, token_end))
        i = j + 1
    return result


def is_name_shaped(word: str) -> bool:
    """True for words that look like a name rather than a common word.

    CamelCase or inner capitals (``HotpotQA``, ``nDCG``), all-caps of two or more letters (``BEIR``),
    letters with digits (``GSM8K``, ``T5``), capitalised hyphen compounds (``CUE-R``, ``BIG-Bench``).
    """
    if len(word) < 2 or not _ALPHA.search(word):
        return False
    if word.isdigit():
        return False
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True
    if _HAS_UPPER_INSIDE.search(word.replace("-", "")) and not word.isupper():
        core = word.replace("-", "")
        return bool(_HAS_UPPER_INSIDE.search(core))
    if _HAS_DIGIT.search(word) and word[0].isupper():
        return True
    if _HAS_DIGIT.search(word) and any(ch.isupper() for ch in word):
        return True
    return False


def is_modifier_suffix(rest: str) -> bool:
    """``-style``, ``-based``, ... after a name: the name stays the same entity (``DPO-style`` is DPO)."""
    return bool(_MODIFIER_SUFFIX.match(rest.lower())) or rest in ("s", "es", "'", "’")


def strip_plural(word: str) -> str | None:
    """``PRMs`` -> ``PRM``, ``GANs`` -> ``GAN``; None when ``word`` is not an acronym plural."""
    if len(word) >= 3 and word.endswith("s") and word[:-1].isupper() and any(c.isalpha() for c in word[:-1]):
        return word[:-1]
    if len(word) >= 4 and word.endswith("es") and word[:-2].isupper():
        return None
    return None
