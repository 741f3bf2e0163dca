"""RDF as N-Triples parts under ``OUT/rdf/``, so that ``kg add`` writes RDF in time proportional to what it adds.

``papers-NNNNNN.nt``: the triples of one part's papers (each paper, its relations, their statements and
evidence); a cold build cuts its papers into parts of ``kg.workflow.stages.PART_PAPERS``. ``entities.nt``: every
entity and VARIANT_OF edge, rewritten each time (entities are few). Parts are never rewritten by ``kg add``: it
writes a new part with the new papers and the current triples of older papers whose triples changed (a bare
short form re-keyed by a new definition, an entity whose type and so IRI changed, a repeated id with a longer
abstract), and lists their triples that are no longer true in ``retracted.nt``. The graph is every part and
``entities.nt`` minus ``retracted.nt``: ``cat rdf/papers-*.nt rdf/entities.nt | grep -vxFf rdf/retracted.nt``,
or load the parts and delete the retracted triples; ``kg build`` starts again with no retractions.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_writer
from kg.graph.state_view import StateView
from kg.sinks.rdf import DEFAULT_BASE, iter_triples, normalise_base, oxigraph_terms, serialize_triples
from kg.store.state import BuildState, StoredPaper

RDF_DIR = "rdf"
ENTITIES_FILE = "entities.nt"
RETRACTED_FILE = "retracted.nt"


def part_file(part: int) -> str:
    return f"papers-{part:06d}.nt"


def write_entities(
    view: StateView, folder: Path, base: str = DEFAULT_BASE, graph: nx.MultiDiGraph | None = None
) -> tuple[Path, int]:
    """``entities.nt`` (from ``graph`` when given, else from the state); returns it and its number of triples."""
    path = Path(folder) / ENTITIES_FILE
    graph = view.graph([]) if graph is None else graph
    with atomic_writer(path, "wb") as out:
        count = serialize_triples(iter_triples(graph, base, oxigraph_terms(), "entities"), out, "ntriples", base)
    return path, count


def part_lines(view: StateView, papers: Iterable[StoredPaper], base: str = DEFAULT_BASE) -> list[bytes]:
    """The N-Triples lines (with their newline) of ``papers``' triples under the current state, each once."""
    graph = view.graph(list(papers), linked_only=True)
    buffer = io.BytesIO()
    serialize_triples(iter_triples(graph, base, oxigraph_terms(), "papers"), buffer, "ntriples", base)
    return list(dict.fromkeys(buffer.getvalue().splitlines(keepends=True)))


def retractable(lines: Iterable[bytes], base: str = DEFAULT_BASE) -> set[bytes]:
    """Lines that may be retracted: all but the extractors' descriptions, which every part repeats."""
    agent = f"<{normalise_base(base)}extractor/".encode()
    return {line for line in lines if not line.startswith(agent)}


def write_lines(path: Path, lines: Iterable[bytes]) -> Path:
    with atomic_writer(path, "wb") as out:
        for line in lines:
            out.write(line)
    return path


def write_part(
    view: StateView,
    part: int,
    folder: Path,
    base: str = DEFAULT_BASE,
    graph: nx.MultiDiGraph | None = None,
    nodes: Sequence[str] = (),
) -> tuple[Path, int]:
    """``papers-NNNNNN.nt`` of one part: the paper ``nodes`` of ``graph`` (the whole graph) when given, else a
    graph of the part's papers read from the state; returns it and its number of triples."""
    path = Path(folder) / part_file(part)
    if graph is None:
        graph, nodes = view.graph(view.state.iter_papers(part), linked_only=True), None  # type: ignore[assignment]
    with atomic_writer(path, "wb") as out:
        triples = iter_triples(graph, base, oxigraph_terms(), "papers", nodes)
        count = serialize_triples(triples, out, "ntriples", base)
    return path, count


def part_nodes(state: BuildState, graph: nx.MultiDiGraph) -> dict[int, list[str]]:
    """The paper nodes of ``graph`` by the part that holds them, in graph order (a part's own order)."""
    papers = {node: data["paper_id"] for node, data in graph.nodes(data=True) if data.get("kind") == "Paper"}
    part = state.part_of(papers.values())
    nodes: dict[int, list[str]] = {}
    for node, paper_id in papers.items():
        nodes.setdefault(part[paper_id], []).append(node)
    return nodes
