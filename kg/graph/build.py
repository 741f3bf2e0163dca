"""The networkx MultiDiGraph of papers and entities, from a ``Resolution``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

import networkx as nx

from kg import __version__
from kg.graph.citations import Cited, citations, holders_of
from kg.resolve.relations import Resolution
from kg.types import Evidence

NODE_KIND = {"method": "Method", "model": "Model", "dataset": "Dataset", "benchmark": "Benchmark", "metric": "Metric"}
_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))  # dataclasses.asdict, without its deep copies (4x faster)


def paper_node(paper_id: str) -> str:
    return f"paper:{paper_id}"


def entity_node(entity_id: str) -> str:
    return f"entity:{entity_id}"


def build_graph(
    resolution: Resolution, cited: Mapping[str, Cited] | None = None, stubs: bool = False
) -> nx.MultiDiGraph:
    """Typed nodes (Paper, Method, Model, Dataset, Benchmark, Metric) and typed, evidenced edges from papers, and
    CITES edges between papers (``kg.graph.citations``). ``cited``: the papers' citations matched against a
    bigger set of papers than these (the build state); by default against these. ``stubs``: a cited paper that
    is not among these becomes a bare node (``stub: True``, no other attribute but its id) so that the edge is
    kept (the N-Triples parts, ``kg.sinks.rdf_parts``); without, such edges are left out."""
    graph = nx.MultiDiGraph(kg_version=__version__)
    if cited is None:
        citing = [paper for paper in resolution.papers.values() if paper.references]
        cited = citations(citing, holders_of(resolution.papers.values())) if citing else {}
    for paper_id in sorted(resolution.papers):
        paper = resolution.papers[paper_id]
        attributes = {k: v for k, v in paper.to_dict().items() if v not in (None, [], "")}
        attributes.pop("id", None)
        if paper_id in cited:
            attributes["references_outside"] = cited[paper_id].outside
        graph.add_node(paper_node(paper_id), kind="Paper", label=paper.title, paper_id=paper_id, **attributes)
    for entity_id in sorted(resolution.entities):
        entity = resolution.entities[entity_id]
        graph.add_node(
            entity_node(entity_id),
            kind=NODE_KIND[entity.type],
            label=entity.name,
            entity_id=entity.id,
            type=entity.type,
            generic=entity.generic,
            full_name=entity.full_name,
            aliases=entity.aliases,
            external_ids=entity.external_ids,
            family=entity.family,
            **({"curated": list(entity.curated)} if entity.curated else {}),
        )
    ids_by_name: dict[str, list[str]] = {}
    for entity in resolution.entities.values():
        ids_by_name.setdefault(entity.name, []).append(entity.id)
    for entity in resolution.entities.values():
        if entity.family:
            family_ids = [i for i in ids_by_name.get(entity.family, ()) if i != entity.id]
            for family_id in family_ids:
                graph.add_edge(entity_node(entity.id), entity_node(family_id), key="VARIANT_OF", type="VARIANT_OF")
    for relation in resolution.relations:
        graph.add_edge(
            paper_node(relation.paper_id),
            entity_node(relation.entity_id),
            key=relation.kind,
            type=relation.kind,
            confidence=relation.confidence,
            evidence=[{name: getattr(e, name) for name in _EVIDENCE_FIELDS} for e in relation.evidence],
            **({"curated": relation.curated} if relation.curated else {}),
        )
    for paper_id in sorted(cited):
        if paper_id not in resolution.papers:
            continue
        for target in cited[paper_id].papers:
            node = paper_node(target)
            if node not in graph:
                if not stubs:
                    continue
                graph.add_node(node, kind="Paper", label=target, paper_id=target, stub=True)
            graph.add_edge(paper_node(paper_id), node, key="CITES", type="CITES")
    from kg.graph.results import attach_results  # the results each paper reports (docs/results.md)

    return attach_results(graph)


def papers_count(graph: nx.MultiDiGraph, node: str) -> int:
    """How many distinct papers point at ``node`` (CITES edges not counted)."""
    return len(
        {
            source
            for source, _, kind in graph.in_edges(node, data="type")
            if kind != "CITES" and graph.nodes[source].get("kind") == "Paper"
        }
    )
