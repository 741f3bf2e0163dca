"""``kg extract`` on one machine vs ``--engine dask`` on a local cluster of the same number of worker processes,
alternating, same corpus (benchmarks/corpus.py): wall and CPU seconds (the process tree, cluster included),
abstracts/s, and whether the outputs are byte-identical.

Run: .venv/bin/python benchmarks/bench_dask.py [--n 10000] [--processes 2] [--rounds 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(engine: str, corpus: Path, out: Path, processes: int, partition: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``kg extract`` (CPU: every process it started, once they have exited)."""
    command = [str(ROOT / ".venv" / "bin" / "kg"), "extract", str(corpus), "--out", str(out), "-j", str(processes)]
    if engine == "dask":
        command += ["--engine", "dask", "--partition-size", partition]
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    from corpus import write_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--partition-size", default="2MiB")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-bench"))
    args = parser.parse_args()
    corpus = args.work / f"corpus-{args.n}.jsonl"
    if not corpus.exists():
        write_corpus(args.n, corpus)
    times: dict[str, list[tuple[float, float]]] = {"local": [], "dask": []}
    for _ in range(args.rounds):
        for engine in times:
            wall, cpu = run(engine, corpus, args.work / f"{engine}.jsonl", args.processes, args.partition_size)
            times[engine].append((wall, cpu))
            print(f"{engine:5} {wall:7.1f} s wall {cpu:7.1f} cpu-s  {args.n / wall:6.0f}/s", flush=True)
    same = filecmp.cmp(args.work / "local.jsonl", args.work / "dask.jsonl", shallow=False)
    record = {
        "n": args.n,
        "processes": args.processes,
        "partition_size": args.partition_size,
        "identical": same,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **{
            engine: {
                "wall_s": round(statistics.median(w for w, _ in runs), 1),
                "cpu_s": round(statistics.median(c for _, c in runs), 1),
                "per_second": round(args.n / statistics.median(w for w, _ in runs), 1),
            }
            for engine, runs in times.items()
        },
    }
    print(json.dumps(record))
    with (ROOT / "benchmarks" / "results" / "bench_dask.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
