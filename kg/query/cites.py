"""``cites PAPER`` and ``cited-by PAPER``: citations between the papers of the graph, where the sources gave
references (OpenAlex ``referenced_works``, Semantic Scholar references); references to works outside the graph are
counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.query.common import Source, bounds, limited, paper_of, using


@dataclass(frozen=True, slots=True)
class CitedPaper:
    paper_id: str
    title: str
    date: str | None


@dataclass(frozen=True, slots=True)
class Citations:
    paper_id: str
    title: str
    papers: list[CitedPaper] = field(default_factory=list)
    outside: int = 0  # references to works that are not papers of the graph (cites only)


def cites(
    source: Source, paper: str, since: str | None = None, until: str | None = None, limit: int | None = None
) -> Citations:
    """The papers of the graph that ``paper`` (its id or exact title) cites, and how many references are outside."""
    low, high = bounds(since, until)
    with using(source) as index:
        asked = paper_of(index, paper)
        references = index.references(asked.id)
        inside = index.papers(references)
        kept = set(index.dated_between(list(inside), low, high))
        rows = [
            _row(inside[ref]) for ref in sorted(inside, key=lambda r: (inside[r].title.casefold(), r)) if ref in kept
        ]
        outside = index.outside_references(asked.id)
    return Citations(asked.id, asked.title, limited(rows, limit), outside)


def cited_by(
    source: Source, paper: str, since: str | None = None, until: str | None = None, limit: int | None = None
) -> Citations:
    """The papers of the graph that cite ``paper`` (its id or exact title)."""
    low, high = bounds(since, until)
    with using(source) as index:
        asked = paper_of(index, paper)
        citing = index.citing(asked.id)
        kept = set(index.dated_between([p.id for p in citing], low, high))
    rows = [_row(p) for p in sorted(citing, key=lambda p: (p.title.casefold(), p.id)) if p.id in kept]
    return Citations(asked.id, asked.title, limited(rows, limit))


def _row(paper: object) -> CitedPaper:
    date = paper.date or (str(paper.year) if paper.year else None)  # type: ignore[attr-defined]
    return CitedPaper(paper.id, paper.title, date)  # type: ignore[attr-defined]
