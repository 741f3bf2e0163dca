"""Fuzzy matching of unknown names to gazetteer names, with evidence, using rapidfuzz.

Only used when nothing exact matched. Guards: the name is long enough to compare (6+ characters once
folded), the digits are identical (versions are identity: ``GPT-4`` never matches ``GPT-40``), the first
character is the same, and the types agree (dataset and benchmark count as one). The threshold was measured
on the development set (``benchmarks/measure_fuzzy.py``; see docs/resolution.md).
"""

from __future__ import annotations

import functools
import re

from rapidfuzz import fuzz, process

from kg.extract.gazetteer import Gazetteer, GazetteerEntry, spelling_key

DEFAULT_THRESHOLD = 93.0
MIN_LENGTH = 6
_DIGITS = re.compile(r"\d+")
_DATA_TYPES = frozenset({"dataset", "benchmark"})


def _compact(text: str) -> str:
    return spelling_key(text).replace(" ", "")


class FuzzyMatcher:
    """Finds the gazetteer entry an unknown spelling most likely means, or None."""

    def __init__(self, gazetteer: Gazetteer, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.gazetteer = gazetteer
        self.threshold = threshold
        self.by_compact: dict[str, str] = {}
        for key, entry in gazetteer.entries.items():
            if entry.case_sensitive:
                continue
            for form in entry.surface_forms():
                compact = _compact(form)
                if len(compact) >= MIN_LENGTH:
                    self.by_compact.setdefault(compact, key)
        self.choices = list(self.by_compact)
        self.match = functools.lru_cache(maxsize=100_000)(self._match)

    def _match(self, name: str, entity_type: str) -> GazetteerEntry | None:
        compact = _compact(name)
        if len(compact) < MIN_LENGTH:
            return None
        exact = self.by_compact.get(compact)
        if exact is not None:
            return self._if_compatible(self.gazetteer.entries[exact], entity_type)
        found = process.extractOne(compact, self.choices, scorer=fuzz.ratio, score_cutoff=self.threshold)
        if found is None:
            return None
        candidate = found[0]
        if candidate[0] != compact[0] or _DIGITS.findall(candidate) != _DIGITS.findall(compact):
            return None
        return self._if_compatible(self.gazetteer.entries[self.by_compact[candidate]], entity_type)

    @staticmethod
    def _if_compatible(entry: GazetteerEntry, entity_type: str) -> GazetteerEntry | None:
        if entry.type == entity_type or {entry.type, entity_type} <= _DATA_TYPES:
            return entry
        return None
