"""``kg train``: fit the candidate scorer (``kg.extract.scorer``) on hand-annotated abstracts.

The rules run without the scorer; each entity they find is labelled by matching it against the gold as ``kg eval``
does (a match with a real gold entity: 1; no match: 0; a match with a generic or unsure gold entity, or an
unmatched generic prediction: left out). A logistic regression (scikit-learn, the ``train`` extra) is fitted on
the features, and the threshold is the one that maximises entity F1 on out-of-fold scores (5 folds), so the
figure it reports is not measured on the abstracts that fitted it. Gazetteer entities and generic paradigms are
never dropped, so only the others decide the threshold.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.evaluate.scores import _ignored, _match, load_jsonl
from kg.extract.junk import is_junk
from kg.extract.scorer import FEATURE_NAMES, entity_features
from kg.types import ExtractedEntity, Paper, PaperExtraction

TOLERANCE = 0.003  # out-of-fold F1 that the threshold may give away for being lower


@dataclass
class TrainingReport:
    examples: int
    positives: int
    droppable: int
    gold: int
    threshold: float
    f1_rules: float  # out of fold, entities of the training abstracts
    f1_scored: float


def rules_only(papers: Sequence[Paper], gazetteer_paths: Sequence[str | Path] = ()) -> list[PaperExtraction]:
    """The entities the rules find, before the scorer (one process)."""
    from kg.extract.pipeline import extract_papers, load_pipeline

    nlp = load_pipeline(gazetteer_paths)
    with nlp.select_pipes(disable=[name for name in nlp.pipe_names if name == "kg_scorer"]):
        return list(extract_papers(papers, gazetteer_paths, n_process=1))


def labelled(gold_rows: list[dict[str, Any]], extractions: dict[str, PaperExtraction]) -> tuple[list, list, int]:
    """(entity, label) pairs of every prediction that the gold judges, and the number of real gold entities."""
    entities: list[ExtractedEntity] = []
    labels: list[int] = []
    gold_total = 0
    for row in gold_rows:
        extraction = extractions.get(str(row.get("id")))
        if extraction is None:
            continue
        gold = list(row.get("entities", []))
        gold_total += sum(1 for entity in gold if not _ignored(entity))
        predicted = extraction.to_json_dict()["entities"]
        hits = {pi: gi for gi, pi in _match(gold, predicted)}
        for pi, entity in enumerate(extraction.entities):
            if is_junk(entity, extraction.entities):
                continue  # dropped before scoring
            if pi in hits:
                if _ignored(gold[hits[pi]]):
                    continue
                entities.append(entity)
                labels.append(1)
            elif not entity.generic:
                entities.append(entity)
                labels.append(0)
    return entities, labels, gold_total


def _f1(kept_true: int, kept: int, gold: int) -> float:
    return 2 * kept_true / (kept + gold) if kept + gold else 0.0


def train_scorer(
    gold_paths: Sequence[Path], papers: Sequence[Paper], out: Path, gazetteer_paths: Sequence[str | Path] = ()
) -> TrainingReport:
    """Fit the scorer on the gold files' abstracts (found in ``papers``) and write the model to ``out``."""
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ModuleNotFoundError:
        raise KgError("kg train needs scikit-learn: pip install 'kg[train]'") from None
    gold_rows = [row for path in gold_paths for row in load_jsonl(path)]
    wanted = {str(row.get("id")) for row in gold_rows}
    chosen = [paper for paper in papers if paper.id in wanted]
    if not chosen:
        raise KgError("kg train: none of the gold abstracts is among the papers given (match by paper id)")
    extractions = {e.id: e for e in rules_only(chosen, gazetteer_paths)}
    entities, labels, gold_total = labelled(gold_rows, extractions)
    x = np.array([[entity_features(e).get(name, 0.0) for name in FEATURE_NAMES] for e in entities])
    y = np.array(labels)
    fixed = np.array([e.gazetteer_key is not None or e.generic for e in entities])
    scores = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    rules_f1 = _f1(int(y.sum()), len(y), gold_total)
    curve = [(0.0, rules_f1)]
    for threshold in np.arange(0.05, 0.95, 0.01):
        kept = fixed | (scores >= threshold)
        curve.append((round(float(threshold), 2), _f1(int(y[kept].sum()), int(kept.sum()), gold_total)))
    top = max(f1 for _, f1 in curve)
    # the lowest threshold within TOLERANCE of the best: a dropped real name costs more than a kept doubtful one,
    # and a few hundred examples cannot tell thresholds that close apart
    best = next((f1, threshold) for threshold, f1 in curve if f1 >= top - TOLERANCE)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    data = {
        "about": "kg's candidate scorer: logistic regression over kg.extract.scorer.entity_features; "
        "keep an entity when sigmoid(bias + sum(weight * feature)) >= threshold",
        "trained": datetime.date.today().isoformat(),
        "command": "kg train " + " ".join(str(p) for p in gold_paths) + " --out " + str(out),
        "gold": [str(p) for p in gold_paths],
        "examples": len(y),
        "threshold": best[1],
        "bias": round(float(model.intercept_[0]), 6),
        "weights": {name: round(float(w), 6) for name, w in zip(FEATURE_NAMES, model.coef_[0], strict=True)},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    from kg.atomic import atomic_writer

    with atomic_writer(out) as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    return TrainingReport(len(y), int(y.sum()), int((~fixed).sum()), gold_total, best[1], rules_f1, best[0])
