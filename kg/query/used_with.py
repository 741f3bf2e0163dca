"""``used-with X``: the entities that share papers with X, ranked by association (cosine of their paper sets) with a
minimum support
(``kg.graph.measures.co_occurrence_rank``, the ranking of the site's "often together" too). An entity is in a
paper when the paper has any relation to it (proposes, uses, evaluates on, mentions)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.graph.measures import MIN_SUPPORT, co_occurrence_rank
from kg.query.common import Source, bounds, entity_ids, limited, using


@dataclass(frozen=True, slots=True)
class UsedWith:
    entity_id: str
    name: str
    type: str
    score: float  # 0 .. 1: together / sqrt(its papers * X's papers)
    papers: int  # papers naming both
    entity_papers: int  # papers naming this one


def used_with(
    source: Source,
    name: str,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    min_support: int = MIN_SUPPORT,
) -> list[UsedWith]:
    """Entities named in the same papers as ``name`` (at least ``min_support`` of them), best association first; with
    ``since`` / ``until`` every count is over the papers between them."""
    low, high = bounds(since, until)
    with using(source) as index:
        ids = entity_ids(index, name)
        together = index.together(ids, low, high, min_support)
        count = index.papers_count(ids, low, high)
        if low is None and high is None:
            counts = index.entity_counts(together)
        else:
            counts = index.counts_between(list(together), low, high)
        ranked = limited(co_occurrence_rank(together, count, counts, min_support), limit)
        info = index.label_types(i for i, _, _ in ranked)
    return [UsedWith(i, *info[i], round(score, 4), n, counts.get(i, n)) for i, score, n in ranked]
