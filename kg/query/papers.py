"""Questions over a built graph: find an entity by any of its names, list the papers around it."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from kg.errors import KgError
from kg.graph.names import find_entities

USE_RELATIONS = ("USES", "EVALUATES_ON")


@dataclass(frozen=True, slots=True)
class PaperHit:
    paper_id: str
    title: str
    relation: str
    year: int | None
    sentence: str


def papers_using(graph: nx.MultiDiGraph, name: str, relations: tuple[str, ...] = USE_RELATIONS) -> list[PaperHit]:
    """Papers with a USES or EVALUATES_ON edge to the entity called ``name`` (any alias works)."""
    nodes = find_entities(graph, name)
    if not nodes:
        raise KgError(f"no entity called {name!r} in the graph")
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
            )
    return sorted(hits.values(), key=lambda hit: (hit.title.lower(), hit.relation))
