"""RDF export speed, side by side in one run: rdflib's serialisers vs the streaming Oxigraph paths of kg.sinks.rdf.

The graph is a built graph (default: ``kg build`` of the daily-papers sample into a temporary folder) copied
K times with renamed papers and entities, so the mix of triples stays that of real output. Every method runs
in a fresh interpreter that builds the scaled graph first, then is timed; the table gives seconds, triples/s,
the growth of peak memory over the size of the process holding the graph, and the speed ratio to rdflib's
Turtle serialiser at the same size, by wall clock and by CPU time (CPU time is the fairer figure on a machine
shared with other work).

Run: .venv/bin/python benchmarks/bench_rdf.py [--graph DIR] [--sizes 100000,1000000] [--big 10000000]
(the --big size runs only the streaming methods: rdflib would need hours and tens of GB there).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import multiprocessing
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import rdflib

from kg.atomic import atomic_writer
from kg.sinks import rdf

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def scaled(graph: nx.MultiDiGraph, copies: int) -> nx.MultiDiGraph:
    """``copies`` disjoint copies of ``graph``: copy i renames paper p to p-ci and entity e to e-ci."""
    big = nx.MultiDiGraph(**graph.graph)
    for i in range(copies):
        suffix = f"-c{i}"
        for node, data in graph.nodes(data=True):
            renamed = dict(data)
            if data["kind"] == "Paper":
                renamed["paper_id"] = f"{data['paper_id']}{suffix}"
            else:
                renamed["entity_id"] = f"{data['entity_id']}{suffix}"
            big.add_node(f"{node}{suffix}", **renamed)
        for source, target, key, data in graph.edges(keys=True, data=True):
            big.add_edge(f"{source}{suffix}", f"{target}{suffix}", key=key, **data)
    return big


def count_triples(graph: nx.MultiDiGraph) -> int:
    return sum(1 for _ in rdf.iter_triples(graph, rdf.DEFAULT_BASE, rdf.oxigraph_terms()))


# --- the methods: each writes `graph` to `path` and returns the number of triples written -------------------


def rdflib_turtle(graph: nx.MultiDiGraph, path: Path) -> int:
    g = rdf.to_rdf(graph)
    g.serialize(path, format="turtle")
    return len(g)


def rdflib_ntriples(graph: nx.MultiDiGraph, path: Path) -> int:
    g = rdf.to_rdf(graph)
    g.serialize(path, format="nt", encoding="utf-8")
    return len(g)


def rdflib_jsonld(graph: nx.MultiDiGraph, path: Path) -> int:
    g = rdf.to_rdf(graph)
    g.serialize(path, format="json-ld", context=rdf.prefixes())
    return len(g)


def rdflib_graph_oxigraph_turtle(graph: nx.MultiDiGraph, path: Path) -> int:
    """Keep an rdflib.Graph (the rdflib API), hand its triples to Oxigraph's Turtle serialiser."""
    g = rdf.to_rdf(graph)
    with open(path, "wb") as out:
        return rdf.serialize_triples(rdf.rdflib_to_oxigraph(g), out, "turtle")


def stream_turtle(graph: nx.MultiDiGraph, path: Path) -> int:
    return rdf.write_rdf(graph, path, "turtle")


def stream_ntriples(graph: nx.MultiDiGraph, path: Path) -> int:
    return rdf.write_rdf(graph, path, "ntriples")


def stream_ntriples_gz(graph: nx.MultiDiGraph, path: Path) -> int:
    return rdf.write_rdf(graph, path.with_suffix(".nt.gz"), "ntriples")


def stream_jsonld(graph: nx.MultiDiGraph, path: Path) -> int:
    return rdf.write_rdf(graph, path, "jsonld")


def oxigraph_store_turtle(graph: nx.MultiDiGraph, path: Path) -> int:
    """Load an in-memory Oxigraph store (what kg sparql queries), then dump it as Turtle."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in rdf.iter_triples(graph, rdf.DEFAULT_BASE, rdf.oxigraph_terms())
    )
    store.dump(str(path), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=rdf.prefixes())
    return len(store)


METHODS: dict[str, tuple[Callable[[nx.MultiDiGraph, Path], int], bool]] = {
    # name: (function, streams: runs at the big size too)
    "rdflib Graph + rdflib Turtle": (rdflib_turtle, False),
    "rdflib Graph + rdflib N-Triples": (rdflib_ntriples, False),
    "rdflib Graph + rdflib JSON-LD": (rdflib_jsonld, False),
    "rdflib Graph + Oxigraph Turtle": (rdflib_graph_oxigraph_turtle, False),
    "stream -> Oxigraph Turtle": (stream_turtle, True),
    "stream -> Oxigraph N-Triples": (stream_ntriples, True),
    "stream -> Oxigraph N-Triples .gz": (stream_ntriples_gz, True),
    "stream -> compact JSON-LD": (stream_jsonld, True),
    "Oxigraph Store load + dump Turtle": (oxigraph_store_turtle, True),
}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(name: str, graph_dir: Path, copies: int, path: Path, conn) -> None:
    """Build the scaled graph, reset the peak-RSS mark, run one method, report."""
    from kg.graph.files import load_graph

    graph = scaled(load_graph(graph_dir), copies)
    gc.collect()
    with contextlib.suppress(OSError):  # "5" resets VmHWM to the current RSS (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
    start_rss = _rss_kib("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    triples = METHODS[name][0](graph, path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    written = path if path.exists() else path.with_suffix(".nt.gz")
    conn.send(
        {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "triples": triples,
            "bytes": written.stat().st_size,
            "peak_growth_mib": (_rss_kib("VmHWM") - start_rss) / 1024,
        }
    )
    conn.close()


def run_method(name: str, graph_dir: Path, copies: int, folder: Path) -> dict:
    """Run one method in a fresh interpreter (spawn), so that memory figures are its own."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    path = folder / "out.data"
    process = context.Process(target=_child, args=(name, graph_dir, copies, path, send))
    process.start()
    send.close()
    try:
        result = receive.recv()
    except EOFError:
        raise SystemExit(f"{name}: the child process died (exit code {process.exitcode}); out of memory?") from None
    process.join()
    for leftover in folder.iterdir():
        leftover.unlink()
    return result


def sample_dir(graph_dir: Path | None) -> Path:
    """A folder holding graph.json: the one given, or a fresh build of the daily-papers sample."""
    if graph_dir is not None:
        return graph_dir
    from kg.workflow.build import build

    out = Path(tempfile.mkdtemp(prefix="bench-rdf-")) / "out"
    print("building the sample graph (kg build data/corpus/daily-papers-*.txt) ...", flush=True)
    build(sorted((ROOT / "data" / "corpus").glob("daily-papers-*.txt")), out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, help="folder with graph.json (default: build the sample corpus)")
    parser.add_argument("--sizes", default="100000,1000000", help="triple counts for every method")
    parser.add_argument("--big", type=int, default=10_000_000, help="triple count for streaming methods (0: skip)")
    parser.add_argument("--methods", help="comma-separated subset of method names")
    args = parser.parse_args()

    from kg.graph.files import load_graph

    graph_dir = sample_dir(args.graph)
    base_graph = load_graph(graph_dir)
    per_copy = count_triples(base_graph)
    sizes = [(int(s), False) for s in args.sizes.split(",") if s] + ([(args.big, True)] if args.big else [])
    chosen = [m for m in METHODS if not args.methods or m in args.methods.split(",")]
    print(
        f"{platform.python_implementation()} {platform.python_version()}, rdflib {rdflib.__version__}, "
        f"pyoxigraph {ox.__version__}, {os.cpu_count()} CPUs; {per_copy:,} triples per copy of the sample graph"
    )
    report = {"per_copy": per_copy, "rdflib": rdflib.__version__, "pyoxigraph": ox.__version__, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-rdf-out-") as folder:
        for target, streaming_only in sizes:
            copies = max(1, math.ceil(target / per_copy))
            nodes, edges = base_graph.number_of_nodes() * copies, base_graph.number_of_edges() * copies
            print(f"\n{copies * per_copy:,} triples ({copies} copies, {nodes:,} nodes, {edges:,} edges)")
            print(
                f"{'method':36} {'wall s':>8} {'CPU s':>8} {'triples/s':>10} {'MiB peak+':>9} {'MB out':>7} "
                f"{'x rdflib ttl (wall, CPU)':>24}"
            )
            reference: dict | None = None
            for name in chosen:
                if streaming_only and not METHODS[name][1]:
                    continue
                result = run_method(name, graph_dir, copies, Path(folder))
                result.update(method=name, size=copies * per_copy)
                if name == "rdflib Graph + rdflib Turtle":
                    reference = result
                ratio = "-"
                if reference is not None:
                    result["ratio_wall"] = reference["seconds"] / result["seconds"]
                    result["ratio_cpu"] = reference["cpu_seconds"] / result["cpu_seconds"]
                    ratio = f"{result['ratio_wall']:.1f}x, {result['ratio_cpu']:.1f}x"
                print(
                    f"{name:36} {result['seconds']:8.2f} {result['cpu_seconds']:8.2f} "
                    f"{result['triples'] / result['seconds']:10,.0f} {result['peak_growth_mib']:9.0f} "
                    f"{result['bytes'] / 1e6:7.1f} {ratio:>24}",
                    flush=True,
                )
                report["runs"].append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with atomic_writer(RESULTS / "bench_rdf.json") as out:
        out.write(json.dumps(report, indent=1) + "\n")
    print(f"\nresults: {RESULTS / 'bench_rdf.json'}")


if __name__ == "__main__":
    main()
