"""Per-stage time and memory of ``kg build`` and ``kg extract`` on a large synthetic corpus (benchmarks/corpus.py).

For each size N (a JSON Lines file of N papers, written once into --work):
- ``extract``: ``kg extract CORPUS --out X -j P`` as a subprocess: abstracts/s, and the peak memory of the
  whole process tree (sum of PSS over the main process and its workers, sampled every 0.2 s; PSS counts pages
  shared between forked workers once) besides the largest single RSS;
- ``build``: the stages of ``kg build`` one by one in a fresh interpreter (read, extract with the cache, resolve,
  graph, graph.json, Turtle, index.html, site/), each with its time and its own peak memory (PSS of the tree,
  sampled), then an incremental build: ``--increment`` new papers added, the same stages again, with the cache.

Run: .venv/bin/python benchmarks/bench_stages.py --sizes 10000,100000 [--work DIR] [--processes 2]
     [--modes extract,build] [--increment 1000] [--no-site-above N]. Results: one JSON line per run appended to
     benchmarks/results/bench_stages.jsonl, and a table on stdout. Big sizes take hours: run them with nohup.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_stages.jsonl"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process (KiB), from /proc/PID/smaps_rollup; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def _tree(pid: int) -> list[int]:
    import psutil

    try:
        process = psutil.Process(pid)
        return [pid, *(child.pid for child in process.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return 0


class PeakSampler:
    """Samples the memory of a process tree in a thread: peak total PSS and peak single-process RSS (MiB)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pids = _tree(self.pid)
        self.peak_pss = max(self.peak_pss, sum(_pss_kib(p) for p in pids))
        self.peak_rss = max([self.peak_rss, *(_rss_kib(p) for p in pids)])

    def reset(self) -> None:
        self.sample()
        self.peak_pss = self.peak_rss = 0
        self.sample()

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> float:
        return round(self.peak_pss / 1024, 1)


def corpus_file(work: Path, n: int, start: int = 0) -> Path:
    from corpus import write_corpus

    path = work / (f"corpus-{n}.jsonl" if start == 0 else f"corpus-{start}+{n}.jsonl")
    if not path.exists():
        write_corpus(n, path.with_suffix(".tmp"), start)
        path.with_suffix(".tmp").rename(path)
    return path


def bench_extract(work: Path, n: int, processes: int) -> dict:
    """``kg extract`` of N papers as a subprocess: wall time, abstracts/s, peak memory of its process tree."""
    path = corpus_file(work, n)
    out = work / f"extract-{n}.jsonl"
    command = [str(ROOT / ".venv" / "bin" / "kg"), "extract", str(path), "--out", str(out), "-j", str(processes)]
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with PeakSampler(process.pid, 0.5) as sampler:
        output, _ = process.communicate()
    seconds, cpu = time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu
    if process.returncode != 0:
        raise RuntimeError(output.decode())
    return {
        "mode": "extract",
        "n": n,
        "processes": processes,
        "seconds": round(seconds, 1),
        "per_second": round(n / seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "per_cpu_second": round(n / cpu, 1),
        "peak_tree_pss_mib": sampler.mib,
        "peak_process_rss_mib": round(sampler.peak_rss / 1024, 1),
    }


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def stage(results: dict, name: str, n: int, sampler: PeakSampler) -> Iterator[None]:
    sampler.reset()
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    yield
    seconds = time.perf_counter() - start
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu
    sampler.sample()
    results[name] = {
        "seconds": round(seconds, 2),
        "per_second": round(n / seconds, 1) if seconds else None,
        "peak_mib": sampler.mib,
        "cpu_seconds": round(cpu, 2),
    }
    rate = n / seconds if seconds else 0
    print(f"  {name:10} {seconds:9.2f} s {cpu:9.2f} cpu-s {rate:10.0f}/s {sampler.mib:8.0f} MiB", flush=True)


def build_stages(
    inputs: list[Path],
    out: Path,
    processes: int,
    site: bool,
    sampler: PeakSampler,
    extractions_file: Path | None = None,
) -> dict:
    """The stages of ``kg build`` (as kg.workflow.build.build runs them), timed one by one; output in ``out``. With
    ``extractions_file`` (``kg extract`` output of the same inputs) extraction is read from it, as
    ``kg build --extractions`` does."""
    from kg.extract.resources import load_resources
    from kg.graph.build import build_graph
    from kg.graph.files import save_graph
    from kg.graph.resolution import resolve
    from kg.sinks.html import write_graph_page
    from kg.sinks.rdf import write_turtle
    from kg.sinks.site import write_site
    from kg.sources.readers import read_papers
    from kg.store.extractions import ExtractionReader
    from kg.workflow.build import extract_with_cache

    results: dict = {}
    out.mkdir(parents=True, exist_ok=True)
    with stage(results, "read", 0, sampler):
        papers = read_papers(inputs)
    n = len(papers)
    results["read"]["per_second"] = round(n / results["read"]["seconds"], 1)
    if extractions_file is None:
        with stage(results, "extract", n, sampler):
            extractions, fresh = extract_with_cache(papers, (), processes, out / "cache")
        results["extract"]["extracted"] = fresh
    else:
        with stage(results, "extractions read", n, sampler):
            reader = ExtractionReader(extractions_file, load_resources().gazetteer)
            found = reader.take(papers)
            reader.finish()
            reader.close()
            extractions = [found[paper.id] for paper in papers]
            del found
    with stage(results, "resolve", n, sampler):
        resolution = resolve(papers, extractions, load_resources().gazetteer)
    del extractions
    with stage(results, "graph", n, sampler):
        graph = build_graph(resolution)
    results["entities"] = len(resolution.entities)
    results["relations"] = len(resolution.relations)
    del resolution
    with stage(results, "graph.json", n, sampler):
        save_graph(graph, out)
    with stage(results, "turtle", n, sampler):
        write_turtle(graph, out / "graph.ttl")
    with stage(results, "index.html", n, sampler):
        write_graph_page(graph, out / "index.html")
    if site:
        with stage(results, "site", n, sampler):
            write_site(graph, out)
    results["total_seconds"] = round(sum(v["seconds"] for v in results.values() if isinstance(v, dict)), 1)
    results["papers"] = n
    return results


def bench_build(
    work: Path, n: int, processes: int, increment: int, site: bool, extractions_file: Path | None = None
) -> dict:
    """Cold build of N papers, then (with ``increment``) a rebuild with ``increment`` new papers, cache kept."""
    out = work / f"build-{n}"
    shutil.rmtree(out, ignore_errors=True)
    record: dict = {"mode": "build", "n": n, "processes": processes, "extractions_file": extractions_file is not None}
    with PeakSampler(os.getpid()) as sampler:
        print(f"build of {n:,} papers (cold cache)", flush=True)
        record["cold"] = build_stages([corpus_file(work, n)], out, processes, site, sampler, extractions_file)
        if increment:
            extra = corpus_file(work, increment, start=n)
            print(f"rebuild with {increment:,} new papers (cache kept)", flush=True)
            record["incremental"] = build_stages([corpus_file(work, n), extra], out, processes, site, sampler)
        record["process_peak_mib"] = round(sampler.peak_pss / 1024, 1)
    return record


def machine() -> dict:
    import spacy

    return {
        "date": datetime.date.today().isoformat(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run_in_child(arguments: list[str]) -> dict:
    """One measurement in a fresh interpreter, so that each size's peak memory is its own; its lines are shown
    as they come, the last one is the JSON record."""
    command = [sys.executable, __file__, "--child", *arguments]
    last = ""
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if last:
                print(last, end="", flush=True)
            last = line
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode})")
    return json.loads(last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-bench"))
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--modes", default="extract,build")
    parser.add_argument("--increment", type=int, default=1000)
    parser.add_argument("--no-site-above", type=int, default=100_000, help="skip the site stage above this size")
    parser.add_argument(
        "--extractions",
        type=Path,
        help="build mode, one size: read extractions from this kg extract output of the corpus instead of extracting",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        n = int(args.sizes)
        if args.modes == "extract":
            record = bench_extract(args.work, n, args.processes)
        else:
            record = bench_build(
                args.work, n, args.processes, args.increment, n <= args.no_site_above, args.extractions
            )
        print(json.dumps(record))
        return
    records = []
    for n in (int(s) for s in args.sizes.split(",")):
        corpus_file(args.work, n)
        for mode in args.modes.split(","):
            child = [
                "--sizes",
                str(n),
                "--modes",
                mode,
                "--work",
                str(args.work),
                "--processes",
                str(args.processes),
                "--increment",
                str(args.increment),
                "--no-site-above",
                str(args.no_site_above),
                *(["--extractions", str(args.extractions)] if args.extractions else []),
            ]
            record = {**run_in_child(child), "machine": machine()}
            records.append(record)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)
    print_table(records)


def print_table(records: list[dict], out: Callable[[str], None] = print) -> None:
    """Markdown tables of the records: ``kg extract`` per size, then build stages per size."""
    extract = [r for r in records if r["mode"] == "extract"]
    if extract:
        out("| papers | kg extract s | abstracts/s | peak memory, tree PSS (MiB) | largest process RSS (MiB) |")
        out("|---:|---:|---:|---:|---:|")
        for r in extract:
            out(
                f"| {r['n']:,} | {r['seconds']:,} | {r['per_second']:,.0f} | {r['peak_tree_pss_mib']:,.0f} "
                f"| {r['peak_process_rss_mib']:,.0f} |"
            )
    for r in (r for r in records if r["mode"] == "build"):
        for run in ("cold", "incremental"):
            if run not in r:
                continue
            stages = {k: v for k, v in r[run].items() if isinstance(v, dict)}
            out(
                f"\n{run} build, {r[run]['papers']:,} papers ({r[run]['entities']:,} entities, "
                f"{r[run]['relations']:,} relations): total {r[run]['total_seconds']:,} s"
            )
            out("| stage | s | papers/s | peak MiB |")
            out("|---|---:|---:|---:|")
            for name, v in stages.items():
                out(f"| {name} | {v['seconds']:,} | {v['per_second'] or 0:,.0f} | {v['peak_mib']:,.0f} |")


if __name__ == "__main__":
    main()
