"""Extraction quality on the hand-annotated development set must not drop below what was reached.

Figures reached when these floors were set are in docs/extraction.md; raise the floors when quality rises.
"""

from __future__ import annotations

import pytest

from kg.evaluate.scores import EvalResult, cluster_scores, evaluate, load_jsonl
from kg.extract import extract_papers
from kg.sources.readers import read_papers
from tests.conftest import LISTINGS, ROOT, VENUE_JSON

GOLD_DEV = ROOT / "tests" / "data" / "gold-dev.jsonl"
FLOORS = {"all": 0.89, "method": 0.86, "dataset+benchmark": 0.91, "model": 0.93}


@pytest.fixture(scope="module")
def predictions() -> list[dict]:
    gold_ids = {row["id"] for row in load_jsonl(GOLD_DEV)}
    papers = [p for p in read_papers([*LISTINGS, VENUE_JSON]) if p.id in gold_ids]
    assert len(papers) == len(gold_ids), "every gold paper is in the bundled corpus"
    return [extraction.to_json_dict() for extraction in extract_papers(papers)]


@pytest.fixture(scope="module")
def result(predictions: list[dict]) -> EvalResult:
    return evaluate(load_jsonl(GOLD_DEV), predictions)


@pytest.mark.parametrize(("group", "floor"), sorted(FLOORS.items()))
def test_entity_f1_floor(result: EvalResult, group: str, floor: float) -> None:
    assert result.per_group[group].f1 >= floor, result.to_dict()["scores"][group]


def test_type_and_role_accuracy_floor(result: EvalResult) -> None:
    assert result.type_correct / result.matched >= 0.90
    assert result.role_correct / result.matched >= 0.89


def test_resolution_pairwise_f1_floor(predictions: list[dict]) -> None:
    scores = cluster_scores(load_jsonl(GOLD_DEV), predictions)
    assert scores.f1 >= 0.97, scores.to_dict()


# The round-2 dev set (docs/extraction.md): 117 tuning and 63 held-out abstracts from all shared sources, adjudicated
# from two independent annotations. Floors just under the figures reached; the held-out part is never tuned on.
DATA = ROOT / "tests" / "data"
ROUND2 = {
    "tuning": (DATA / "gold-round2-tuning.jsonl", {"all": 0.63, "method": 0.56, "dataset+benchmark": 0.71}),
    "heldout": (DATA / "gold-round2-heldout.jsonl", {"all": 0.68, "method": 0.53, "dataset+benchmark": 0.95}),
}


@pytest.fixture(scope="module")
def round2_predictions() -> dict[str, dict]:
    wanted = {row["id"] for path, _ in ROUND2.values() for row in load_jsonl(path)}
    papers = [p for p in read_papers([*LISTINGS, VENUE_JSON]) if p.id in wanted]
    assert len(papers) == len(wanted), "every round-2 gold paper is in the bundled corpus"
    return {e.id: e.to_json_dict() for e in extract_papers(papers)}


@pytest.mark.parametrize("part", sorted(ROUND2))
def test_round2_f1_floors(round2_predictions: dict[str, dict], part: str) -> None:
    path, floors = ROUND2[part]
    result = evaluate(load_jsonl(path), list(round2_predictions.values()))
    scores = {group: round(result.per_group[group].f1, 3) for group in floors}
    assert all(scores[group] >= floor for group, floor in floors.items()), scores
