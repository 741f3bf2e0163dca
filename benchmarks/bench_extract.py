"""Extraction speed: abstracts per second of the kg pipeline vs spaCy's bare tokenizer, on the sample corpus
repeated to N abstracts. Run: .venv/bin/python benchmarks/bench_extract.py [N] [--processes P]"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from pathlib import Path

import spacy

from kg.extract import extract_papers, load_pipeline
from kg.extract.pipeline import paper_text
from kg.readers import read_papers

ROOT = Path(__file__).resolve().parents[1]


def corpus(n: int):
    papers = read_papers(
        [*sorted((ROOT / "data" / "corpus").glob("*.txt")), ROOT / "data/corpus/venue-abstracts-1980-2022.json"]
    )
    return list(itertools.islice(itertools.cycle(papers), n))


def timed(label: str, n: int, run) -> float:
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    print(f"{label:38} {n / seconds:9.0f} abstracts/s  ({seconds:.2f} s)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    papers = corpus(args.n)
    texts = [paper_text(p) for p in papers]
    print(
        f"{args.n} abstracts, {sum(map(len, texts)) / len(texts):.0f} chars each on average; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, spaCy {spacy.__version__}"
    )
    start = time.perf_counter()
    load_pipeline()
    print(f"pipeline load (gazetteer patterns)     {time.perf_counter() - start:.2f} s")
    blank = spacy.blank("en")
    bare = timed("spaCy bare tokenizer", args.n, lambda: list(blank.tokenizer.pipe(texts, batch_size=256)))
    full = timed("kg extract, 1 process", args.n, lambda: list(extract_papers(papers)))
    print(f"ratio full / bare tokenizer: {full / bare:.2f}x")
    if args.processes > 1:
        multi = timed(
            f"kg extract, {args.processes} processes",
            args.n,
            lambda: list(extract_papers(papers, n_process=args.processes, batch_size=256)),
        )
        print(f"ratio {args.processes} processes / bare tokenizer: {multi / bare:.2f}x")


if __name__ == "__main__":
    main()
