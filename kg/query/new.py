"""``new --since DATE``: entities first seen after a date, with the paper that introduced them (the earliest
dated paper naming them; a proposing paper first among papers of the same date)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import UsageError
from kg.query.common import Source, bounds, types_of, using


@dataclass(frozen=True, slots=True)
class NewEntity:
    entity_id: str
    name: str
    type: str
    first_seen: str
    papers: int
    paper_id: str
    paper_title: str
    relation: str  # how that first paper names it


def new_entities(
    source: Source,
    since: str,
    until: str | None = None,
    types: str | tuple[str, ...] | None = None,
    limit: int | None = None,
) -> list[NewEntity]:
    """Entities whose first paper is dated from ``since`` on (up to ``until``), newest first; ``types``: only
    these (method, model, dataset, benchmark, metric)."""
    if not since:
        raise UsageError("new: give --since DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    low, high = bounds(since, until)
    with using(source) as index:
        found = index.new_entities(low, high, types_of(types), limit)
    return [
        NewEntity(
            e.id, e.label, e.type, e.first_seen or "", e.papers, e.first_paper.id, e.first_paper.title, kind or ""
        )
        for e, kind in found
        if e.first_paper is not None
    ]
