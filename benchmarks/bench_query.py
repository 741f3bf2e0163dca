"""Every query verb, whole process, on a 100k-paper build, as a ratio to ``kg --help`` measured in the same run.

    .venv/bin/python benchmarks/bench_query.py [--build /work/bench/b100k] [--copy /tmp/query/b100k] [--repeat 5]

The build is copied (its state and graph.json) and given its query index by kg's own code when the copy has
none; the build itself is never written. Each command runs ``--repeat`` times, interleaved with ``kg --help``;
reported: the median wall time and the median CPU time (user + system of the child) of each, and the CPU ratio
to ``kg --help`` (the machine is shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

KG = str(Path(sys.executable).parent / "kg")
VERBS = [
    ["query", "papers-using", "GSM8K"],
    ["query", "papers-using", "RL", "--role", "uses", "-n", "20"],
    ["query", "evaluated-on", "BERT"],
    ["query", "methods-on", "GSM8K"],
    ["query", "used-with", "RL"],
    ["query", "trend", "RL", "--by", "month"],
    ["query", "new", "--since", "2025", "--type", "method"],
    ["query", "rising", "--window", "2"],
    ["query", "related", "1501.0000000"],
    ["query", "compare", "BERT", "RL"],
    ["query", "cites", "1501.0000000"],
    ["query", "papers-using", "GSM8L"],  # a near miss: "did you mean" over every name
    ["entity", "direct preference optimisation"],
]


def prepare(build: Path, copy: Path) -> Path:
    """A copy of ``build`` with a query index (written by kg from the copy's graph, when it has none)."""
    copy.mkdir(parents=True, exist_ok=True)
    for name in ("state.sqlite", "graph.json"):
        if not (copy / name).exists():
            shutil.copy2(build / name, copy / name)
    if not (copy / "index.sqlite").exists():
        from kg.graph.files import load_graph
        from kg.graph.index import write_query_index
        from kg.store.index import state_generation

        started = time.perf_counter()
        write_query_index(load_graph(copy), copy, state_generation(copy) or 0)
        print(f"index.sqlite written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return copy


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one ``kg`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([KG, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=Path("/work/bench/b100k"))
    parser.add_argument("--copy", type=Path, default=Path("/tmp/query/b100k"))
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    folder = prepare(options.build, options.copy)
    env_cwd = folder
    os.environ.setdefault("NO_COLOR", "1")
    help_runs: list[tuple[float, float]] = []
    results: dict[str, list[tuple[float, float]]] = {}
    run(["--help"], env_cwd)  # warm the file cache
    for verb in VERBS:
        run([*verb, "--out", str(folder)], env_cwd)
    for _ in range(options.repeat):
        for verb in VERBS:
            help_runs.append(run(["--help"], env_cwd))
            results.setdefault(" ".join(verb), []).append(run([*verb, "--out", str(folder)], env_cwd))
    help_wall = statistics.median(w for w, _ in help_runs)
    help_cpu = statistics.median(c for _, c in help_runs)
    print(f"{'command':50s} {'wall ms':>8s} {'cpu ms':>8s} {'cpu / kg --help':>16s}")
    print(f"{'kg --help':50s} {help_wall * 1000:8.0f} {help_cpu * 1000:8.0f} {1.0:16.2f}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{'kg ' + name:50s} {wall * 1000:8.0f} {cpu * 1000:8.0f} {cpu / help_cpu:16.2f}")


if __name__ == "__main__":
    main()
