"""Resolution: one node per real thing, stable ids, overrides, explanations."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.extract import extract_papers
from kg.extract.resources import load_resources
from kg.graph.resolution import resolve
from kg.resolve.keys import compact_key
from kg.resolve.overrides import Overrides
from kg.resolve.relations import Resolution
from kg.types import Paper


def _resolve(papers: list[Paper], overrides: Overrides | None = None) -> Resolution:
    return resolve(papers, list(extract_papers(papers)), load_resources().gazetteer, overrides)


def _ids_by_alias(resolution: Resolution) -> dict[str, str]:
    return {alias: e.id for e in resolution.entities.values() for alias in e.aliases}


def test_abbreviation_defined_once_resolves_everywhere() -> None:
    papers = [
        Paper("a", "Zorblax", "We introduce Zeta Ranking Optimization (ZRO) for ranking."),
        Paper("b", "Other", "We compare against ZRO and PPO on HotpotQA."),
    ]
    resolution = _resolve(papers)
    ids = _ids_by_alias(resolution)
    assert ids["ZRO"] == ids["Zeta Ranking Optimization"]
    paper_b = {r.entity_id for r in resolution.relations if r.paper_id == "b"}
    assert ids["ZRO"] in paper_b


def test_conflicting_long_forms_stay_apart_and_context_decides() -> None:
    papers = [
        Paper("a", "T1", "We train a Process Reward Model (PRM) to score reasoning steps."),
        Paper("b", "T2", "We study the Pairwise Ranking Metric (PRM) for search engines."),
        Paper("c", "T3", "Our PRM scores each reasoning step of a solution."),
    ]
    resolution = _resolve(papers)
    by_paper = {r.paper_id: r.entity_id for r in resolution.relations if "prm" in r.entity_id}
    assert by_paper["a"] != by_paper["b"]
    assert by_paper["c"] == by_paper["a"]  # "reasoning step" words choose the process reward model


def test_case_hyphen_spelling_plural_and_unicode_fold_but_versions_do_not() -> None:
    papers = [
        Paper("a", "A", "We use Direct Preference Optimization and DPO on RewardBench and RewardBench 2."),
        Paper("b", "B", "We use direct preference optimisation with GPT-4 and GPT-4o."),
        Paper("c", "C", "We fine-tune TÜLU 3 and compare with Tulu 3 and BIG-Bench and BigBench."),
    ]
    ids = _ids_by_alias(_resolve(papers))
    assert ids["Direct Preference Optimization"] == ids["DPO"] == ids["direct preference optimisation"]
    assert ids["RewardBench"] != ids["RewardBench 2"]
    assert ids["GPT-4"] != ids["GPT-4o"]
    assert compact_key("TÜLU 3") == compact_key("Tulu 3")
    assert compact_key("BIG-Bench") == compact_key("BigBench")


def test_model_sizes_keep_their_node_with_a_family() -> None:
    papers = [Paper("a", "A", "We fine-tune Qwen2.5-7B-Instruct and Qwen2.5-7B, and compare with Qwen2.5.")]
    resolution = _resolve(papers)
    by_name = {e.name: e for e in resolution.entities.values()}
    assert by_name["Qwen2.5-7B-Instruct"].id != by_name["Qwen2.5-7B"].id
    assert by_name["Qwen2.5-7B-Instruct"].family in ("Qwen2.5-7B", "Qwen2.5")


def test_ids_are_stable_when_papers_are_added() -> None:
    first = [Paper("a", "A", "We evaluate DPO and Zeta Ranking Optimization (ZRO) on GSM8K and FooBench-3.")]
    more = [*first, Paper("b", "B", "We use PPO, ZRO and the Zeta Ranking Optimization on MATH and FooBench-3.")]
    before = {e.name: e.id for e in _resolve(first).entities.values()}
    after = {e.name: e.id for e in _resolve(more).entities.values()}
    assert before and all(after[name] == entity_id for name, entity_id in before.items())


def test_overrides_merge_and_split(tmp_path: Path) -> None:
    papers = [Paper("a", "A", "We evaluate on RewardBench, RewardBench 2 and on FooQA and BarQA datasets.")]
    file = tmp_path / "overrides.yaml"
    file.write_text("same: [FooQA, BarQA]\ndifferent:\n  - [RewardBench, RewardBench 2]\n", encoding="utf-8")
    ids = _ids_by_alias(_resolve(papers, Overrides.load(file)))
    assert ids["FooQA"] == ids["BarQA"]
    assert ids["RewardBench"] != ids["RewardBench 2"]


def test_bad_overrides_file_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "o.yaml"
    file.write_text("same: [only-one]\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least two names"):
        Overrides.load(file)
    file.write_text("same: [a, b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"o\.yaml:\d+: not valid YAML"):
        Overrides.load(file)


def test_fuzzy_matching_respects_versions() -> None:
    from kg.resolve.fuzzy import FuzzyMatcher

    matcher = FuzzyMatcher(load_resources().gazetteer)
    assert matcher.match("HotpotQAA", "benchmark") is not None  # a typo of a known name
    entry = matcher.match("2WikiMultiHopQA", "dataset")  # case differs; dataset and benchmark are compatible
    assert entry is not None and entry.name == "2WikiMultihopQA"
    assert matcher.match("3WikiMultihopQA", "benchmark") is None  # digits differ: a different thing
    assert matcher.match("HotpotQAA", "model") is None  # types differ


def test_fuzzy_threshold_on_hand_made_spelling_pairs() -> None:
    """At the default threshold: no wrong merge, and most typos and plurals find their entity."""
    import json

    from kg.resolve.fuzzy import FuzzyMatcher
    from tests.conftest import ROOT

    gazetteer = load_resources().gazetteer
    matcher = FuzzyMatcher(gazetteer)
    rows = [json.loads(line) for line in (ROOT / "tests/data/resolution-pairs.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["means"] is None or gazetteer.lookup(r["means"]) is not None]
    got = [(gazetteer.lookup(r["name"]) or matcher.match(r["name"], r["type"]), r["means"]) for r in rows]
    wrong = [(entry.name, means) for entry, means in got if entry is not None and entry.name != means]
    correct = sum(1 for entry, means in got if (entry.name if entry else None) == means)
    assert wrong == []
    assert correct >= 0.9 * len(rows)


def test_hendrycks_math_is_math() -> None:
    """A resolution slip a new user saw: "Hendrycks-MATH" had a node of its own beside MATH."""
    import kg

    abstract = "We evaluate on Hendrycks-MATH and GSM8K; the MATH benchmark is hard."
    paper = kg.types.Paper("p1", "Math reasoning", abstract)
    names = {e.name: [m.text for m in e.mentions] for e in kg.extract_entities([paper])[0].entities}
    assert names["MATH"] == ["Hendrycks-MATH", "MATH"]
