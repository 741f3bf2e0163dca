"""Exact, faster affix functions for spaCy's tokenizer: the matches of spaCy's own regexes, with less regex work.

For every word form it has not memoised, spaCy's tokenizer calls regexes made of its language's affix rules, and
Python's regex engine tries every rule at every position of the word (in a fresh process ~25 % of all extraction
instructions went there; ~10 % with a warm tokenizer):

- ``suffix_search`` (``rule$|rule$|...``, ~80 rules, ~12 µs a call): a rule anchored with ``$`` can only match a
  word that ends with a character its last element matches (``'s$`` needs ``s``; ``(?<=[0-9])(?:km|kg)$`` needs
  ``m`` or ``g``). ``SuffixSearch`` searches a word ending in ``c`` with a regex of only the rules that can end in
  ``c`` (at most 6 for the words of the sample corpus; none for a quarter of them, and then no regex runs).
- ``infix_finditer``: an infix match begins with a character its rule can begin with (lookbehinds consume
  nothing). Most words hold none of those characters, which one character-class scan tells: ``InfixFinditer``.

Rules keep their order. Leaving out rules that cannot match changes neither where a match starts nor which rule
wins there, so every result is the one spaCy's regex gives (tested on every word of the sample corpus, its prefixes
and suffixes, and on random strings). The character sets come from the regex parser's own tree; anything the
analysis does not understand counts as "any character", which keeps its rule everywhere. Each function falls back
to spaCy's regex where the rules are not the ones it was made from. (``prefix_search`` is left as it is: its rules
are tried at the first position only, and a dispatch by first character measured no gain.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from re import _constants as sre  # the regex parser's node types (private, stable within a Python version)
from re import _parser as sre_parse

Intervals = list[tuple[int, int]]  # code point ranges, inclusive
ANY: None = None  # any character, or none (a zero-width match): nothing can be ruled out

_NEWLINE = "\n"
_UNKNOWN = object()


class SuffixSearch:
    """``suffix_search`` with only the rules that can end with the word's last character (one regex per distinct
    subset of rules, compiled on first use). ``__self__`` is spaCy's regex: spaCy serialises a tokenizer's affix
    functions as ``function.__self__.pattern``."""

    def __init__(self, pattern: re.Pattern[str], rules: list[str], endings: list[Intervals | None]) -> None:
        self.__self__, self.rules, self.endings = pattern, rules, endings
        self._by_last: dict[str, re.Pattern[str] | None] = {}
        self._by_subset: dict[tuple[int, ...], re.Pattern[str] | None] = {(): None, tuple(range(len(rules))): pattern}

    def __call__(self, text: str) -> re.Match[str] | None:
        if not text or text[-1] == _NEWLINE:  # "$" also matches before a final newline: let the full regex decide
            return self.__self__.search(text)
        regex = self._by_last.get(text[-1], _UNKNOWN)
        if regex is _UNKNOWN:
            regex = self.regex_for(text[-1])
        return regex.search(text) if regex is not None else None  # type: ignore[union-attr]

    def regex_for(self, last: str) -> re.Pattern[str] | None:
        """The regex of the rules that can end with ``last`` (``None``: no rule can)."""
        code = ord(last)
        kept = tuple(index for index, ends in enumerate(self.endings) if _reaches(ends, code))
        if kept not in self._by_subset:
            self._by_subset[kept] = re.compile("|".join(self.rules[i] for i in kept), self.__self__.flags)
        regex = self._by_last[last] = self._by_subset[kept]
        return regex


class InfixFinditer:
    """``infix_finditer`` that runs spaCy's regex only on a word holding a character some rule can begin with.

    (Regexes of only the rules those characters allow would each have to be compiled: the infix rules' character
    classes span most of Unicode, and compiling one cost more than all the searches it saved.)"""

    def __init__(self, pattern: re.Pattern[str], starts: re.Pattern[str]) -> None:
        self.__self__, self._finditer, self.starts = pattern, pattern.finditer, starts.search

    def __call__(self, text: str) -> Iterator[re.Match[str]]:
        return self._finditer(text) if self.starts(text) is not None else iter(())


def fast_suffix_search(rules: Sequence[str], current: object) -> object:
    """A ``SuffixSearch`` for the tokenizer's ``current`` suffix regex made of ``rules``, else ``current``."""
    joined = [rule + "$" for rule in rules if rule.strip()]  # as spacy.util.compile_suffix_regex
    pattern = _regex_of(current, "search", "|".join(joined))
    if pattern is None:
        return current
    return SuffixSearch(pattern, joined, [_rule_endings(rule) for rule in joined])


def fast_infix_finditer(rules: Sequence[str], current: object) -> object:
    """An ``InfixFinditer`` for the tokenizer's ``current`` infix regex made of ``rules``, else ``current``."""
    joined = [rule for rule in rules if rule.strip()]  # as spacy.util.compile_infix_regex
    pattern = _regex_of(current, "finditer", "|".join(joined))
    if pattern is None or not joined:
        return current
    trees = [_parse(rule) for rule in joined]
    beginnings = [_first_characters(list(tree)) if tree is not None else ANY for tree in trees]
    if any(begins is ANY for begins in beginnings):
        return current
    ranges = "".join(_class_range(low, high) for begins in beginnings for low, high in begins)  # type: ignore[union-attr]
    return InfixFinditer(pattern, re.compile(f"[{ranges}]"))


def _regex_of(current: object, method: str, expression: str) -> re.Pattern[str] | None:
    """The compiled regex behind ``current`` (its bound ``method``) if it was compiled from ``expression``."""
    pattern = getattr(current, "__self__", None)
    if not isinstance(pattern, re.Pattern) or pattern.pattern != expression or current != getattr(pattern, method):
        return None
    return pattern


def _reaches(intervals: Intervals | None, code: int) -> bool:
    return intervals is ANY or any(low <= code <= high for low, high in intervals)


def _parse(pattern: str) -> sre_parse.SubPattern | None:
    try:
        return sre_parse.parse(pattern)
    except re.error:
        return None


def _class_range(low: int, high: int) -> str:
    return f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}"


def _rule_endings(rule: str) -> Intervals | None:
    """The characters a match of ``rule`` (one ``piece$`` of the joined regex) can end with, or ``ANY``."""
    tree = _parse(rule)
    return _ends_at_end(list(tree)) if tree is not None else ANY


def _ends_at_end(items: list) -> Intervals | None:
    """Last characters of a sequence that must end at the end of the text (``...$``); ``ANY`` otherwise."""
    if not items:
        return ANY
    op, value = items[-1]
    if op is sre.AT and value is sre.AT_END:
        return _last_characters(items[:-1])
    if op is sre.BRANCH:  # "a$|b$": every alternative must end with "$"
        return _union([_ends_at_end(list(branch)) for branch in value[1]])
    if op is sre.SUBPATTERN and not value[1] and not value[2]:
        return _ends_at_end(list(value[3]))
    return ANY


def _last_characters(items: list) -> Intervals | None:
    """The characters the match of ``items`` can end with; ``ANY`` if it may be empty or is not understood."""
    if not items:
        return ANY
    return _consumed(items[-1], _last_characters)


def _first_characters(items: list) -> Intervals | None:
    """The characters the match of ``items`` can begin with (lookarounds consume nothing); ``ANY`` as above."""
    for op, value in items:
        if op not in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            return _consumed((op, value), _first_characters)
    return ANY


def _consumed(item: tuple, inner: Callable[[list], Intervals | None]) -> Intervals | None:
    """The characters one element can consume first (or last, with ``inner`` looking at the same end inside)."""
    op, value = item
    if op is sre.LITERAL:
        return [(value, value)]
    if op is sre.IN:
        return _charset(value)
    if op is sre.SUBPATTERN:
        return inner(list(value[3])) if not value[1] and not value[2] else ANY  # no inline flags such as (?i:)
    if op is sre.BRANCH:
        return _union([inner(list(branch)) for branch in value[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
        return inner(list(value[2]))
    return ANY


def _charset(members: list) -> Intervals | None:
    intervals: Intervals = []
    for op, value in members:
        if op is sre.LITERAL:
            intervals.append((value, value))
        elif op is sre.RANGE:
            intervals.append(value)
        else:  # NEGATE, CATEGORY (\d, \w), ...
            return ANY
    return intervals


def _union(parts: list[Intervals | None]) -> Intervals | None:
    if any(part is ANY for part in parts):
        return ANY
    return [interval for part in parts for interval in part]  # type: ignore[union-attr]
