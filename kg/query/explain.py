"""Explain resolution: an entity's canonical name, every alias with its count and the papers behind it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from kg.errors import KgError
from kg.graph.names import lookup


@dataclass
class AliasUse:
    alias: str
    count: int
    papers: list[tuple[str, str]] = field(default_factory=list)  # (paper id, title)


@dataclass
class EntityExplanation:
    entity_id: str
    name: str
    type: str
    generic: bool
    full_name: str | None
    external_ids: dict[str, str]
    family: str | None
    variants: list[str]
    relations: dict[str, int]
    aliases: list[AliasUse]
    curated: list[str] = field(default_factory=list)  # what overrides.yaml decided about it


def explain_entity(graph: nx.MultiDiGraph, name: str) -> list[EntityExplanation]:
    """Every entity that ``name`` (any alias, any spelling) refers to, with the evidence for its aliases."""
    match = lookup(graph, name)
    if not match.nodes:
        raise KgError(match.message())
    nodes = match.nodes
    explanations = []
    for node in nodes:
        data = graph.nodes[node]
        papers_by_alias: dict[str, dict[str, str]] = defaultdict(dict)
        relations: dict[str, int] = defaultdict(int)
        for source, _, edge in graph.in_edges(node, data=True):
            if edge.get("type") == "VARIANT_OF":
                continue
            relations[edge["type"]] += 1
            title = graph.nodes[source].get("label", "")
            for evidence in edge.get("evidence") or []:
                papers_by_alias[evidence["text"]][graph.nodes[source].get("paper_id", source)] = title
        counts = data.get("aliases") or {}
        aliases = [
            AliasUse(alias, counts.get(alias, len(papers)), sorted(papers.items()))
            for alias, papers in sorted(papers_by_alias.items(), key=lambda item: (-counts.get(item[0], 0), item[0]))
        ]
        variants = sorted(
            graph.nodes[s].get("label", s)
            for s, _, e in graph.in_edges(node, data=True)
            if e.get("type") == "VARIANT_OF"
        )
        explanations.append(
            EntityExplanation(
                entity_id=data.get("entity_id", node),
                name=data.get("label", ""),
                type=data.get("type", ""),
                generic=bool(data.get("generic")),
                full_name=data.get("full_name"),
                external_ids=dict(data.get("external_ids") or {}),
                family=data.get("family"),
                variants=variants,
                relations=dict(sorted(relations.items())),
                aliases=aliases,
                curated=list(data.get("curated") or []),
            )
        )
    return explanations
