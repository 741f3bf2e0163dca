"""CSV files for ``neo4j-admin database import full``: the bulk path for graphs too big to push with MERGE.

The files hold the same nodes, labels, relationships and properties as ``kg neo4j push`` writes (both use
``kg.sinks.neo4j.graph_rows``), results included (``RESULT_FILES``: the ``(:Result)`` nodes of
``kg.sinks.neo4j_results``). Headers are inline (first line of each file); arrays and multiple labels are
separated by U+001F; fields with commas, quotes or newlines are quoted (so import with ``--multiline-fields=true``).
"""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_writer
from kg.errors import KgError
from kg.sinks.cells import spreadsheet_safe
from kg.sinks.neo4j import ENTITY_LABELS, ENTITY_RELATIONS, PAPER_LINKS, PAPER_RELATIONS, graph_rows

ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_OPTION = "U+001F"
FILES = ("papers.csv", "entities.csv", "relationships.csv", "variants.csv")
CITATION_FILES = ("citations.csv",)  # (:Paper)-[:CITES]->(:Paper)
RESULT_FILES = ("results.csv", "reports.csv", "result-links.csv")  # (:Result) nodes, REPORTS, ON / MEASURED_BY / ...
RESULT_SCHEMA = "CREATE CONSTRAINT kg_result_id IF NOT EXISTS FOR (n:Result) REQUIRE n.result_id IS UNIQUE;\n"
SCHEMA = (
    "CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.paper_id IS UNIQUE;\n"
    "CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.entity_id IS UNIQUE;\n"
    "CREATE INDEX kg_entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name);\n"
    "CREATE INDEX kg_paper_title IF NOT EXISTS FOR (n:Paper) ON (n.title);\n"
)


def _import_options(folder: str) -> list[str]:
    return [
        f"--nodes={folder}/papers.csv",
        f"--nodes={folder}/entities.csv",
        f"--relationships={folder}/relationships.csv",
        f"--relationships={folder}/variants.csv",
        f"--relationships={folder}/citations.csv",
        f"--nodes={folder}/results.csv",
        f"--relationships={folder}/reports.csv",
        f"--relationships={folder}/result-links.csv",
        f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
        "--multiline-fields=true",
        "--overwrite-destination",
    ]


def import_command(out_dir: Path, database: str = "neo4j") -> str:
    """The exact ``neo4j-admin`` command for the files in ``out_dir``. Neo4j must be stopped (or the database
    absent); ``--overwrite-destination`` replaces an existing database of that name."""
    return shlex.join(["neo4j-admin", "database", "import", "full", database, *_import_options(str(out_dir.resolve()))])


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        inner = {_type_of(v) for v in value}
        return (inner.pop() if len(inner) == 1 else "string") + "[]"
    return "string"


def _columns(rows: list[dict[str, Any]], skip: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, neo4j type) for every property key in ``rows``, sorted; mixed types fall back to double or string."""
    types: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row["p"].items():
            if key not in skip:
                types.setdefault(key, set()).add(_type_of(value))
    columns = []
    for key in sorted(types):
        found = types[key]
        if len(found) == 1:
            kind = found.pop()
        elif found <= {"long", "double"}:
            kind = "double"
        elif found <= {"long[]", "double[]"}:
            kind = "double[]"
        else:
            kind = "string[]" if all(t.endswith("[]") for t in found) else "string"
        columns.append((key, kind))
    return columns


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if not kind.endswith("[]"):
            return json.dumps(value, ensure_ascii=False)
        parts = [_cell(v, kind[:-2]) for v in value]
        if any(ARRAY_DELIMITER in part for part in parts):
            raise KgError("a list value holds U+001F, the array delimiter of the CSV export")
        return ARRAY_DELIMITER.join(parts)
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    return spreadsheet_safe(str(value)) if kind == "string" else str(value)  # no formula when opened in a spreadsheet


def _write(path: Path, header: list[str], lines: list[list[str]]) -> Path:
    with atomic_writer(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(lines)
    return path


def _write_results(rows: Any, out_dir: Path) -> list[Path]:
    """results.csv (the ``(:Result)`` nodes of ``kg.sinks.neo4j_results``, the properties a push sets),
    reports.csv (``(:Paper)-[:REPORTS]->(:Result)``) and result-links.csv (``ON``, ``MEASURED_BY``, ``ACHIEVED_BY``,
    ``COMPARED_WITH`` to entities); written with headers only when the graph has no results."""
    columns = _columns(rows.results, skip=("result_id",))
    header = ["result_id:ID(Result)", *(f"{name}:{kind}" for name, kind in columns), ":LABEL"]
    lines = [[row["k"], *(_cell(row["p"].get(name), kind) for name, kind in columns), "Result"] for row in rows.results]
    written = [_write(out_dir / "results.csv", header, lines)]
    reports = [[row["paper"], row["k"], "REPORTS"] for row in rows.results]
    written.append(_write(out_dir / "reports.csv", [":START_ID(Paper)", ":END_ID(Result)", ":TYPE"], reports))
    links = [[link["s"], link["t"], rel] for rel in sorted(rows.result_links) for link in rows.result_links[rel]]
    written.append(_write(out_dir / "result-links.csv", [":START_ID(Result)", ":END_ID(Entity)", ":TYPE"], links))
    return written


def write_neo4j_csv(graph: nx.MultiDiGraph, out_dir: Path) -> list[Path]:
    """Write papers.csv, entities.csv, relationships.csv, variants.csv, citations.csv (CITES between papers), the
    results (``RESULT_FILES``), schema.cypher and import.sh to ``out_dir``."""
    out_dir = Path(out_dir)
    rows = graph_rows(graph)
    written: list[Path] = []

    papers = rows.papers
    columns = _columns(papers, skip=("paper_id",))
    header = ["paper_id:ID(Paper)", *(f"{name}:{kind}" for name, kind in columns), ":LABEL"]
    lines = [[row["k"], *(_cell(row["p"].get(name), kind) for name, kind in columns), "Paper"] for row in papers]
    written.append(_write(out_dir / "papers.csv", header, lines))

    entities = [(label, row) for label in ENTITY_LABELS for row in rows.entities.get(label, [])]
    columns = _columns([row for _, row in entities], skip=("entity_id",))
    header = ["entity_id:ID(Entity)", *(f"{name}:{kind}" for name, kind in columns), ":LABEL"]
    lines = [
        [row["k"], *(_cell(row["p"].get(name), kind) for name, kind in columns), f"Entity{ARRAY_DELIMITER}{label}"]
        for label, row in sorted(entities, key=lambda item: item[1]["k"])
    ]
    written.append(_write(out_dir / "entities.csv", header, lines))

    for file_name, source, rels in (
        ("relationships.csv", "Paper", PAPER_RELATIONS),
        ("variants.csv", "Entity", ENTITY_RELATIONS),
    ):
        edges = [(rel, row) for rel in rels for row in rows.relations.get(rel, [])]
        columns = _columns([row for _, row in edges], skip=())
        header = [f":START_ID({source})", ":END_ID(Entity)", ":TYPE", *(f"{name}:{kind}" for name, kind in columns)]
        lines = [
            [row["s"], row["t"], rel, *(_cell(row["p"].get(name), kind) for name, kind in columns)]
            for rel, row in edges
        ]
        written.append(_write(out_dir / file_name, header, lines))

    citations = [[row["s"], row["t"], rel] for rel in PAPER_LINKS for row in rows.relations.get(rel, [])]
    written.append(_write(out_dir / "citations.csv", [":START_ID(Paper)", ":END_ID(Paper)", ":TYPE"], citations))
    written.extend(_write_results(rows, out_dir))

    schema = out_dir / "schema.cypher"
    with atomic_writer(schema) as out:
        out.write(SCHEMA + (RESULT_SCHEMA if rows.results else ""))  # as a push: the results' key once there are any
    written.append(schema)
    script = out_dir / "import.sh"
    with atomic_writer(script) as out:
        out.write(
            "#!/bin/sh\n"
            "# Bulk import into a stopped Neo4j; the database (first argument, default neo4j) is replaced.\n"
            "# Needs neo4j-admin on PATH (NEO4J_HOME/bin). Afterwards start Neo4j and add the schema:\n"
            "#   cypher-shell -d DATABASE -f schema.cypher\n"
            "set -e\n"
            'here=$(cd "$(dirname "$0")" && pwd)\n'
            'neo4j-admin database import full "${1:-neo4j}" '
            + " ".join(f'"{option}"' for option in _import_options("$here"))
            + "\n"
        )
    script.chmod(script.stat().st_mode | 0o111)
    written.append(script)
    return written
