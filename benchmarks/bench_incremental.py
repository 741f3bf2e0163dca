"""Incremental builds at scale: a cold ``kg build`` of N papers from precomputed extractions, then ``kg add`` of
1,000 new papers, then queries that read the state; each step a subprocess (interpreter start included) with its
wall seconds, CPU seconds (the step's whole process tree) and peak memory (PSS summed over the tree, sampled).

Run: .venv/bin/python benchmarks/bench_incremental.py --corpus CORPUS.jsonl --extractions E.jsonl \\
         --add NEW.jsonl --out OUT [--formats ntriples] [--full-formats graph,turtle] [--processes 2]
         [--no-build --note TEXT: add to the build already in OUT] [--no-entity]
``--extractions`` is the ``kg extract`` output of CORPUS. ``--full-formats`` also measures ``kg add --formats``
(the whole-graph outputs rewritten from the state) on a copy of the build. One JSON line is appended to
benchmarks/results/bench_incremental.jsonl; long runs belong under nohup.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_incremental.jsonl"
KG = str(ROOT / ".venv" / "bin" / "kg")
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_stages import PeakSampler, machine  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def step(name: str, command: list[str]) -> dict:
    """Run one ``kg`` command; its wall and CPU seconds, peak tree PSS, and its output's last lines."""
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {' '.join(command)}", flush=True)
    start, cpu = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakSampler(process.pid, 0.2) as sampler:
        output, _ = process.communicate()
    record = {
        "step": name,
        "command": " ".join(command[1:]),
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(_children_cpu() - cpu, 2),
        "peak_tree_pss_mib": sampler.mib,
        "returncode": process.returncode,
        "output": output.strip().splitlines()[-8:],
    }
    found = re.search(r"timings \(wall/CPU s\): (.*)", " ".join(output.split()))
    if found:
        record["timings"] = {
            m.group(1).strip(): [float(m.group(2)), float(m.group(3))]
            for m in re.finditer(r"([\w+: ]+?) ([\d.]+)/([\d.]+)(?:,|$)", found.group(1))
        }
    print(json.dumps(record), flush=True)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed:\n{output}")
    return record


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--extractions", type=Path, required=True)
    parser.add_argument("--add", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--formats", default="ntriples", help="outputs of the cold build")
    parser.add_argument("--full-formats", default="", help="also time 'kg add --formats' with these (on a copy)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--query", default="GSM8K")
    parser.add_argument("--no-entity", action="store_true", help="skip 'kg entity' (it loads the whole graph)")
    parser.add_argument("--no-build", action="store_true", help="add to the build already in --out (no cold build)")
    parser.add_argument("--note", default="", help="stored with the record")
    parser.add_argument("--no-cache", action="store_true", help="kg add --no-cache: extract even if cached")
    arguments = parser.parse_args()
    out = arguments.out
    if out.exists() and not arguments.no_build:
        shutil.rmtree(out)
    papers = sum(1 for _ in arguments.corpus.open("rb"))  # with --no-build: the corpus the build was made of
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    record: dict = {
        "n": papers,
        "added": sum(1 for _ in arguments.add.open("rb")),
        "commit": commit.stdout.strip(),
        "note": arguments.note,
        "machine": machine(),
        "steps": [],
    }
    print(json.dumps(record["machine"]), flush=True)
    j = str(arguments.processes)
    steps = record["steps"]
    if not arguments.no_build:
        build = [KG, "build", str(arguments.corpus), "--extractions", str(arguments.extractions), "--out", str(out)]
        steps.append(step("cold build", [*build, "--formats", arguments.formats, "-j", j]))
    record["state_mib"] = round(size_of(out / "state.sqlite") / 2**20, 1)
    record["rdf_mib"] = round(size_of(out / "rdf") / 2**20, 1) if (out / "rdf").exists() else None
    if arguments.full_formats:
        copy = out.with_name(out.name + "-full")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(out, copy)
    cache = ["--no-cache"] if arguments.no_cache else []
    steps.append(
        step("kg add (+1,000)", [KG, "add", str(arguments.add), "--out", str(out), "-j", j, "--timings", *cache])
    )
    steps.append(
        step("kg add again (all already there)", [KG, "add", str(arguments.add), "--out", str(out), "--timings"])
    )
    steps.append(
        step("query papers-using", [KG, "query", "papers-using", arguments.query, "--out", str(out), "--json"])
    )
    if not arguments.no_entity:
        steps.append(step("kg entity", [KG, "entity", arguments.query, "--out", str(out), "--json"]))
    if arguments.full_formats:
        steps.append(
            step(
                f"kg add --formats {arguments.full_formats}",
                [
                    KG,
                    "add",
                    str(arguments.add),
                    "--out",
                    str(copy),
                    "-j",
                    j,
                    "--timings",
                    "--formats",
                    arguments.full_formats,
                ],
            )
        )
        shutil.rmtree(copy, ignore_errors=True)
    for item in steps:
        item["output"] = item["output"][-3:]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    print("| step | wall s | CPU s | peak PSS MiB |")
    for item in steps:
        print(f"| {item['step']} | {item['seconds']} | {item['cpu_seconds']} | {item['peak_tree_pss_mib']} |")


if __name__ == "__main__":
    main()
