"""Questions over a built graph: find an entity by any of its names, list the papers around it."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from kg.errors import KgError
from kg.graph.names import lookup
from kg.sources.dates import bound, within

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
    graph: nx.MultiDiGraph,
    name: str,
    relations: tuple[str, ...] = USE_RELATIONS,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> list[PaperHit]:
    """Papers with a USES or EVALUATES_ON edge to the entity called ``name`` (any alias works), by title;
    ``since`` / ``until`` (YYYY, YYYY-MM or YYYY-MM-DD) keep the papers dated between them, ``limit`` the first."""
    bound(since, "--since")
    bound(until, "--until")
    hits = _papers_using(graph, name, relations)
    hits = [hit for hit in hits if within(hit.date, hit.year, since, until)]
    return hits[:limit] if limit else hits


def _papers_using(graph: nx.MultiDiGraph, name: str, relations: tuple[str, ...]) -> list[PaperHit]:
    match = lookup(graph, name)
    if not match.nodes:
        raise KgError(match.message())
    nodes = match.nodes
    hits: dict[tuple[str, str], PaperHit] = {}
    for node in nodes:
        for source, _, data in graph.in_edges(node, data=True):
            if data.get("type") not in relations:
                continue
            paper = graph.nodes[source]
            evidence = data.get("evidence") or [{}]
            hits[(source, data["type"])] = PaperHit(
                paper_id=paper.get("paper_id", source),
                title=paper.get("label", ""),
                relation=data["type"],
                year=paper.get("year"),
                sentence=evidence[0].get("sentence", ""),
                date=paper.get("date"),
            )
    return sorted(hits.values(), key=lambda hit: (hit.title.lower(), hit.relation))
