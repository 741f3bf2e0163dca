"""Extraction speed: abstracts per second of the kg pipeline vs spaCy's bare tokenizer, on the sample corpus
repeated to N abstracts. Run: .venv/bin/python benchmarks/bench_extract.py [N] [--processes P]"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import time
from pathlib import Path

import spacy

from kg.extract import extract_papers, load_pipeline
from kg.extract.pipeline import paper_text
from kg.sources.readers import read_papers

ROOT = Path(__file__).resolve().parents[1]


def corpus(n: int):
    papers = read_papers(
        [*sorted((ROOT / "data" / "corpus").glob("*.txt")), ROOT / "data/corpus/venue-abstracts-1980-2022.json"]
    )
    return list(itertools.islice(itertools.cycle(papers), n))


def best_of(rounds: int, run) -> float:
    """The fastest of ``rounds`` runs, in seconds (the least disturbed by other load on the machine)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is reported")
    args = parser.parse_args()
    papers = corpus(args.n)
    texts = [paper_text(p) for p in papers]
    print(
        f"{args.n} abstracts, {sum(map(len, texts)) / len(texts):.0f} chars each on average; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, spaCy {spacy.__version__}"
    )
    start = time.perf_counter()
    load_pipeline()
    print(f"pipeline load (gazetteer patterns): {time.perf_counter() - start:.2f} s")
    blank = spacy.blank("en")
    runs = {
        "spaCy bare tokenizer (1 process)": lambda: list(blank.tokenizer.pipe(texts, batch_size=256)),
        "kg extract (1 process)": lambda: list(extract_papers(papers)),
    }
    if args.processes > 1:
        runs[f"kg extract ({args.processes} processes)"] = lambda: list(
            extract_papers(papers, n_process=args.processes, batch_size=256)
        )
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):  # alternate, so that load on the machine hits every variant alike
        for name, run in runs.items():
            best[name] = min(best[name], best_of(1, run))
    bare = best["spaCy bare tokenizer (1 process)"]
    for name, seconds in best.items():
        print(f"{name:36} {args.n / seconds:8.0f} abstracts/s  {seconds:7.2f} s  {seconds / bare:5.2f}x tokenizer")


if __name__ == "__main__":
    main()
