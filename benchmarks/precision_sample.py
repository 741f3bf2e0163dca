"""Precision as users see it (issue 19, points 7 and 8): draw a fixed-seed sample of a build's entities and
PROPOSES edges for annotators to judge, and score their judgements.

    python benchmarks/precision_sample.py draw OUT_DIR tests/data/precision/demo        # writes the samples
    python benchmarks/precision_sample.py score tests/data/precision/demo              # reads judgements-*.jsonl

An entity item: its name, type, aliases and up to three evidence sentences; a judgement line:
{"item": N, "entity": true|false, "type_ok": true|false|null}. A PROPOSES item: the paper's title and abstract and
the entity; a judgement line: {"item": N, "right": true|false}.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import kg

SEED = 20261204


def draw(build: Path, target: Path, entities: int = 100, proposes: int = 50) -> None:
    graph = kg.load(build)
    rng = random.Random(SEED)
    nodes = sorted(n for n, d in graph.nodes(data=True) if d["kind"] != "Paper")
    items = []
    for number, node in enumerate(rng.sample(nodes, min(entities, len(nodes)))):
        data = graph.nodes[node]
        sentences = [e["sentence"] for _, _, d in graph.in_edges(node, data=True) for e in d.get("evidence", [])][:3]
        items.append(
            {
                "item": number,
                "name": data["label"],
                "type": data["type"],
                "aliases": sorted(data.get("aliases") or {}),
                "evidence": sentences,
            }
        )
    edges = sorted((u, v) for u, v, k in graph.edges(keys=True) if k == "PROPOSES")
    chosen = rng.sample(edges, min(proposes, len(edges)))
    edge_items = []
    for number, (paper, entity) in enumerate(chosen):
        p, e = graph.nodes[paper], graph.nodes[entity]
        edge_items.append(
            {
                "item": number,
                "title": p.get("title", p["label"]),
                "abstract": p.get("abstract", ""),
                "entity": e["label"],
                "type": e["type"],
            }
        )
    target.mkdir(parents=True, exist_ok=True)
    for name, rows in (("entities", items), ("proposes", edge_items)):
        with open(target / f"{name}.jsonl", "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(items)} entities of {len(nodes)}, {len(edge_items)} PROPOSES edges of {len(edges)} -> {target}")


def score(target: Path) -> None:
    for path in sorted(target.glob("judgements-*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if "entities" in path.name:
            real = [r for r in rows if r["entity"]]
            typed = [r for r in real if r.get("type_ok")]
            print(
                f"{path.name}: entity precision {len(real) / len(rows):.2f}, "
                f"with type {len(typed) / len(rows):.2f} ({len(rows)} items)"
            )
        else:
            right = sum(1 for r in rows if r["right"])
            print(f"{path.name}: PROPOSES right {right} of {len(rows)}")


if __name__ == "__main__":
    if sys.argv[1] == "draw":
        draw(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        score(Path(sys.argv[2]))
