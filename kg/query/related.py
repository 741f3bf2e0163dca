"""``related PAPER``: the papers closest to one paper: those naming the same specific entities (each shared
entity weighs its rarity, ``kg.graph.measures.rarity``, so a shared rare benchmark counts more than a shared
"transformer") and, where the sources gave references, citing the same papers (weighted the same way by how
often each is cited)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.graph.measures import rarity
from kg.query.common import Source, bounds, limited, paper_of, using


@dataclass(frozen=True, slots=True)
class RelatedPaper:
    paper_id: str
    title: str
    date: str | None
    score: float
    shared: list[str]  # names of the shared entities, rarest first
    shared_references: int


def related(
    source: Source, paper: str, since: str | None = None, until: str | None = None, limit: int | None = 10
) -> list[RelatedPaper]:
    """Papers sharing the most specific entities (and references) with ``paper`` (its id or exact title), best
    first."""
    low, high = bounds(since, until)
    with using(source) as index:
        asked = paper_of(index, paper)
        total = index.total_papers()
        weights = {entity: rarity(papers, total) for entity, _, papers in index.paper_entities(asked.id)}
        shared = index.sharing(asked.id, weights, low, high)
        references = index.references(asked.id)
        cited = index.cited_counts(references)
        co_cited = index.co_cited(asked.id, references)
        allowed = set(index.dated_between(list(co_cited), low, high))
        co_cited = {p: refs for p, refs in co_cited.items() if p in allowed}
        labels = index.labels(weights)
        papers = index.papers(set(shared) | set(co_cited))
    scores: dict[str, float] = {}
    for other, (score, _) in shared.items():
        scores[other] = score
    for other, refs in co_cited.items():
        scores[other] = scores.get(other, 0.0) + sum(rarity(cited.get(ref, 1), total) for ref in refs)
    rows = []
    for other, score in scores.items():
        entities = sorted(shared.get(other, (0.0, []))[1], key=lambda e: (-weights[e], labels[e][0].casefold()))
        info = papers[other]
        rows.append(
            RelatedPaper(
                other,
                info.title,
                info.date or (str(info.year) if info.year else None),
                round(score, 4),
                [labels[e][0] for e in entities],
                len(co_cited.get(other, ())),
            )
        )
    rows.sort(key=lambda r: (-r.score, -len(r.shared), r.title.casefold(), r.paper_id))
    return limited(rows, limit)
