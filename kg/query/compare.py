"""``compare A B``: two entities side by side: papers, what they are evaluated on, what they are used with, first
and last seen, and what they share."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.query.common import Source, bounds, entity_ids, using
from kg.query.pairs import BENCHMARK_TYPES, EVALUATION_KINDS, METHOD_KINDS, METHOD_TYPES, paired
from kg.query.used_with import used_with

SHOWN = 5  # benchmarks and co-used entities listed per side


@dataclass(frozen=True, slots=True)
class Side:
    name: str
    entity_id: str
    type: str
    papers: int
    first_seen: str | None
    last_seen: str | None
    evaluated: list[tuple[str, int]] = field(default_factory=list)  # (name, papers): benchmarks, or methods on it
    used_with: list[tuple[str, int]] = field(default_factory=list)  # (name, shared papers), best association first


@dataclass(frozen=True, slots=True)
class Comparison:
    a: Side
    b: Side
    shared_papers: int  # papers naming both
    shared_evaluated: list[str]  # benchmarks (or methods) both have


def compare(
    source: Source, a: str, b: str, since: str | None = None, until: str | None = None, limit: int | None = SHOWN
) -> Comparison:
    """``a`` and ``b`` side by side (``limit``: benchmarks and co-used entities shown per side)."""
    low, high = bounds(since, until)
    with using(source) as index:
        sides = []
        evaluated_all = []
        for name in (a, b):
            ids = entity_ids(index, name)
            info = index.entities(ids)[ids[0]]
            benchmarks = info.type in BENCHMARK_TYPES
            found = paired(
                index,
                name,
                EVALUATION_KINDS if benchmarks else METHOD_KINDS,
                METHOD_KINDS if benchmarks else EVALUATION_KINDS,
                METHOD_TYPES if benchmarks else BENCHMARK_TYPES,
                since,
                until,
            )
            evaluated_all.append([row.name for row in found])
            together = used_with(index, name, since, until, limit)
            sides.append(
                Side(
                    info.label,
                    info.id,
                    info.type,
                    index.papers_count(ids, low, high),
                    info.first_seen,
                    info.last_seen,
                    [(row.name, row.papers) for row in (found[:limit] if limit else found)],
                    [(row.name, row.papers) for row in together],
                )
            )
        together_a = index.together(entity_ids(index, a), low, high, 1)
        shared = max((together_a.get(i, 0) for i in entity_ids(index, b)), default=0)
    common = [name for name in evaluated_all[0] if name in set(evaluated_all[1])]
    return Comparison(sides[0], sides[1], shared, common[:limit] if limit else common)
