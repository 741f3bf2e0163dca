"""Outputs in proportion to the change (issue 22, point 3): ``kg add`` of new papers with every output kept current
against a full rebuild, and a full build with every output, stage by stage, in one run.

Steps, each a subprocess (interpreter start and imports included; CPU seconds of the whole process tree, peak
memory the sum of PSS over the tree, sampled every 0.2 s):
1. ``kg build CORPUS --out WORK/build`` with every output (``--formats``), stage by stage (a progress listener
   notes each step's and each output's wall and CPU seconds);
2. a copy of that build, then ``kg add ADD --timings`` on it (every output the build has kept current; the
   ``outputs`` line says how: spliced, written, pages), and each further ``--add`` after it;
3. the rebuild: ``kg build CORPUS ADD... --out WORK/build`` (what keeping the outputs current cost before),
   stage by stage.
With ``--cache-from DIR`` the build's extraction cache starts as a copy of ``DIR`` (the papers of CORPUS are
then not extracted: the build measures the stages after extraction; the added papers are extracted).

Run: .venv/bin/python benchmarks/bench_add_outputs.py --corpus C.jsonl --add A.jsonl [--add B.jsonl] --work DIR
         [--cache-from OLD/cache] [--formats graph,turtle,ntriples,html,site] [--processes 2] [--keep]
One JSON line is appended to benchmarks/results/bench_add_outputs.jsonl; the table and ratios go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_add_outputs.jsonl"
KG = str(Path(sys.executable).parent / "kg")  # the kg of the interpreter running this (PYTHONPATH: a snapshot)
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_incremental import step  # noqa: E402
from bench_stages import machine  # noqa: E402


class Laps:
    """A progress listener that notes wall and CPU seconds of each step and of each output of the write step."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float, float]] = []
        self._start = (time.perf_counter(), time.process_time())
        self._mark = self._start
        self._note = ""

    def lap(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.laps.append((name, round(now[0] - self._mark[0], 2), round(now[1] - self._mark[1], 2)))
        self._mark = now

    def start(self, name: str, total: int | None, unit: str) -> Laps:
        if name == "write":
            self.lap("read+extract+resolve")
        return self

    def finish(self, task: object) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def update(self, completed: int | None = None, total: int | None = None, note: str | None = None) -> None:
        if note is not None and note != self._note:
            if self._note:
                self.lap(self._note.replace(".", " ").replace("/", ""))
            self._note = note


def staged_build(arguments: list[str]) -> None:
    """``--stage-build OUT FORMATS PROCESSES INPUT...``: run ``kg build`` in this process with ``Laps``."""
    from kg.progress import reporting
    from kg.workflow.build import build

    out, formats, processes, *inputs = arguments
    laps = Laps()
    with reporting(laps):  # type: ignore[arg-type]
        result = build(inputs, out, formats=formats.split(","), n_process=int(processes))
    laps.lap("swap in")
    print(f"{result.papers:,} papers, {result.entities:,} entities, {result.relations:,} relations")
    print("timings (wall/CPU s): " + ", ".join(f"{name} {wall}/{cpu}" for name, wall, cpu in laps.laps))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--stage-build":
        staged_build(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--add", type=Path, action="append", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--cache-from", type=Path)
    parser.add_argument("--formats", default="graph,turtle,ntriples,html,site")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the build folders")
    parser.add_argument("--no-rebuild", action="store_true")
    arguments = parser.parse_args()
    work = arguments.work
    build_dir, add_dir = work / "build", work / "add"
    for folder in (build_dir, add_dir):
        shutil.rmtree(folder, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    if arguments.cache_from:
        shutil.copytree(arguments.cache_from, build_dir / "cache")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    record: dict = {
        "n": sum(1 for _ in arguments.corpus.open("rb")),
        "added": [sum(1 for _ in path.open("rb")) for path in arguments.add],
        "commit": commit.stdout.strip(),
        "formats": arguments.formats,
        "machine": machine(),
        "steps": [],
    }
    j = str(arguments.processes)
    me = [sys.executable, str(Path(__file__).resolve()), "--stage-build"]
    steps = record["steps"]
    steps.append(step("full build", [*me, str(build_dir), arguments.formats, j, str(arguments.corpus)]))
    started = time.perf_counter()
    shutil.copytree(build_dir, add_dir, symlinks=True)
    record["copy_seconds"] = round(time.perf_counter() - started, 1)
    for n, path in enumerate(arguments.add):
        command = [KG, "add", str(path), "--out", str(add_dir), "-j", j, "--timings"]
        steps.append(step(f"kg add {n + 1} (+{record['added'][n]:,})", command))
    if not arguments.no_rebuild:
        inputs = [str(arguments.corpus), *map(str, arguments.add)]
        steps.append(step("rebuild", [*me, str(build_dir), arguments.formats, j, *inputs]))
    record["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    print("| step | wall s | CPU s | peak PSS MiB |")
    for item in steps:
        print(f"| {item['step']} | {item['seconds']} | {item['cpu_seconds']} | {item['peak_tree_pss_mib']} |")
    if not arguments.no_rebuild:
        rebuild = steps[-1]
        for item in steps[1:-1]:
            print(
                f"{item['step']} vs rebuild: {rebuild['cpu_seconds'] / item['cpu_seconds']:.1f}x less CPU, "
                f"{rebuild['seconds'] / item['seconds']:.1f}x less wall"
            )
    if not arguments.keep:
        for folder in (build_dir, add_dir):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
