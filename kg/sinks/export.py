"""``kg export``: write a built graph in another format.

RDF (turtle, ntriples, jsonld) goes through ``kg.sinks.rdf``; graphml and csv are flat views of the same nodes and
edges that carry each node's IRI, so rows can be joined with the RDF; ``neo4j-csv`` belongs to
``kg.sinks.neo4j_csv``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_writer
from kg.errors import KgError
from kg.sinks.cells import spreadsheet_safe
from kg.sinks.rdf import DEFAULT_BASE, local_name, node_path, normalise_base, write_rdf
from kg.sinks.rdf_results import result_csv_rows

RDF_SUFFIX = {"turtle": ".ttl", "ntriples": ".nt", "jsonld": ".jsonld"}
FORMATS = (*RDF_SUFFIX, "graphml", "csv", "neo4j-csv")
NODE_COLUMNS = (
    "id", "iri", "kind", "label", "abstract", "entity_id", "type", "full_name", "aliases", "generic", "family",
    "external_ids", "paper_id", "year", "date", "venue", "url", "doi", "arxiv_id", "authors", "author_count",
    "organisation",
)  # fmt: skip
EDGE_COLUMNS = ("source", "target", "source_iri", "target_iri", "type", "confidence", "evidence_count")
EVIDENCE_COLUMNS = ("source", "target", "type", "field", "start", "end", "text", "sentence", "extractor", "confidence")
RESULT_COLUMNS = (
    "paper", "paper_iri", "result_iri", "benchmark", "benchmark_iri", "metric", "metric_iri", "kind", "value", "unit",
    "score", "method", "method_iri", "own", "baseline", "baseline_iri", "setting", "date", "text", "field", "start",
    "end", "sentence", "confidence", "extractor",
)  # fmt: skip


@dataclass
class ExportResult:
    format: str
    paths: list[Path] = field(default_factory=list)
    triples: int | None = None


def default_output(graph_dir: Path, fmt: str) -> Path:
    """Where ``kg export DIR --format FMT`` writes when no ``--out`` is given."""
    if fmt in RDF_SUFFIX:
        return graph_dir / f"graph{RDF_SUFFIX[fmt]}"
    return graph_dir / {"graphml": "graph.graphml", "csv": "csv", "neo4j-csv": "neo4j"}[fmt]


def export(graph: nx.MultiDiGraph, fmt: str, out: Path, base: str = DEFAULT_BASE) -> ExportResult:
    """Write ``graph`` as ``fmt`` to ``out`` (a file, or a folder for csv and neo4j-csv)."""
    out = Path(out)
    if fmt in RDF_SUFFIX:
        return ExportResult(fmt, [out], write_rdf(graph, out, fmt, base))
    base = normalise_base(base)
    if fmt == "graphml":
        return ExportResult(fmt, [write_graphml(graph, out, base)])
    if fmt == "csv":
        return ExportResult(fmt, write_csv(graph, out, base))
    if fmt == "neo4j-csv":
        try:
            from kg.sinks.neo4j_csv import write_neo4j_csv
        except ModuleNotFoundError as exc:
            if exc.name != "kg.sinks.neo4j_csv":
                raise
            raise KgError("format neo4j-csv needs kg/neo4j_csv.py, which this installation does not have yet") from None
        return ExportResult(fmt, list(write_neo4j_csv(graph, out)))
    raise KgError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _cell(value: Any) -> Any:
    """A scalar for GraphML/CSV: lists and dicts become JSON, None stays None."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
    return value


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: spreadsheet_safe(value) for key, value in row.items()}


def write_graphml(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> Path:
    """GraphML of the graph: nodes with their IRI, list and dict attributes as JSON strings, evidence as JSON."""
    base = normalise_base(base)
    flat = nx.MultiDiGraph()
    flat.graph.update({k: _cell(v) for k, v in graph.graph.items() if v is not None})
    for node, data in graph.nodes(data=True):
        attributes = {k: _cell(v) for k, v in data.items() if v is not None and v != {} and v != []}
        flat.add_node(node, iri=base + node_path(node, data), **attributes)
    for source, target, key, data in graph.edges(keys=True, data=True):
        attributes = {k: _cell(v) for k, v in data.items() if v is not None}
        attributes["evidence_count"] = len(data.get("evidence") or [])
        flat.add_edge(source, target, key=key, **attributes)
    with atomic_writer(path, "wb") as out:
        nx.write_graphml(flat, out, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return Path(path)


def write_csv(graph: nx.MultiDiGraph, folder: Path, base: str = DEFAULT_BASE) -> list[Path]:
    """``nodes.csv``, ``edges.csv``, ``evidence.csv`` (one row per supporting sentence) and ``results.csv`` (one row
    per reported result, ``kg.sinks.rdf_results`` IRIs) in ``folder``; text cells that a spreadsheet would run as a
    formula start with an apostrophe (``kg.sinks.cells``)."""
    base = normalise_base(base)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise KgError(f"{folder}: csv export writes a folder, but this is a file")
    iris = {node: base + node_path(node, data) for node, data in graph.nodes(data=True)}
    paths = [folder / "nodes.csv", folder / "edges.csv", folder / "evidence.csv", folder / "results.csv"]
    with atomic_writer(paths[0]) as out:
        writer = csv.DictWriter(out, NODE_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for node, data in graph.nodes(data=True):
            writer.writerow(_csv_row({**{k: _cell(v) for k, v in data.items()}, "id": node, "iri": iris[node]}))
    with atomic_writer(paths[1]) as out:
        writer = csv.DictWriter(out, EDGE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for source, target, data in graph.edges(data=True):
            writer.writerow(
                _csv_row(
                    {
                        "source": source,
                        "target": target,
                        "source_iri": iris[source],
                        "target_iri": iris[target],
                        "type": data.get("type"),
                        "confidence": data.get("confidence"),
                        "evidence_count": len(data.get("evidence") or []),
                    }
                )
            )
    with atomic_writer(paths[2]) as out:
        writer = csv.DictWriter(out, EVIDENCE_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for source, target, data in graph.edges(data=True):
            for item in data.get("evidence") or []:
                writer.writerow(_csv_row({**item, "source": source, "target": target, "type": data.get("type")}))
    with atomic_writer(paths[3]) as out:
        writer = csv.DictWriter(out, RESULT_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in result_csv_rows(graph, iris, base, local_name):
            writer.writerow(_csv_row(row))
    return paths
