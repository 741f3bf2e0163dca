"""What the results step costs: CPU time of the ``kg_results`` component against the whole extraction pipeline,
measured in one run over the same abstracts (the shared corpus: the daily-papers dumps and the venue abstracts,
1,700 papers, by default), and the graph-time recomputation (``kg.graph.results.attach_results``) for the same
papers. CPU time (not wall clock), one process; median of R rounds. Writes benchmarks/results/bench_results.json.

Run: .venv/bin/python benchmarks/bench_results.py [--rounds 3] [--synthetic N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
CORPUS = [
    *sorted((ROOT / "data" / "corpus").glob("daily-papers-*.txt")),
    ROOT / "data/corpus/venue-abstracts-1980-2022.json",
]


def main() -> None:
    import kg
    from kg.extract.pipeline import load_pipeline, paper_text
    from kg.graph.results import paper_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=0, help="also N abstracts of benchmarks/corpus.py")
    args = parser.parse_args()
    papers = kg.read(CORPUS)
    if args.synthetic:
        from corpus import iter_records

        from kg.sources.readers.records import paper_from_record

        papers += [paper_from_record(r, "corpus", i) for i, r in enumerate(iter_records(args.synthetic), 1)]
    texts = [paper_text(p) for p in papers]
    nlp = load_pipeline()
    finder = nlp.get_pipe("kg_results")
    step = {"seconds": 0.0}
    original = type(finder).__call__

    def timed(self, doc):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return original(self, doc)
        finally:
            step["seconds"] += time.process_time() - start

    type(finder).__call__ = timed  # type: ignore[method-assign]
    totals, shares, results = [], [], 0
    for _ in range(args.rounds):
        step["seconds"] = 0.0
        start = time.process_time()
        docs = list(nlp.pipe(texts, batch_size=256))
        totals.append(time.process_time() - start)
        shares.append(step["seconds"])
        results = sum(len(doc._.kg_results or []) for doc in docs)
    type(finder).__call__ = original  # type: ignore[method-assign]
    graph = kg.build(papers)
    graph_seconds = []
    skipped: Counter[str] = Counter()
    for _ in range(args.rounds):
        start = time.process_time()
        for node, data in graph.nodes(data=True):
            if data.get("kind") == "Paper":
                paper_results(graph, node, skipped if not graph_seconds else None)
        graph_seconds.append(time.process_time() - start)
    total, part, graph_part = statistics.median(totals), statistics.median(shares), statistics.median(graph_seconds)
    report = {
        "papers": len(papers),
        "results": results,
        "rounds": args.rounds,
        "extraction_cpu_s": round(total, 3),
        "results_step_cpu_s": round(part, 3),
        "results_step_share": round(part / total, 4),
        "graph_results_cpu_s": round(graph_part, 3),
        "graph_results_share_of_extraction": round(graph_part / total, 4),
        "ms_per_paper_results_step": round(part / len(papers) * 1000, 4),
        "numbers_skipped_by_reason": dict(skipped.most_common()),
    }
    print(json.dumps(report, indent=1))
    out = ROOT / "benchmarks" / "results" / "bench_results.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
