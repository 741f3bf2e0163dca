"""Abbreviation definitions in running text: ``Long Form (SF)`` and ``SF (Long Form)``.

The long-form search follows Schwartz & Hearst (2003): walk the short form's characters backwards and
find each one in the candidate long form, the first character at the start of a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.extract.wordlists import alternation, word_set

_PAREN = re.compile(r"\(([^()]{1,40})\)")
_SHORT_OK = re.compile(r"^[A-Za-z0-9][\w\-\.\+\*/&^'’]*[\w\+\*]?$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A definition found in ``text``: character offsets of the long and the short form."""

    long_start: int
    long_end: int
    short_start: int
    short_end: int
    long_form: str
    short_form: str


def _is_short_form(candidate: str) -> bool:
    if not (1 < len(candidate) <= 12) or " " in candidate.strip():
        return False
    if not _SHORT_OK.match(candidate) or not any(ch.isupper() for ch in candidate):
        return False
    return candidate[0].isalnum()


_POWER = re.compile(r"([A-Za-z])\^?([23])")


def _spelled(short: str) -> str:
    """``D^2O`` -> ``DDO``, ``R^3`` -> ``RRR``: a letter with a power stands for repeated initials."""
    return _POWER.sub(lambda m: m.group(1) * int(m.group(2)), short)


def best_long_form(short: str, candidate: str) -> int | None:
    """Index in ``candidate`` where the long form for ``short`` starts (Schwartz-Hearst), else None."""
    if "^" in short or _POWER.search(short):
        spelled = _spelled(short)
        if spelled != short:
            found = best_long_form(spelled, candidate)
            if found is not None:
                return found
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        ch = short[s_index].lower()
        if not ch.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != ch or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    return start


_PART = re.compile(r"[A-Za-z0-9]+")


def initials_long_form(short: str, candidate: str) -> int | None:
    """Where the long form starts in ``candidate`` when the short form's capitals are, in order, the initials of its
    last words (parts of hyphenated words count; "of", "for", "and", ... may be skipped): "Proximal Policy
    Optimization (PPO)" gives all three words, where the letter walk of ``best_long_form`` stops at "Policy" (the
    "p" inside "Optimization"). None when the initials do not spell it."""
    letters = [ch.lower() for ch in _spelled(short) if ch.isupper()]  # "LoRA", "FooPO": the capitals spell it
    if len(letters) < 2:
        return None
    parts = list(_PART.finditer(candidate))
    index = len(letters) - 1
    position = len(parts) - 1
    start = None
    while index >= 0 and position >= 0:
        word = parts[position].group()
        if word[0].lower() == letters[index]:
            start = parts[position].start()
            index -= 1
        elif word.lower() not in _SKIPPABLE:
            return None
        position -= 1
    if index >= 0 or start is None:
        return None
    while start > 0 and (candidate[start - 1].isalnum() or candidate[start - 1] == "-"):
        start -= 1  # the whole of a hyphenated word ("Non-Negative"), not across a dash or a bracket
    return start


_SKIPPABLE = word_set("connectors")  # the small words a long form may hold without an initial in the short form


# "Bidi- rectional": a word cut by a line-break hyphen; not "pre- and post-training"
_LINE_BREAK = re.compile(r"(?<=[a-z])- (?!(?:" + alternation("suspended_hyphen_words") + r")\b)(?=[a-z])")


def join_line_breaks(text: str) -> str:
    """``Bidi- rectional Encoder`` -> ``Bidirectional Encoder``: the words a line-break hyphen cut, joined."""
    return _LINE_BREAK.sub("", text) if "- " in text else text


def _strip_long(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and text[end - 1] in " ,;:-–—":
        end -= 1
    return start, end


def find_abbreviations(text: str, stop_before: frozenset[str] = frozenset()) -> list[Abbreviation]:
    """All ``Long Form (SF)`` definitions in ``text``; words in ``stop_before`` cut the long-form window."""
    found: list[Abbreviation] = []
    for match in _PAREN.finditer(text):
        inner = match.group(1).strip()
        # "(SF; ...)" or "(SF, ...)": the short form is the first part
        inner = re.split(r"[;,]\s", inner, maxsplit=1)[0].strip()
        short_start = text.index(inner, match.start(1)) if inner else match.start(1)
        if _is_short_form(inner):
            window_from = max(0, match.start() - 160, text.rfind("\n", 0, match.start()) + 1)
            words = list(_WORD.finditer(text, window_from, match.start()))
            window = min(len(inner) + 5, len(inner) * 2, len(words))
            words = words[-window:]
            # do not cross a sentence or clause boundary
            for position in range(len(words) - 1, -1, -1):
                token = words[position].group()
                if token.endswith((".", ";", ":")) or token.lower() in stop_before:
                    words = words[position + 1 :]
                    break
            if not words:
                continue
            window_start = words[0].start()
            window_text = text[window_start : match.start()].rstrip()
            relative = initials_long_form(inner, window_text)
            if relative is None:
                relative = best_long_form(inner, window_text)
            if relative is None:
                continue
            long_start, long_end = _strip_long(text, window_start + relative, window_start + len(window_text))
            long_form = text[long_start:long_end]
            if len(long_form) <= len(inner) or len(long_form.split()) > len(inner) + 5:
                continue
            found.append(Abbreviation(long_start, long_end, short_start, short_start + len(inner), long_form, inner))
    return found
