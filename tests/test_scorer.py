"""The learned candidate scorer: it drops junk the rules guessed from shapes, keeps names with evidence, costs
little, and ``kg train`` refits it from annotations."""

from __future__ import annotations

import json
from pathlib import Path

import kg
from kg.evaluate.train import train_scorer
from kg.extract.scorer import FEATURE_NAMES, Scorer, entity_features
from kg.types import ExtractedEntity, Mention

ROOT = Path(__file__).resolve().parents[1]


def _entity(name: str, extractor: str = "shape", role: str = "mentions", **fields: object) -> ExtractedEntity:
    mention = Mention(name, "abstract", 0, len(name), f"{name} is here.")
    return ExtractedEntity(name, "method", False, role, 0.5, [mention], extractor=extractor, **fields)  # type: ignore[arg-type]


def test_every_feature_is_named_and_known() -> None:
    for entity in (_entity("O(m3-J"), _entity("FooNet", "pattern", "proposes"), _entity("GSM8K", "gazetteer")):
        assert set(entity_features(entity)) <= set(FEATURE_NAMES)
    assert set(Scorer.load().weights) == set(FEATURE_NAMES)


def test_a_guessed_shape_scores_below_a_proposed_name() -> None:
    scorer = Scorer.load()
    assert scorer.score(_entity("Xq7")) < scorer.score(_entity("FooNet", "pattern", "proposes"))
    assert 0 <= scorer.threshold < 1


def test_gazetteer_and_generic_entities_are_never_dropped() -> None:
    scorer = Scorer.load()
    odd = _entity("O(x)", "gazetteer", gazetteer_key="o-x")
    assert scorer.keep([odd]) == [odd] and 0 < odd.confidence < 1


def test_the_pipeline_runs_the_scorer() -> None:
    abstract = (
        "We propose FooNet. Bounds O(m3-J hold [GJW89] under grant N00014-85-K0018 (arXiv:1811.11718). "
        "Questions Q1 and Q2 are answered on WMT14 with T5."
    )
    names = {e.name for e in kg.extract_entities([kg.types.Paper("p1", "Pruning", abstract)])[0].entities}
    assert {"FooNet", "WMT14", "T5"} <= names
    assert not names & {"O(m3-J", "GJW89", "N00014-85-K0018", "arXiv:1811.11718", "Q1", "Q2"}


def test_kg_train_writes_a_model_that_loads(tmp_path: Path) -> None:
    papers = kg.read(
        [ROOT / "data/corpus/daily-papers-divergence.txt", ROOT / "data/corpus/daily-papers-likelihood.txt"]
    )
    report = train_scorer([ROOT / "tests/data/gold-dev.jsonl"], papers, tmp_path / "scorer.json")
    assert report.examples > 50 and 0 <= report.threshold < 1
    model = json.loads((tmp_path / "scorer.json").read_text())
    assert set(model["weights"]) == set(FEATURE_NAMES) and "kg train" in model["command"]
    assert Scorer.load(tmp_path / "scorer.json").threshold == report.threshold


def test_junk_rules_need_their_context() -> None:
    from kg.extract.junk import is_junk

    cited = _entity("PH90")
    cited.mentions[0] = Mention("PH90", "abstract", 0, 4, "As shown before [PH90], parsing is hard.")
    assert is_junk(cited, [cited])
    task = _entity("WMT15")  # a shared task, not a citation key: no brackets
    assert not is_junk(task, [task])
    alone, first, second = _entity("C9"), _entity("Q1"), _entity("Q2")
    assert not is_junk(alone, [alone]) and is_junk(first, [first, second])
