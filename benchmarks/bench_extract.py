"""Whole-process ``kg extract`` against spaCy's bare tokenizer on the same texts, in the same run.

    .venv/bin/python benchmarks/corpus.py 20000 /tmp/x/r20k.jsonl --recombine      # a corpus that defeats memos
    .venv/bin/python benchmarks/bench_extract.py [/tmp/x/r20k.jsonl] [--rounds 2] [--stats 20000] [--json OUT]
    .venv/bin/python benchmarks/bench_extract.py /tmp/x/r20k.jsonl --crossover 250,500,1000,2000,4000

Each round runs, one after the other (alternating, so that load on the machine hits all alike):
- ``kg extract CORPUS --out X -j P`` as a subprocess: wall and CPU seconds of the whole process (imports, pipeline
  load, reading, writing), and the CPU timeline of its process tree sampled from ``/proc`` every 0.5 s (cores used
  per interval; the machine's other load in the same intervals);
- ``spacy.blank("en").tokenizer`` over the same texts (title, blank line, abstract), in 1 and in P processes
  (forked after reading): tokenizing time only, and the whole process.
The ratio is kg's abstracts/s over the tokenizer's. ``--stats N`` replays the tokenizer memos and counts kg's memo
tables over the first N texts (``memo_stats.py``). ``--crossover`` times ``extract_papers`` on batches of each
size in fresh processes, one process against P, as ``kg add`` calls it (pipeline already loaded): where a second
process pays for itself. The load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
INTERVAL = 0.5


def load() -> float:
    return round(os.getloadavg()[0], 2)


def read_texts(path: Path, limit: int = 0) -> list[str]:
    """The texts the pipeline reads (``kg.extract.pipeline.paper_text``) of the corpus' records."""
    texts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts.append(str(record.get("title", "")).replace("\n", " ") + "\n\n" + str(record.get("abstract", "")))
            if limit and len(texts) >= limit:
                break
    return texts


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Timeline:
    """Cores used by a process tree in each ``INTERVAL`` (from its live processes' CPU times), and the cores the
    rest of the machine used meanwhile."""

    def __init__(self, pid: int) -> None:
        self.pid, self.cores, self.others, self.processes = pid, [], [], []
        self._cpu: dict[int, float] = {}
        self._alive = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ticks = os.sysconf("SC_CLK_TCK")

    def _tree_cpu(self) -> float:
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return sum(self._cpu.values())
        self._alive = len(processes)
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self._cpu[process.pid] = max(self._cpu.get(process.pid, 0.0), times.user + times.system)
        return sum(self._cpu.values())  # processes that exited keep their last reading

    def _run(self) -> None:
        last, (busy, _), at = self._tree_cpu(), _machine_busy(), time.perf_counter()
        while not self._stop.wait(INTERVAL):
            cpu, (busy2, _), now = self._tree_cpu(), _machine_busy(), time.perf_counter()
            ours = (cpu - last) / (now - at)
            machine = (busy2 - busy) / self._ticks / (now - at)
            self.cores.append(round(ours, 2))
            self.processes.append(self._alive)
            self.others.append(round(max(0.0, machine - ours), 2))
            last, busy, at = cpu, busy2, now

    def __enter__(self) -> Timeline:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def first_with(self, processes: int) -> float | None:
        """Seconds until the tree first had ``processes`` processes (the main one and its workers)."""
        return next(((k + 1) * INTERVAL for k, n in enumerate(self.processes) if n >= processes), None)

    def first_two_cores(self, level: float = 1.5) -> float | None:
        """Seconds until an interval first used ``level`` cores or more."""
        return next(((k + 1) * INTERVAL for k, c in enumerate(self.cores) if c >= level), None)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_kg_extract(corpus: Path, processes: int, work: Path, warmup: int | None = None) -> dict:
    """``kg extract`` as a subprocess, sampled; ``warmup``: run it with ``WARMUP_PAPERS`` set so (an A/B of the
    fork policy in one run)."""
    out = work / "extract.jsonl"
    args = ["extract", str(corpus), "--out", str(out), "-j", str(processes), "--quiet"]
    if warmup is not None:
        code = (
            f"import sys, kg.extract.pipeline as p; p.WARMUP_PAPERS = {warmup}; from kg.cli import main; "
            f"sys.argv = ['kg', *{args!r}]; main()"
        )
        command = [sys.executable, "-c", code]
    else:
        command = [
            str(Path(sys.executable).with_name("kg")),
            "extract",
            str(corpus),
            "--out",
            str(out),
            "-j",
            str(processes),
            "--quiet",
        ]
    before_load, cpu, start = load(), _children_cpu(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    with Timeline(process.pid) as timeline:
        output, _ = process.communicate()
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if process.returncode != 0:
        raise RuntimeError(output.decode(errors="replace")[-2000:])
    cores = timeline.cores
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "load_before": before_load,
        "load_after": load(),
        "first_interval_at_1.5_cores_s": timeline.first_two_cores(),
        "workers_from_s": timeline.first_with(processes + 1) if processes > 1 else None,
        "processes_timeline": timeline.processes,
        "mean_cores": round(cpu / wall, 2),
        "cores_timeline": cores,
        "others_timeline": timeline.others,
        "others_mean_cores": round(sum(timeline.others) / len(timeline.others), 2) if timeline.others else 0.0,
    }


def run_tokenizer(corpus: Path, processes: int) -> dict:
    command = [sys.executable, __file__, str(corpus), "--tokenize", str(processes)]
    before_load, cpu, start = load(), _children_cpu(), time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    return {"whole_wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_before": before_load, **json.loads(output)}


def tokenize_child(corpus: Path, processes: int) -> None:
    """In a subprocess: read the texts, then tokenize them with spaCy's blank English in ``processes`` forks."""
    import spacy

    texts = read_texts(corpus)
    tokenizer = spacy.blank("en").tokenizer
    start = time.perf_counter()
    children = []
    for k in range(processes):
        pid = os.fork() if processes > 1 else 0
        if pid == 0:
            for _ in tokenizer.pipe(texts[k::processes]):
                pass
            if processes > 1:
                os._exit(0)
        else:
            children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    print(json.dumps({"tokenize_s": round(time.perf_counter() - start, 3)}))


def stats(corpus: Path, count: int) -> dict:
    """Memo hit rates over the first ``count`` texts: kg's tokenizer and memo tables, and the bare tokenizer's."""
    import memo_stats
    import spacy

    from kg.extract.pipeline import TOKENIZER_CACHE_SIZE, load_pipeline

    texts = read_texts(corpus, count)
    nlp = load_pipeline()
    before = memo_stats.table_counts()
    vocabulary = len(nlp.vocab)
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    tables = memo_stats.table_rates(before, memo_stats.table_counts())
    new_words = (len(nlp.vocab) - vocabulary) / len(texts)
    kg_tokenizer = getattr(nlp.tokenizer, "tokenizer", nlp.tokenizer)
    bare = spacy.blank("en").tokenizer
    return {
        "texts": len(texts),
        "kg_tokenizer_memo": memo_stats.replay(kg_tokenizer, TOKENIZER_CACHE_SIZE, texts).summary(),
        "bare_tokenizer_memo": memo_stats.replay(bare, bare.max_cache_size, texts).summary(),
        "memo_tables": tables,
        "new_lexemes_per_text": round(new_words, 2),
    }


def crossover_child(corpus: Path, size: int, processes: int) -> None:
    """In a fresh process: load the pipeline, then time ``extract_papers`` of ``size`` papers (as ``kg add``)."""
    from kg.extract.pipeline import extract_papers, load_pipeline
    from kg.sources.readers import iter_papers

    papers = []
    for paper in iter_papers([corpus]):
        papers.append(paper)
        if len(papers) >= size:
            break
    load_pipeline()
    start, cpu = time.perf_counter(), time.process_time()
    got = sum(1 for _ in extract_papers(papers, n_process=processes))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + usage.ru_utime + usage.ru_stime
    print(json.dumps({"papers": got, "wall_s": round(time.perf_counter() - start, 3), "cpu_s": round(cpu, 3)}))


def crossover(corpus: Path, sizes: list[int], processes: int, rounds: int) -> list[dict]:
    rows = []
    for size in sizes:
        best: dict[int, dict] = {}
        for _ in range(rounds):
            for p in (1, processes):
                command = [sys.executable, __file__, str(corpus), "--crossover-child", f"{size},{p}"]
                got = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
                got["load"] = load()
                if p not in best or got["wall_s"] < best[p]["wall_s"]:
                    best[p] = got
        one, many = best[1], best[processes]
        rows.append({"papers": size, "one": one, "many": many, "speedup": round(one["wall_s"] / many["wall_s"], 2)})
        print(
            f"{size:6} papers: 1 process {one['wall_s']:6.2f} s, {processes} processes {many['wall_s']:6.2f} s "
            f"-> {rows[-1]['speedup']:.2f}x (load {one['load']}, {many['load']})",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="?", help="JSON Lines corpus (none: a recombined one of --n)")
    parser.add_argument("--n", type=int, default=10_000, help="without CORPUS: papers of the recombined corpus")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (0: none, e.g. only --stats)")
    parser.add_argument("--stats", type=int, default=0, metavar="N", help="memo hit rates over the first N texts")
    parser.add_argument("--crossover", default="", metavar="SIZES", help="batch sizes for the kg add crossover")
    parser.add_argument(
        "--warmups", default="", metavar="N,M", help="also run kg extract with WARMUP_PAPERS set to each (A/B)"
    )
    parser.add_argument("--json", type=Path, help="append the records here (JSON Lines)")
    parser.add_argument("--tokenize", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--crossover-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tokenize:
        return tokenize_child(args.corpus, args.tokenize)
    if args.crossover_child:
        size, processes = map(int, args.crossover_child.split(","))
        return crossover_child(args.corpus, size, processes)
    import spacy

    if args.corpus is None:
        from corpus import write_corpus

        args.corpus = write_corpus(args.n, Path(tempfile.mkdtemp(prefix="bench-corpus-")) / "corpus.jsonl", 0, True)
    n = sum(1 for _ in args.corpus.open("rb"))
    print(
        f"{args.corpus}: {n} papers; {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, spaCy {spacy.__version__}; load {load()}",
        flush=True,
    )
    record: dict = {"corpus": str(args.corpus), "papers": n, "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    if args.crossover:
        record["crossover"] = crossover(
            args.corpus, [int(s) for s in args.crossover.split(",")], args.processes, args.rounds
        )
    elif args.rounds:
        warmups = [int(w) for w in args.warmups.split(",") if w]
        record["rounds"] = rounds(args.corpus, n, args.processes, args.rounds, warmups)
    if args.stats:
        record["stats"] = stats(args.corpus, args.stats)
        print(json.dumps(record["stats"], indent=1), flush=True)
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def rounds(corpus: Path, n: int, processes: int, count: int, warmups: list[int]) -> list[dict]:
    records = []
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        for number in range(count):
            kg = run_kg_extract(corpus, processes, Path(scratch))
            variants = {w: run_kg_extract(corpus, processes, Path(scratch), w) for w in warmups}
            tokenizers = {p: run_tokenizer(corpus, p) for p in sorted({1, processes})}
            kg_rate = n / kg["wall_s"]
            row = {"round": number + 1, "kg": kg, "tokenizer": tokenizers, "warmups": variants}
            for w, v in variants.items():
                print(
                    f"round {number + 1}: WARMUP_PAPERS={w}: {v['wall_s']:.1f} s, {n / v['wall_s']:,.0f} abstracts/s,"
                    f" {v['cpu_s']:.1f} CPU s, workers from {v['workers_from_s']} s, 1.5 cores first after "
                    f"{v['first_interval_at_1.5_cores_s']} s; "
                    f"default / this = {v['wall_s'] / kg['wall_s']:.2f}x wall, {v['cpu_s'] / kg['cpu_s']:.2f}x CPU; "
                    f"load {v['load_before']}",
                    flush=True,
                )
            print(
                f"round {number + 1}: kg extract -j {processes}: {kg['wall_s']:.1f} s, {kg_rate:,.0f} abstracts/s, "
                f"{kg['cpu_s']:.1f} CPU s, {kg['mean_cores']} cores on average, workers from {kg['workers_from_s']} s, "
                f"1.5 cores first after "
                f"{kg['first_interval_at_1.5_cores_s']} s; others used {kg['others_mean_cores']} cores; "
                f"load {kg['load_before']} -> {kg['load_after']}",
                flush=True,
            )
            for p, tok in tokenizers.items():
                rate, whole = n / tok["tokenize_s"], n / tok["whole_wall_s"]
                row[f"ratio_vs_tokenizer_{p}"] = round(kg_rate / rate, 2)
                row[f"ratio_vs_tokenizer_{p}_whole"] = round(kg_rate / whole, 2)
                print(
                    f"  bare tokenizer, {p} process{'es' if p > 1 else ''}: {rate:,.0f} abstracts/s tokenizing "
                    f"({tok['tokenize_s']:.1f} s; whole process {tok['whole_wall_s']:.1f} s, {tok['cpu_s']:.1f} CPU s"
                    f", load {tok['load_before']}); kg / tokenizer = {kg_rate / rate:.2f}x "
                    f"(whole processes: {kg_rate / whole:.2f}x)",
                    flush=True,
                )
            print(f"  cores used per {INTERVAL} s: {' '.join(map(str, kg['cores_timeline'][:40]))} ...", flush=True)
            records.append(row)
    return records


if __name__ == "__main__":
    main()
