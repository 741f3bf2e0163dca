"""Questions over a built graph: find an entity by any of its names, list the papers around it."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from kg.errors import KgError
from kg.extract.gazetteer import spelling_key
from kg.resolve import fold_key

USE_RELATIONS = ("USES", "EVALUATES_ON")


@dataclass(frozen=True, slots=True)
class PaperHit:
    paper_id: str
    title: str
    relation: str
    year: int | None
    sentence: str


def find_entities(graph: nx.MultiDiGraph, name: str) -> list[str]:
    """Entity nodes whose name, full name or any alias matches ``name`` (exact first, then folded)."""
    exact, folded = [], []
    wanted = {spelling_key(name), fold_key(name)}
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Paper":
            continue
        names = [data.get("label"), data.get("full_name"), *(data.get("aliases") or {})]
        names = [n for n in names if n]
        if name in names:
            exact.append(node)
        elif wanted & {spelling_key(n) for n in names} | wanted & {fold_key(n) for n in names}:
            folded.append(node)
    return sorted(exact) or sorted(folded)


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
