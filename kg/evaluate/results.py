"""Score extracted results against a results gold (``kg eval --results``; gold format and rules in
docs/annotation-guidelines.md, "Results").

A predicted result matches a gold one of the same paper when its number is the same one (the spans overlap and
the values are equal), the kind agrees (absolute, gain, rank: a gain on a leaderboard is a wrong row) and the
benchmark agrees (any of the gold's names, compared without case and punctuation): that is a *value+benchmark*
match. A *full* match also has the metric (canonical names; "no metric" matches a gold without one) and the
subject (a name the gold allows, or the paper's own method where the gold says ``null``). Matching is one to one.
Gold tuples marked ``unsure`` are neither rewarded nor penalised, nor are the predictions on their numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.evaluate.scores import Counts, load_jsonl


@dataclass
class ResultsEval:
    """Counts per level (``value+benchmark``, ``full``) and per kind, with the errors."""

    levels: dict[str, Counts] = field(default_factory=lambda: {"value+benchmark": Counts(), "full": Counts()})
    kinds: dict[str, Counts] = field(default_factory=dict)
    papers: int = 0
    missing_papers: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    wrong: Counter[str] = field(default_factory=Counter)  # on value+benchmark matches: which field was wrong

    def to_dict(self) -> dict[str, Any]:
        def counts(c: Counts) -> dict[str, Any]:
            return {
                "precision": round(c.precision, 4),
                "recall": round(c.recall, 4),
                "f1": round(c.f1, 4),
                "gold": c.gold,
                "predicted": c.pred,
                "matched_gold": c.tp_gold,
                "matched_predicted": c.tp_pred,
            }

        return {
            "papers": self.papers,
            "missing_papers": self.missing_papers,
            "scores": {name: counts(c) for name, c in self.levels.items()},
            "kinds": {name: counts(c) for name, c in sorted(self.kinds.items())},
            "wrong_on_matches": dict(sorted(self.wrong.items())),
        }


def norm(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(text).casefold()) if text is not None else ""


def _alternatives(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _metric_key(name: object) -> str:
    if name is None:
        return ""
    from kg.extract.results import knowledge

    return norm(knowledge().metric_name(str(name)) or name)


def _same_number(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold.get("field") != pred.get("field"):
        return False
    if not (int(pred["start"]) < int(gold["end"]) and int(gold["start"]) < int(pred["end"])):
        return False
    return (
        abs(float(gold["value"]) - abs(float(pred["value"]))) < 1e-9
        or abs(float(gold["value"]) - float(pred["value"])) < 1e-9
    )


def benchmark_key(name: object) -> str:
    """A benchmark name compared without case, punctuation and generic heads ("the Brown corpus" = "Brown")."""
    from kg.extract.results import knowledge

    text = str(name or "").strip()
    return norm(knowledge().generic_words.sub("", text) if " " in text else text)


def benchmark_right(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    names = [str(name) for name in _alternatives(gold.get("benchmark")) if name]
    written = [str(pred.get(key)) for key in ("benchmark", "benchmark_text") if pred.get(key)]
    if {benchmark_key(name) for name in names} & {benchmark_key(name) for name in written}:
        return True
    # a fuller name of the same benchmark: "I2B2 2010 Clinical NER" for "I2B2 2010", "WMT14 English-German" for "WMT14"
    return any(
        w.split()[: len(n.split())] == n.split() and len(w.split()) > len(n.split()) for w in written for n in names
    )


def metric_right(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    allowed = {_metric_key(name) for name in _alternatives(gold.get("metric"))}
    return _metric_key(pred.get("metric")) in allowed


def subject_right(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    allowed = _alternatives(gold.get("subject"))
    if pred.get("own") and None in allowed:
        return True
    if pred.get("subject") is None:
        return None in allowed and bool(pred.get("own", True))
    names = {norm(name) for name in allowed if name}
    return norm(pred["subject"]) in names or norm(pred.get("subject_text")) in names


def evaluate_results(
    gold_rows: list[dict[str, Any]], pred_rows: list[dict[str, Any]], split: str | None = None
) -> ResultsEval:
    """Score the ``results`` of ``pred_rows`` (``kg extract`` lines) against the gold papers (of ``split``)."""
    predictions = {str(row.get("id")): row for row in pred_rows}
    out = ResultsEval()
    vb, full = out.levels["value+benchmark"], out.levels["full"]
    for gold_row in gold_rows:
        if split and gold_row.get("split") != split:
            continue
        key = str(gold_row.get("id"))
        out.papers += 1
        pred_row = predictions.get(key)
        if pred_row is None:
            out.missing_papers.append(key)
            pred_row = {}
        golds = list(gold_row.get("results") or [])
        preds = list(pred_row.get("results") or [])
        used: set[int] = set()
        matched: dict[int, int] = {}
        for gi, gold in enumerate(golds):
            for pi, pred in enumerate(preds):
                if pi in used or not _same_number(gold, pred):
                    continue
                if gold.get("unsure") or (pred.get("kind") == gold.get("kind") and benchmark_right(gold, pred)):
                    used.add(pi)
                    matched[gi] = pi
                    break
        for gi, gold in enumerate(golds):
            if gold.get("unsure"):
                continue
            kind = out.kinds.setdefault(str(gold.get("kind")), Counts())
            vb.gold += 1
            full.gold += 1
            kind.gold += 1
            if gi not in matched:
                near = next((p for p in preds if _same_number(gold, p)), None)
                out.errors.append({"id": key, "kind": "missed", "gold": _short(gold), "predicted_on_it": _short(near)})
                continue
            pred = preds[matched[gi]]
            vb.tp_gold += 1
            kind.tp_gold += 1
            good_metric, good_subject = metric_right(gold, pred), subject_right(gold, pred)
            if good_metric and good_subject:
                full.tp_gold += 1
            else:
                out.wrong.update(name for name, ok in (("metric", good_metric), ("subject", good_subject)) if not ok)
                out.errors.append({"id": key, "kind": "partly wrong", "gold": _short(gold), "predicted": _short(pred)})
        unsure_hits = {pi for gi, pi in matched.items() if golds[gi].get("unsure")}
        for pi, pred in enumerate(preds):
            if pi in unsure_hits:
                continue
            kind = out.kinds.setdefault(str(pred.get("kind")), Counts())
            vb.pred += 1
            full.pred += 1
            kind.pred += 1
            hit = next((gi for gi, p in matched.items() if p == pi), None)
            if hit is None:
                out.errors.append({"id": key, "kind": "spurious", "predicted": _short(pred)})
                continue
            vb.tp_pred += 1
            kind.tp_pred += 1
            if metric_right(golds[hit], pred) and subject_right(golds[hit], pred):
                full.tp_pred += 1
    return out


def _short(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    keys = ("text", "value", "kind", "benchmark", "metric", "subject", "own", "extractor", "sentence")
    short = {k: row.get(k) for k in keys if k in row}
    if isinstance(short.get("sentence"), str):
        short["sentence"] = short["sentence"][:160]
    return short


def evaluate_results_files(gold_path: Path, pred_path: Path, split: str | None = None) -> ResultsEval:
    """``kg eval --results GOLD PRED``: a results gold and the JSONL of ``kg extract``."""
    return evaluate_results(load_jsonl(Path(gold_path)), load_jsonl(Path(pred_path)), split)


def graph_predictions(graph: Any) -> list[dict[str, Any]]:
    """Prediction rows (``{"id", "results"}``) from the ``results`` of a graph's paper nodes, to score what the
    graph (and so the site, RDF and Neo4j) shows rather than what ``kg extract`` wrote."""
    rows = []
    for _, data in graph.nodes(data=True):
        if data.get("kind") == "Paper":
            rows.append({"id": data.get("paper_id"), "results": list(data.get("results") or [])})
    return rows
