"""Name lookup: the entity nodes of a graph that a typed name refers to; the one lookup of the ``kg`` command, the
Python API and the site's search box (its index is built from ``name_keys`` below, and ``viz/static/search.js``
folds the typed text the same way: ``tests/test_names.py`` runs the same names through all three).

In order:
1. exact: a name of the entity as written (its name, long form, any alias seen in the corpus, any name the
   gazetteer knows it by: "BBH" is BIG-Bench Hard even where the corpus only wrote the long form);
2. folded: the same after folding case, accents, hyphens and spaces, British spellings and acronym plurals
   (``lookup_key``: "gsm 8k", "GSM-8K" and "GSM8K" meet; "Direct Preference Optimisation" is DPO);
3. nothing matched: the closest names, for "did you mean: GSM8K, GSM-Plus?" (rapidfuzz's Indel similarity of the
   folded keys, at least ``SUGGEST_CUTOFF``; best first, then the most mentioned, then by name).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kg.resolve.keys import lookup_key

if TYPE_CHECKING:
    import networkx as nx

SUGGEST_CUTOFF = 60.0  # similarity (0-100) of folded keys for a suggestion
SUGGESTIONS = 3


@functools.lru_cache(maxsize=4)
def _gazetteer_names(extra: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Entity id -> the names the gazetteer knows that entity by (name, aliases, long form)."""
    from kg.extract.resources import load_resources
    from kg.resolve.entities import gazetteer_ids

    gazetteer = load_resources(list(extra)).gazetteer
    ids = gazetteer_ids(gazetteer)
    return {ids[key]: tuple(entry.surface_forms()) for key, entry in gazetteer.entries.items() if key in ids}


def entity_names(data: dict, known: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Every name of an entity node: its name, long form, aliases, then the gazetteer's names for it."""
    names: dict[str, None] = {}
    for name in (data.get("label"), data.get("full_name"), *(data.get("aliases") or {})):
        if name and str(name).strip():
            names.setdefault(str(name), None)
    if known is not None:
        for name in known.get(str(data.get("entity_id") or ""), ()):
            names.setdefault(name, None)
    return list(names)


def mentions(data: dict) -> int:
    """How often the entity was written in the corpus (the tie-break of suggestions)."""
    return sum(int(count) for count in (data.get("aliases") or {}).values())


@dataclass
class NameIndex:
    """Every entity's names and their folded keys, for one graph."""

    names: dict[str, list[str]] = field(default_factory=dict)  # node -> names
    keys: dict[str, list[str]] = field(default_factory=dict)  # node -> folded key of each name
    labels: dict[str, str] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, gazetteer: bool = True) -> NameIndex:
        known = _gazetteer_names() if gazetteer else None
        index = cls()
        for node, data in graph.nodes(data=True):
            if data.get("kind") == "Paper":
                continue
            names = entity_names(data, known)
            index.names[node] = names
            index.keys[node] = [lookup_key(name) for name in names]
            index.labels[node] = str(data.get("label") or node)
            index.mentions[node] = mentions(data)
        return index

    def exact(self, name: str) -> list[str]:
        wanted = str(name).strip()
        return sorted(node for node, names in self.names.items() if wanted in names)

    def folded(self, name: str) -> list[str]:
        key = lookup_key(name)
        return sorted(node for node, keys in self.keys.items() if key and key in keys) if key else []

    def choices(self) -> list[tuple[str, str]]:
        """(node, folded key) of every name, each key once per node."""
        return [(node, k) for node, keys in self.keys.items() for k in dict.fromkeys(keys) if k]

    def ranking(self, nodes: Iterable[str]) -> dict[str, tuple[str, int]]:
        """node -> (label, mentions), the tie-breaks of suggestions."""
        return {node: (self.labels[node], self.mentions[node]) for node in nodes}

    def suggest(self, name: str, limit: int = SUGGESTIONS) -> list[str]:
        """Labels of the entities whose names are closest to ``name`` (none closer than ``SUGGEST_CUTOFF``)."""
        return suggest(self, name, limit)


class NameSource(Protocol):
    """Where the names come from: a graph (``NameIndex``) or a build's query index (``kg.query.common``); the
    lookup below is the same over both."""

    def exact(self, name: str) -> list[str]: ...
    def folded(self, name: str) -> list[str]: ...
    def choices(self) -> list[tuple[str, str]]: ...
    def ranking(self, nodes: Iterable[str]) -> dict[str, tuple[str, int]]: ...


def suggest(source: NameSource, name: str, limit: int = SUGGESTIONS) -> list[str]:
    """Labels of the entities whose names are closest to ``name`` (none closer than ``SUGGEST_CUTOFF``; best
    first, then the most mentioned, then by label)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    key = lookup_key(name)
    if not key:
        return []
    choices = source.choices()
    found = process.extract(
        key, [k for _, k in choices], scorer=Indel.normalized_similarity, score_cutoff=0.5, limit=None
    )
    hits = {at for _, _, at in found} | {at for at, (_, k) in enumerate(choices) if k.startswith(key)}
    best: dict[str, float] = {}
    for at in sorted(hits):
        node, other = choices[at]
        score = similarity(key, other)
        if score >= SUGGEST_CUTOFF and score > best.get(node, -1.0):
            best[node] = score
    info = source.ranking(best)
    ranked = sorted(best, key=lambda n: (-best[n], -info[n][1], info[n][0].casefold(), n))
    return [info[node][0] for node in ranked[:limit]]


PREFIX_SCORE = 90.0  # a name that starts with what was typed (3+ characters) scores at least this


def similarity(typed: str, key: str) -> float:
    """0-100: ``100 * (1 - indel distance / total length)``, at least ``PREFIX_SCORE`` when ``key`` starts with
    ``typed`` (computed the same way in ``search.js``)."""
    from rapidfuzz.distance import Indel

    total = len(typed) + len(key)
    score = 100.0 * (1.0 - Indel.distance(typed, key) / total) if total else 100.0
    if len(typed) >= 3 and key.startswith(typed) and score < PREFIX_SCORE:
        return PREFIX_SCORE
    return score


@dataclass(frozen=True)
class NameMatch:
    """What a typed name refers to: entity nodes (and how they matched), or suggestions when none."""

    name: str
    nodes: list[str]
    how: str  # "exact", "folded" or "" (nothing)
    suggestions: list[str]

    def message(self) -> str:
        """``no entity called 'X' in the graph; did you mean: A, B?``"""
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"no entity called {self.name!r} in the graph{hint}"


def lookup(graph: nx.MultiDiGraph, name: str, suggest: int = SUGGESTIONS) -> NameMatch:
    """The entities ``name`` refers to (exact first, then folded), or up to ``suggest`` suggestions."""
    return lookup_in(NameIndex.of(graph), name, suggest)


def lookup_in(source: NameSource, name: str, limit: int = SUGGESTIONS) -> NameMatch:
    """The one lookup over any source of names: exact, then folded, then up to ``limit`` suggestions."""
    exact = source.exact(name)
    if exact:
        return NameMatch(name, exact, "exact", [])
    folded = source.folded(name)
    if folded:
        return NameMatch(name, folded, "folded", [])
    return NameMatch(name, [], "", suggest(source, name, limit) if limit else [])


def find_entities(graph: nx.MultiDiGraph, name: str) -> list[str]:
    """Entity nodes whose name, full name, any alias or gazetteer name matches ``name`` (exact first, then
    folded); ``[]`` when none."""
    return lookup(graph, name, suggest=0).nodes


def spelling_pairs() -> Iterable[tuple[str, str]]:
    """The British -> American word pairs folded by ``lookup_key`` (shipped to the site's search)."""
    from kg.extract.gazetteer import _SPELLING

    return sorted(_SPELLING.items())
