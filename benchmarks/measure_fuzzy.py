"""Measure the fuzzy-matching threshold of resolution on the development set: pairwise clustering
precision/recall/F1 for several thresholds (0 = fuzzy matching off). Run after `kg extract` of the corpus:
.venv/bin/python benchmarks/measure_fuzzy.py PRED.jsonl [GOLD.jsonl]"""

from __future__ import annotations

import sys
from pathlib import Path

from kg.evaluate.scores import cluster_scores, load_jsonl

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    pred = load_jsonl(Path(sys.argv[1]))
    gold = load_jsonl(Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests/data/gold-dev.jsonl")
    print(f"{'threshold':>9}  precision  recall     F1  predicted pairs")
    for threshold in (0, 80, 85, 88, 90, 92, 95, 98):
        scores = cluster_scores(gold, pred, fuzzy_threshold=threshold)
        p, r, f1 = scores.precision, scores.recall, scores.f1
        print(f"{threshold:>9}  {p:9.3f}  {r:6.3f}  {f1:5.3f}  {scores.predicted_pairs:>15}")


def spelling_pairs(path: Path = ROOT / "tests/data/resolution-pairs.jsonl") -> None:
    """Hand-made spellings (typos, plurals) and look-alikes that are different things, per threshold."""
    import json

    from kg.extract.resources import load_resources
    from kg.resolve.fuzzy import FuzzyMatcher

    gazetteer = load_resources().gazetteer
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["means"] is None or gazetteer.lookup(r["means"]) is not None]
    print(f"\n{len(rows)} spelling pairs: threshold, correct, wrong merges, missed")
    for threshold in (80, 85, 88, 90, 92, 93, 94, 95, 98):
        matcher = FuzzyMatcher(gazetteer, threshold)
        correct = wrong = missed = 0
        for row in rows:
            entry = gazetteer.lookup(row["name"]) or matcher.match(row["name"], row["type"])
            got = entry.name if entry else None
            correct += got == row["means"]
            wrong += got is not None and got != row["means"]
            missed += got is None and row["means"] is not None
        print(f"{threshold:>9}  {correct:>7}  {wrong:>12}  {missed:>6}")


if __name__ == "__main__":
    main()
    spelling_pairs()
