"""``papers-using X``: the papers that use (or propose, or evaluate on) an entity, with the evidence sentence."""

from __future__ import annotations

from dataclasses import dataclass

from kg.query.common import Source, bounds, entity_ids, kinds_of, limited, using

USE_RELATIONS = ("USES", "EVALUATES_ON")


@dataclass(frozen=True, slots=True)
class PaperHit:
    paper_id: str
    title: str
    relation: str
    year: int | None
    sentence: str
    date: str | None = None  # as precise as the source gave it (2024-05-03); the year alone when that is all


def papers_using(
    source: Source,
    name: str,
    relations: tuple[str, ...] = USE_RELATIONS,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    role: str | None = None,
) -> list[PaperHit]:
    """Papers with a USES or EVALUATES_ON relation to the entity called ``name`` (any alias or spelling), by
    title; ``role`` (proposes, uses, evaluates-on, mentions) picks one relation instead; ``since`` / ``until``
    (YYYY, YYYY-MM or YYYY-MM-DD) keep the papers dated between them, ``limit`` the first. ``source``: a build
    folder, a graph or an open index."""
    low, high = bounds(since, until)
    kinds = kinds_of(role, relations)
    with using(source) as index:
        found = index.relations(entity_ids(index, name), kinds, low, high)
    hits = {
        (paper.id, kind): PaperHit(paper.id, paper.title, kind, paper.year, sentence, paper.date)
        for paper, kind, _, sentence, _ in found
    }
    return limited(sorted(hits.values(), key=lambda hit: (hit.title.lower(), hit.relation, hit.paper_id)), limit)
