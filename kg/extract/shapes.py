"""Word chunks and name shapes: what a name looks like, independent of any list."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEAD = "([{\"'“‘«<"
_TRAIL = ")]}\"'”’»>,.;:!?"
_POSSESSIVE = ("'s", "’s")

# Size / version suffixes that belong to a model name written with a space: "Qwen-3 8B", "Llama 2 70B".
SIZE = re.compile(r"^\d+(\.\d+)?[BMKT]$|^\d+x\d+(\.\d+)?[BM]$", re.I)
VERSION = re.compile(r"^(v?\d{1,2}(\.\d{1,2}){0,2}|v\d+)$")
_HAS_UPPER_INSIDE = re.compile(r".[A-Z]")
_HAS_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[A-Za-z]")
_BAD_CHARS = re.compile(r"[=<>|\\\"`~$%]")
_DIMENSION = re.compile(r"^\d+[Dd]$")
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
    index: int = -1


_WORD_RUN = re.compile(r"\S+")


def chunks(text: str) -> list[Chunk]:
    """Every chunk of ``text``, in order, with character offsets (a regex scan: no per-token Python work)."""
    result: list[Chunk] = []
    for found in _WORD_RUN.finditer(text):
        start, end = found.span()
        while start < end and text[start] in _LEAD:
            start += 1
        while end > start and text[end - 1] in _TRAIL:
            end -= 1
        if end - start > 2 and text[end - 2 : end] in _POSSESSIVE:
            end -= 2
        if start < end:
            result.append(Chunk(start, end, text[start:end], len(result)))
    return result


def is_name_shaped(word: str) -> bool:
    """True for words that look like a name rather than a common word.

    CamelCase or inner capitals (``HotpotQA``, ``nDCG``), all-caps of two or more letters (``BEIR``),
    letters with digits (``GSM8K``, ``T5``), capitalised hyphen compounds (``CUE-R``, ``BIG-Bench``).
    """
    if len(word) < 2 or word.islower() or (word[0].isupper() and word[1:].islower() and word.isalpha()):
        return False
    if not _ALPHA.search(word) or _BAD_CHARS.search(word):
        return False
    if "-" in word:
        return any(_part_is_name_shaped(part) for part in word.split("-") if part)
    return _part_is_name_shaped(word)


def _part_is_name_shaped(word: str) -> bool:
    if len(word) < 2 or not _ALPHA.search(word) or _DIMENSION.match(word):
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
