"""Word chunks and name shapes: what a name looks like, independent of the gazetteer and the stoplist."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from kg.extract.wordlists import alternation

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
# "-style", "-based", ...: pipelines/wordlists/modifier_suffixes.txt
_MODIFIER_SUFFIX = re.compile(r"^-(?:" + alternation("modifier_suffixes") + r")(?:$|-)")


class Chunk(NamedTuple):
    """A whitespace-delimited word with surrounding punctuation trimmed: ``(GRPO),`` -> ``GRPO``."""

    start: int
    end: int
    text: str


_WORD_RUN = re.compile(r"\S+")
_LEAD_TRAIL = _LEAD + _TRAIL
# words worth a shape test: an inner capital, two capitals, or letters next to digits ("BEIR", "nDCG", "T5", "Qwen-3"),
# i.e. [A-Za-z0-9][A-Z] | [A-Za-z]-?\d | \d[A-Za-z], written to match at the capital or digit: a pattern that starts
# with a character class lets the regex engine skip the (many) lowercase letters and spaces in C (3x faster)
_SHAPE_TRIGGER = re.compile(r"[A-Z\d](?:(?<=[A-Za-z0-9][A-Z])|(?<=[A-Za-z]\d)|(?<=[A-Za-z]-\d)|(?<=\d)(?=[A-Za-z]))")


def _trim(text: str, start: int, end: int) -> Chunk | None:
    word = text[start:end]
    stripped = word.lstrip(_LEAD)
    start += len(word) - len(stripped)
    core = stripped.rstrip(_TRAIL)
    if len(core) > 2 and core[-2:] in _POSSESSIVE:
        core = core[:-2]
    if not core:
        return None
    return Chunk(start, start + len(core), core)


def chunks(text: str) -> list[Chunk]:
    """Every chunk of ``text``, in order, with character offsets."""
    return [chunk for found in _WORD_RUN.finditer(text) if (chunk := _trim(text, *found.span())) is not None]


def chunks_from(text: str, position: int, count: int) -> list[Chunk]:
    """Up to ``count`` chunks starting at or after ``position``."""
    result: list[Chunk] = []
    for found in _WORD_RUN.finditer(text, position):
        chunk = _trim(text, *found.span())
        if chunk is not None:
            result.append(chunk)
            if len(result) >= count:
                break
    return result


def chunk_at(text: str, offset: int) -> Chunk | None:
    """The chunk holding character ``offset`` (None on whitespace or trimmed punctuation)."""
    if offset >= len(text) or text[offset].isspace():
        return None
    start = max(text.rfind(" ", 0, offset), text.rfind("\n", 0, offset), text.rfind("\t", 0, offset)) + 1
    found = _WORD_RUN.match(text, start)
    chunk = _trim(text, *found.span()) if found else None
    if chunk is None or not chunk.start <= offset < chunk.end:
        return None
    return chunk


def next_chunk(text: str, position: int) -> Chunk | None:
    """The first chunk that starts after the word holding ``position`` - 1 ends."""
    found = _WORD_RUN.match(text, position) if position < len(text) and not text[position].isspace() else None
    resume = found.end() if found else position
    following = chunks_from(text, resume, 1)
    return following[0] if following else None


def interesting_chunks(text: str) -> list[Chunk]:
    r"""The chunks whose shape could make them a name (a fast regex pre-filter for ``is_name_shaped``).

    The words (whitespace-delimited runs) holding a ``_SHAPE_TRIGGER``: what the regex
    ``(?<!\S)(?=\S*(?:TRIGGER))\S+`` finds, but from the few trigger positions rather than a lookahead tried at
    every word start (1.5x faster).
    """
    result: list[Chunk] = []
    word_end = -1
    for trigger in _SHAPE_TRIGGER.finditer(text):
        position = trigger.start()
        if position < word_end:
            continue  # another trigger in a word already taken
        start = position
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        word_end = _WORD_RUN.match(text, start).end()  # type: ignore[union-attr]
        chunk = _trim(text, start, word_end)
        if chunk is not None:
            result.append(chunk)
    return result


@functools.lru_cache(maxsize=1 << 16)  # pure, and called for the same words again and again
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
    return bool(_HAS_DIGIT.search(word)) and any(ch.isupper() for ch in word)


def is_modifier_suffix(rest: str) -> bool:
    """``-style``, ``-based``, ... after a name: the name stays the same entity (``DPO-style`` is DPO)."""
    return bool(_MODIFIER_SUFFIX.match(rest.lower())) or rest in ("s", "es", "'", "’")


@functools.lru_cache(maxsize=1 << 16)
def strip_plural(word: str) -> str | None:
    """``PRMs`` -> ``PRM``, ``GANs`` -> ``GAN``; None when ``word`` is not an acronym plural."""
    if len(word) >= 3 and word.endswith("s") and word[:-1].isupper() and any(c.isalpha() for c in word[:-1]):
        return word[:-1]
    stem = word[:-1]
    if word.endswith("s") and len(stem) >= 2 and stem[-1].isupper() and sum(c.isupper() for c in stem) >= 2:
        return stem  # "CoTs", "MoEs" -> "CoT", "MoE"
    if len(word) >= 4 and word.endswith("es") and word[:-2].isupper():
        return None
    return None
