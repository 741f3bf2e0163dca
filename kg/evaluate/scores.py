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

ERROR_KINDS = ("false positive", "missed", "wrong type", "wrong role", "wrong boundary")
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
    clustering: ClusterScores | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "clustering": self.clustering.to_dict() if self.clustering else None,
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
        missed: list[int] = []
        spurious: list[int] = []
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
                for kind, name in (("wrong type", "type"), ("wrong role", "role")):
                    if predicted.get(name) != entity.get(name):
                        result.errors.append(
                            {
                                "id": key,
                                "kind": kind,
                                "gold": entity.get("name"),
                                "pred": predicted.get("name"),
                                "type": entity.get("type"),
                                f"gold_{name}": entity.get(name),
                                f"pred_{name}": predicted.get(name),
                            }
                        )
            else:
                missed.append(gi)
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
                spurious.append(pi)
        result.errors.extend(_unmatched_errors(key, gold, pred, missed, spurious))
    return result


def _unmatched_errors(
    key: str, gold: list[dict[str, Any]], pred: list[dict[str, Any]], missed: list[int], spurious: list[int]
) -> list[dict[str, Any]]:
    """Missed gold entities and false positives; a pair of them whose mentions contain one another (``BabyLM`` for
    ``BabyLM Challenge``) is one wrong boundary instead."""
    pairs: dict[int, int] = {}
    for gi in missed:
        gold_strings = _mention_strings(gold[gi])
        for pi in spurious:
            if pi not in pairs.values() and any(
                a in b or b in a for a in gold_strings for b in _mention_strings(pred[pi])
            ):
                pairs[gi] = pi
                break
    errors = []
    for gi in missed:
        entity = gold[gi]
        if gi in pairs:
            errors.append(
                {
                    "id": key,
                    "kind": "wrong boundary",
                    "gold": entity.get("name"),
                    "pred": pred[pairs[gi]].get("name"),
                    "type": entity.get("type"),
                    "mentions": sorted(_mention_strings(entity)),
                }
            )
        else:
            errors.append(
                {
                    "id": key,
                    "kind": "missed",
                    "gold": entity.get("name"),
                    "type": entity.get("type"),
                    "mentions": sorted(_mention_strings(entity)),
                }
            )
    paired = set(pairs.values())
    errors.extend(
        {"id": key, "kind": "false positive", "pred": pred[pi].get("name"), "type": pred[pi].get("type")}
        for pi in spurious
        if pi not in paired
    )
    return errors


def evaluate_files(gold_path: Path, pred_path: Path, clustering: bool = True) -> EvalResult:
    gold_rows, pred_rows = load_jsonl(gold_path), load_jsonl(pred_path)
    result = evaluate(gold_rows, pred_rows)
    if clustering:
        result.clustering = cluster_scores(gold_rows, pred_rows)
    return result


@dataclass
class ClusterScores:
    """Pairwise precision/recall of cross-document mention clustering (gold ``name`` fields give clusters)."""

    true_pairs: int = 0
    predicted_pairs: int = 0
    gold_pairs: int = 0
    mentions: int = 0

    @property
    def precision(self) -> float:
        return self.true_pairs / self.predicted_pairs if self.predicted_pairs else 0.0

    @property
    def recall(self) -> float:
        return self.true_pairs / self.gold_pairs if self.gold_pairs else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "mentions": self.mentions,
            "gold_pairs": self.gold_pairs,
            "predicted_pairs": self.predicted_pairs,
        }


def _same_kind(a: str | None, b: str | None) -> bool:
    return a == b or {a, b} <= {"dataset", "benchmark"}


def predicted_clusters(
    pred_rows: list[dict[str, Any]], fuzzy_threshold: float | None = None
) -> dict[tuple[str, str], str]:
    """Resolve ``kg extract`` rows corpus-wide: (paper id, lowercased mention) -> resolved entity id."""
    from kg.extract.resources import load_resources
    from kg.graph.resolution import resolve
    from kg.types import ExtractedEntity, Mention, PaperExtraction

    gazetteer = load_resources().gazetteer
    extractions = []
    for row in pred_rows:
        entities = []
        for item in row.get("entities", []):
            mentions = [
                Mention(
                    m["text"], m.get("field", "abstract"), m.get("start", 0), m.get("end", 0), m.get("sentence", "")
                )
                if isinstance(m, dict)
                else Mention(str(m), "abstract", 0, 0, "")
                for m in item.get("mentions", [])
            ]
            entry = gazetteer.lookup(item["name"])
            entities.append(
                ExtractedEntity(
                    name=item["name"],
                    type=item.get("type", "method"),
                    generic=bool(item.get("generic")),
                    role=item.get("role", "uses"),
                    confidence=float(item.get("confidence", 1.0)),
                    mentions=mentions,
                    full_name=item.get("full_name") if entry is None else entry.full_name,
                    gazetteer_key=entry.key if entry is not None and _same_kind(entry.type, item.get("type")) else None,
                )
            )
        extractions.append(PaperExtraction(id=str(row.get("id") or row.get("gid")), entities=entities))
    resolution = resolve([], extractions, gazetteer, fuzzy_threshold=fuzzy_threshold)
    clusters: dict[tuple[str, str], str] = {}
    for relation in resolution.relations:
        for evidence in relation.evidence:
            clusters.setdefault((relation.paper_id, evidence.text.lower()), relation.entity_id)
    return clusters


def cluster_scores(
    gold_rows: list[dict[str, Any]], pred_rows: list[dict[str, Any]], fuzzy_threshold: float | None = None
) -> ClusterScores:
    """Over gold mentions the system found, pairs in different papers: same gold name vs same resolved entity."""
    clusters = predicted_clusters(pred_rows, fuzzy_threshold)
    items: list[tuple[str, str, str]] = []  # (paper, gold cluster, predicted cluster)
    for row in gold_rows:
        paper = str(row.get("id") or row.get("gid"))
        for entity in row.get("entities", []):
            gold_cluster = entity.get("name", "")
            for text in _mention_strings(entity):
                predicted = clusters.get((paper, text))
                if predicted is not None:
                    items.append((paper, gold_cluster, predicted))
    scores = ClusterScores(mentions=len(items))
    for i, (paper_a, gold_a, pred_a) in enumerate(items):
        for paper_b, gold_b, pred_b in items[i + 1 :]:
            if paper_a == paper_b:
                continue
            same_gold, same_pred = gold_a == gold_b, pred_a == pred_b
            scores.gold_pairs += same_gold
            scores.predicted_pairs += same_pred
            scores.true_pairs += same_gold and same_pred
    return scores
