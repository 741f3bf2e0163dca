"""Whole-process ``kg sparql`` on the build's persistent store vs the old path (an in-memory store filled from
graph.json for every query) vs Oxigraph's own store opened directly in Python, in one run, with ratios.

    .venv/bin/python benchmarks/bench_sparql.py --out /tmp/serve/b100k --repeat 5

Each variant runs as its own process, ``--repeat`` times (the old path ``--old-repeat`` times: it takes seconds
to minutes); the figures are the median wall time, the median CPU time (user + system of that process alone,
``os.wait4``: the machine may be shared) and the peak memory (max RSS). Also: the query alone inside one process
(open read-only + query + serialise), the floor that no command can beat. The query (``--query``) is "papers
that evaluate on GSM8K" unless given. The folder must hold ``oxigraph/`` (``kg build`` writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KG = str(Path(sys.executable).parent / "kg")
QUERY = (
    'SELECT ?paper ?title WHERE { ?b a kg:Benchmark ; skos:prefLabel "GSM8K" . '
    "?paper kg:evaluatesOn ?b ; dcterms:title ?title }"
)
DIRECT = """
import sys, time, pyoxigraph as ox
from kg.sinks.rdf import prefixes
names = prefixes()
started = time.perf_counter()
store = ox.Store.read_only(sys.argv[1])
out = open("/dev/null", "wb")
store.query(sys.argv[2], prefixes=names).serialize(out, ox.QueryResultsFormat.CSV)
print(time.perf_counter() - started)
"""
BARE = """
import json, sys, pyoxigraph as ox
prologue = "".join(f"PREFIX {k}: <{v}> " for k, v in json.loads(sys.argv[3]).items())
answer = ox.Store.read_only(sys.argv[1]).query(prologue + sys.argv[2])
answer.serialize(sys.stdout.buffer, ox.QueryResultsFormat.CSV)
"""


def run(args: list[str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, CPU seconds (user + system of the process), max RSS (KiB) and stdout of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read()  # type: ignore[union-attr]
    process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:3])}...: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def measure(args: list[str], repeat: int) -> dict[str, float]:
    runs = [run(args) for _ in range(repeat)]
    return {
        "wall_s": round(statistics.median(r[0] for r in runs), 4),
        "cpu_s": round(statistics.median(r[1] for r in runs), 4),
        "max_rss_mb": round(max(r[2] for r in runs) / 1024, 1),
        "rows": runs[0][3].count(b"\n") - 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="a build folder with oxigraph/")
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--old-repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    folder = options.out.resolve()
    store = folder / "oxigraph"
    if not store.is_dir():
        raise SystemExit(f"{folder}: no oxigraph/ store; kg build writes it")
    # the prefixes from a child: this process stays small, as a child's peak RSS counts what it was forked from
    names = subprocess.run(
        [sys.executable, "-c", "import json; from kg.sinks.rdf import prefixes; print(json.dumps(prefixes()))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    figures: dict[str, object] = {"folder": str(folder), "query": options.query}
    run([KG, "sparql", options.query, "--out", str(folder), "-f", "csv"])  # the first run: files into the cache
    figures["kg sparql (store)"] = measure(
        [KG, "sparql", options.query, "--out", str(folder), "-f", "csv"], options.repeat
    )
    figures["python + pyoxigraph (bare process)"] = measure(
        [sys.executable, "-c", BARE, str(store), options.query, names], options.repeat
    )
    figures["kg --version (CLI start alone)"] = measure([KG, "--version"], options.repeat)
    inside = [float(run([sys.executable, "-c", DIRECT, str(store), options.query])[3]) for _ in range(options.repeat)]
    figures["open + query + serialise, in process (s)"] = round(statistics.median(inside), 4)
    with tempfile.TemporaryDirectory(dir=folder.parent) as old:  # the folder as an older kg left it: graph.json only
        os.symlink(folder / "graph.json", Path(old) / "graph.json")
        figures["kg sparql (old: in-memory store from graph.json)"] = measure(
            [KG, "sparql", options.query, "--out", old, "-f", "csv"], options.old_repeat
        )
    new, old_path = figures["kg sparql (store)"], figures["kg sparql (old: in-memory store from graph.json)"]
    bare, cli = figures["python + pyoxigraph (bare process)"], figures["kg --version (CLI start alone)"]
    assert isinstance(new, dict) and isinstance(old_path, dict) and isinstance(bare, dict) and isinstance(cli, dict)
    if new["rows"] != old_path["rows"]:
        raise SystemExit(f"the store answered {new['rows']} rows, the old path {old_path['rows']}")
    figures["ratios"] = {
        "old path / store (wall)": round(old_path["wall_s"] / new["wall_s"], 1),
        "old path / store (CPU)": round(old_path["cpu_s"] / new["cpu_s"], 1),
        "old path / store (memory)": round(old_path["max_rss_mb"] / new["max_rss_mb"], 1),
        "store / bare pyoxigraph process (CPU)": round(new["cpu_s"] / bare["cpu_s"], 2),
        "store - kg --version (CPU s: the query's own cost in kg)": round(new["cpu_s"] - cli["cpu_s"], 4),
    }
    text = json.dumps(figures, indent=1)
    print(text)
    if options.json:
        options.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
