"""Score extraction output against a gold file in the annotation guidelines' format.

Entities match when a predicted mention string equals a gold one (case-insensitive), one-to-one per paper.
Gold entities marked ``generic`` or ``unsure`` are neither rewarded nor penalised, and neither are the
predictions that match them (or predictions flagged ``generic`` that match nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError

GROUPS: dict[str, tuple[str, ...]] = {
    "method": ("method",),
    "model": ("model",),
    "dataset": ("dataset",),
    "benchmark": ("benchmark",),
    "metric": ("metric",),
    "dataset+benchmark": ("dataset", "benchmark"),
    "all": ("method", "model", "dataset", "benchmark", "metric"),
}


@dataclass
class Counts:
    tp_pred: int = 0
    tp_gold: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalResult:
    per_group: dict[str, Counts] = field(default_factory=lambda: {name: Counts() for name in GROUPS})
    type_correct: int = 0
    role_correct: int = 0
    matched: int = 0
    papers: int = 0
    missing_papers: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "missing_papers": self.missing_papers,
            "scores": {
                name: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "gold": c.gold,
                    "predicted": c.pred,
                    "matched_gold": c.tp_gold,
                    "matched_predicted": c.tp_pred,
                }
                for name, c in self.per_group.items()
            },
            "type_accuracy": round(self.type_correct / self.matched, 4) if self.matched else 0.0,
            "role_accuracy": round(self.role_correct / self.matched, 4) if self.matched else 0.0,
            "matched": self.matched,
        }


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file (or a JSON array) of paper objects with an ``id`` or ``gid``."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            return list(json.loads(text))
        except json.JSONDecodeError as exc:
            raise InputError(str(path), exc.lineno, f"not valid JSON: {exc.msg}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(str(path), number, f"not valid JSON: {exc.msg}") from None
    return rows


def _mention_strings(entity: dict[str, Any]) -> set[str]:
    strings = set()
    for mention in entity.get("mentions", []):
        text = mention.get("text") if isinstance(mention, dict) else mention
        if isinstance(text, str) and text.strip():
            strings.add(text.strip().lower())
    if not strings and entity.get("name"):
        strings.add(str(entity["name"]).lower())
    return strings


def _ignored(gold: dict[str, Any]) -> bool:
    return bool(gold.get("generic")) or bool(gold.get("unsure"))


def _match(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching by the number of shared mention strings."""
    pairs = []
    gold_strings = [_mention_strings(g) for g in gold]
    pred_strings = [_mention_strings(p) for p in pred]
    for gi, gs in enumerate(gold_strings):
        for pi, ps in enumerate(pred_strings):
            shared = len(gs & ps)
            if shared:
                pairs.append((shared, gi, pi))
    pairs.sort(key=lambda item: (-item[0], item[1], item[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matched = []
    for _, gi, pi in pairs:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        matched.append((gi, pi))
    return matched


def evaluate(gold_rows: list[dict[str, Any]], pred_rows: list[dict[str, Any]]) -> EvalResult:
    """Entity-level precision/recall/F1 per type group, and type and role accuracy on matched entities."""
    predictions = {str(row.get("id") or row.get("gid")): row for row in pred_rows}
    result = EvalResult()
    for gold_row in gold_rows:
        key = str(gold_row.get("id") or gold_row.get("gid"))
        pred_row = predictions.get(key)
        if pred_row is None and gold_row.get("gid") is not None:
            pred_row = predictions.get(str(gold_row["gid"]))
        if pred_row is None:
            result.missing_papers.append(key)
            pred_row = {"entities": []}
        result.papers += 1
        gold = list(gold_row.get("entities", []))
        pred = list(pred_row.get("entities", []))
        matched = _match(gold, pred)
        gold_hit = {gi: pi for gi, pi in matched}
        pred_hit = {pi: gi for gi, pi in matched}
        for gi, entity in enumerate(gold):
            if _ignored(entity):
                continue
            found = gi in gold_hit
            for name, types in GROUPS.items():
                if entity.get("type") in types:
                    result.per_group[name].gold += 1
                    result.per_group[name].tp_gold += int(found)
            if found:
                predicted = pred[gold_hit[gi]]
                result.matched += 1
                result.type_correct += int(predicted.get("type") == entity.get("type"))
                result.role_correct += int(predicted.get("role") == entity.get("role"))
                if predicted.get("type") != entity.get("type") or predicted.get("role") != entity.get("role"):
                    result.errors.append(
                        {
                            "id": key,
                            "kind": "mislabel",
                            "gold": entity.get("name"),
                            "gold_type": entity.get("type"),
                            "pred_type": predicted.get("type"),
                            "gold_role": entity.get("role"),
                            "pred_role": predicted.get("role"),
                        }
                    )
            else:
                result.errors.append(
                    {
                        "id": key,
                        "kind": "missed",
                        "gold": entity.get("name"),
                        "type": entity.get("type"),
                        "mentions": sorted(_mention_strings(entity)),
                    }
                )
        for pi, entity in enumerate(pred):
            if pi in pred_hit:
                if _ignored(gold[pred_hit[pi]]):
                    continue
            elif entity.get("generic"):
                continue
            hit = pi in pred_hit
            for name, types in GROUPS.items():
                if entity.get("type") in types:
                    result.per_group[name].pred += 1
                    result.per_group[name].tp_pred += int(hit)
            if not hit:
                result.errors.append(
                    {"id": key, "kind": "spurious", "pred": entity.get("name"), "type": entity.get("type")}
                )
    return result


def evaluate_files(gold_path: Path, pred_path: Path) -> EvalResult:
    return evaluate(load_jsonl(gold_path), load_jsonl(pred_path))
