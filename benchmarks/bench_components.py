"""Where extraction time goes: CPU milliseconds per abstract of each step of the kg pipeline (tokenizer, then each
component), on N abstracts of the synthetic corpus (benchmarks/corpus.py), median of R rounds. CPU time (not wall
clock) so that the figures hold on a machine shared with other work; one process, one core.

Run: .venv/bin/python benchmarks/bench_components.py [--n 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    from corpus import iter_records

    from kg.extract.pipeline import TOKENIZER_CACHE_SIZE, load_pipeline, paper_text
    from kg.extract.resources import load_resources
    from kg.sources.readers.records import paper_from_record

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = [paper_text(paper_from_record(r, "corpus", i)) for i, r in enumerate(iter_records(args.n), 1)]
    nlp = load_pipeline()
    bare = spacy.blank("en").tokenizer
    bare_big = spacy.blank("en").tokenizer
    bare_big.max_cache_size = TOKENIZER_CACHE_SIZE
    full = spacy.blank("en").tokenizer  # as kg's was before the fix: memo filled with 10,000 gazetteer forms
    for entry in load_resources().gazetteer.entries.values():
        for form in entry.surface_forms():
            full(form)
    steps: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        tokenizers = (("bare spaCy tokenizer", bare), ("bare, memo full", full), ("bare, large memo", bare_big))
        for name, tokenizer in tokenizers:
            start = time.process_time()
            for text in texts:
                tokenizer(text)
            steps.setdefault(name, []).append(time.process_time() - start)
        start = time.process_time()
        docs = [nlp.tokenizer(text) for text in texts]
        steps.setdefault("kg: tokenizer", []).append(time.process_time() - start)
        for name, component in nlp.pipeline:
            start = time.process_time()
            docs = [component(doc) for doc in docs]
            steps.setdefault(f"kg: {name}", []).append(time.process_time() - start)
    total = 0.0
    print(f"{args.n} abstracts, CPU ms per abstract (median of {args.rounds}):")
    for name, seconds in steps.items():
        ms = statistics.median(seconds) / args.n * 1000
        total += ms if name.startswith("kg:") else 0
        print(f"  {name:24} {ms:6.3f} ms  {1000 / ms:7.0f} abstracts per CPU-second")
    print(f"  {'kg: whole pipeline':24} {total:6.3f} ms  {1000 / total:7.0f} abstracts per CPU-second")


if __name__ == "__main__":
    main()
