"""Citations: the references papers carry (``Paper.references``) matched to the papers of a graph (CITES edges).

A reference names a cited work as its source does (``openalex:W…``, ``doi:…``, ``arxiv:…``, ``s2:…``, a given id);
a paper answers to every id in ``Paper.citation_keys()``. A reference finds the paper whose id it is, else the
smallest paper id among the papers that answer to it (two papers may share a DOI when a source gave them
different ids): a rule of the papers alone, so a full build and ``kg add`` match references alike. A reference
that finds no paper (or only the citing paper itself) is an outside reference, counted on the paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.types import Paper

Holders = Mapping[str, Iterable[str]]  # citation key -> ids of the papers answering to it


@dataclass(slots=True)
class Cited:
    """What one paper's references found: the ids of the graph's papers it cites (sorted), and how many of its
    references found none."""

    papers: list[str]
    outside: int


def holders_of(papers: Iterable[Paper]) -> dict[str, set[str]]:
    """Citation key -> ids of the papers answering to it, for papers held in memory."""
    found: dict[str, set[str]] = {}
    for paper in papers:
        for key in paper.citation_keys():
            found.setdefault(key, set()).add(paper.id)
    return found


def target(reference: str, holders: Holders) -> str | None:
    """The paper id ``reference`` finds: the paper of that id, else the smallest id answering to it."""
    found = set(holders.get(reference, ()))
    if not found:
        return None
    return reference if reference in found else min(found)


def cited_by_paper(paper: Paper, holders: Holders) -> Cited:
    """The papers ``paper`` cites, and its outside references (a reference finding the paper itself is neither)."""
    cited: set[str] = set()
    outside = 0
    for reference in dict.fromkeys(paper.references):
        found = target(reference, holders)
        if found is None:
            outside += 1
        elif found != paper.id:
            cited.add(found)
    return Cited(sorted(cited), outside)


def citations(papers: Iterable[Paper], holders: Holders) -> dict[str, Cited]:
    """``Cited`` for every paper with references, by paper id."""
    return {paper.id: cited_by_paper(paper, holders) for paper in papers if paper.references}
