"""Hit rates of the memo caches extraction relies on, over a stream of texts: spaCy's tokenizer memo (kg's, with
``TOKENIZER_CACHE_SIZE`` entries, and the bare tokenizer's 10,000) and kg's ``functools`` memo tables.

spaCy keeps its memo in a Cython ``PreshMap`` that Python cannot read, so ``TokenizerMemo`` replays the rule of
``Tokenizer._tokenize_affixes`` (spaCy 3.8): a text is cut into chunks at whitespace boundaries (a single ``' '``
after a chunk belongs to no chunk); a chunk that is a special case (``e.g.``) or in the memo is a hit; any other is
a miss and is stored, unless the memo is full or a special case came before it in the same text (spaCy issue
#13950: the ``has_special`` flag is never cleared). Whether splitting a missed chunk's affixes meets a special case
is found by the same loop as spaCy's, with the tokenizer's own affix functions. The counts are a replay, not
instrumentation: they cost the measured code nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_RUN = re.compile(r"\S+|\s+")


def chunks(text: str) -> list[str]:
    """The chunks spaCy's tokenizer looks up in its memo, in order."""
    out = []
    for match in _RUN.finditer(text):
        chunk = match.group(0)
        if chunk[0] == " " and match.start() > 0:
            chunk = chunk[1:]  # the one space after a word is that word's trailing space
        if chunk:
            out.append(chunk)
    return out


@dataclass
class TokenizerMemo:
    """A replay of one spaCy tokenizer's memo; feed it texts in order with ``add``."""

    tokenizer: object  # a spacy.tokenizer.Tokenizer
    max_size: int
    hits: int = 0
    specials: int = 0
    misses: int = 0
    texts: int = 0
    memo: set[str] = field(default_factory=set)
    _meets_special: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rules = set(getattr(self.tokenizer, "rules", None) or {})

    def add(self, text: str) -> None:
        self.texts += 1
        has_special = False
        for chunk in chunks(text):
            if chunk in self._rules:
                self.specials += 1
                has_special = True
            elif chunk in self.memo:
                self.hits += 1
            else:
                self.misses += 1
                has_special = has_special or self._special_inside(chunk)
                if not has_special and len(self.memo) < self.max_size:
                    self.memo.add(chunk)

    def _special_inside(self, chunk: str) -> bool:
        known = self._meets_special.get(chunk)
        if known is None:
            known = self._meets_special[chunk] = self._split_meets_special(chunk)
        return known

    def _split_meets_special(self, string: str) -> bool:
        """Whether ``Tokenizer._split_affixes`` and ``_attach_tokens`` meet a special case on ``string`` (a chunk
        not memoised): the same loop, with the tokenizer's own ``find_prefix``/``find_suffix``/``token_match``."""
        tokenizer, rules = self.tokenizer, self._rules
        token_match = tokenizer.token_match
        last = -1
        while string and len(string) != last:
            if token_match and token_match(string):
                break
            if string in rules:
                return True
            last = len(string)
            pre = tokenizer.find_prefix(string) or 0
            if pre and string[pre:] in rules:
                return True
            suf = tokenizer.find_suffix(string[pre:]) or 0
            if suf and string[:-suf] in rules:
                return True
            if pre and suf and pre + suf <= len(string):
                string = string[pre:-suf]
            elif pre:
                string = string[pre:]
            elif suf:
                string = string[:-suf]
        return bool(string) and string in rules

    @property
    def lookups(self) -> int:
        return self.hits + self.specials + self.misses

    @property
    def hit_rate(self) -> float:
        """Chunks served without running the affix rules (memo hits and special cases), of all chunks."""
        return (self.hits + self.specials) / self.lookups if self.lookups else 0.0

    def summary(self) -> dict[str, float | int]:
        return {
            "texts": self.texts,
            "chunks": self.lookups,
            "hit_rate": round(self.hit_rate, 4),
            "misses_per_text": round(self.misses / self.texts, 2) if self.texts else 0.0,
            "memo_entries": len(self.memo),
        }


def replay(tokenizer: object, max_size: int, texts: Iterable[str], seed: Iterable[str] = ()) -> TokenizerMemo:
    """The memo of ``tokenizer`` replayed over ``texts``, after ``seed`` texts (counted apart: reset after)."""
    memo = TokenizerMemo(tokenizer, max_size)
    for text in seed:
        memo.add(text)
    memo.hits = memo.specials = memo.misses = memo.texts = 0
    for text in texts:
        memo.add(text)
    return memo


def memo_tables() -> dict[str, Callable]:
    """kg's ``functools.lru_cache`` memo tables on the extraction path, by name (their ``cache_info`` counts)."""
    from kg.extract import gazetteer, shapes

    return {
        "shapes.is_name_shaped": shapes.is_name_shaped,
        "shapes.strip_plural": shapes.strip_plural,
        "gazetteer.spelling_key": gazetteer.spelling_key,
    }


def table_counts() -> dict[str, tuple[int, int]]:
    """``(hits, misses)`` of every memo table so far in this process."""
    return {name: (f.cache_info().hits, f.cache_info().misses) for name, f in memo_tables().items()}


def table_rates(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict[str, dict]:
    """Hit rate of each memo table between two ``table_counts``."""
    rates = {}
    for name, (hits, misses) in after.items():
        h, m = hits - before[name][0], misses - before[name][1]
        rates[name] = {"calls": h + m, "hit_rate": round(h / (h + m), 4) if h + m else 0.0}
    return rates
