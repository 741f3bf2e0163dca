"""Results of different settings are never ranked in one leaderboard (issue 23): boards are grouped by benchmark,
metric and setting (0-shot and 5-shot, test and dev set, none stated), each shows its setting, on the site, in
``kg.best`` and in ``kg query results``."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

import kg
from kg.graph.results import leaderboards, result_rows, setting_key
from kg.sinks.site import write_site
from kg.types import Paper

PAPERS = [
    Paper("s1", "AlphaLM", "We propose AlphaLM, which achieves 70.1% accuracy on MMLU in the 5-shot setting.",
          date="2023-01-01", year=2023),
    Paper("s2", "BetaLM", "We propose BetaLM, which achieves 65.3% accuracy on MMLU in the zero-shot setting.",
          date="2023-02-01", year=2023),
    Paper("s3", "GammaLM", "We propose GammaLM, which achieves 61.0% zero shot accuracy on MMLU.",
          date="2023-03-01", year=2023),
    Paper("s4", "DeltaLM", "We propose DeltaLM, which achieves 99.0% accuracy on MMLU.", date="2023-04-01", year=2023),
    Paper("s5", "EpsLM", "We propose EpsLM, which achieves 72.4% accuracy on MMLU (5-shot).",
          date="2023-05-01", year=2023),
]  # fmt: skip


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return kg.build(PAPERS)


def test_setting_key_compares_settings_loosely() -> None:
    assert setting_key("zero shot") == setting_key("Zero-shot") == setting_key("0-shot") == "0-shot"
    assert setting_key("5-shot") != setting_key("zero-shot")
    assert setting_key("validation set") == setting_key("dev split") == "dev" != setting_key("test set")
    assert setting_key("finetuned") == setting_key("fine-tuned")
    assert setting_key("Sub-task A") == setting_key("subtask A") and setting_key("English–German") == "english-german"
    assert setting_key(None) == setting_key("") == ""


def test_boards_are_grouped_by_benchmark_metric_and_setting(graph: nx.MultiDiGraph) -> None:
    (entry,) = leaderboards(result_rows(graph)).values()
    boards = [(b.metric, b.setting, [r.paper_id for r in b.rows]) for b in entry.boards]
    # the best score (99.0%, no setting stated) is not ranked above the 5-shot or zero-shot ones
    assert boards == [
        ("accuracy", None, ["s4"]),
        ("accuracy", "zero-shot", ["s2", "s3"]),  # "zero shot" and "zero-shot": one setting
        ("accuracy", "5-shot", ["s5", "s1"]),
    ]


def test_best_and_query_results_are_per_setting(graph: nx.MultiDiGraph) -> None:
    best = kg.best(graph, "MMLU")
    assert [(h.setting, h.shown, h.rank) for h in best] == [(None, "99.0%", 1), ("zero-shot", "65.3%", 1),
                                                             ("5-shot", "72.4%", 1)]  # fmt: skip
    hits = kg.results(graph, benchmark="MMLU")
    assert [(h.paper_id, h.rank) for h in hits] == [("s4", 1), ("s2", 1), ("s3", 2), ("s5", 1), ("s1", 2)]


def test_site_shows_one_table_per_setting_with_its_setting(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    site = write_site(graph, tmp_path / "site")
    page = next(p for p in (site / "e").glob("*.html") if "MMLU" in p.read_text(encoding="utf-8")[:2000])
    html = page.read_text(encoding="utf-8")
    boards = re.findall(r'<div class="board" data-metric="accuracy" data-setting="([^"]*)">(.*?)</table>', html, re.S)
    assert [setting for setting, _ in boards] == ["", "zero-shot", "5-shot"]
    for setting, body in boards:
        if setting:
            assert f'<span class="setting">{setting}</span>' in body
        else:
            assert "setting not stated" in body
    five = dict(boards)["5-shot"]
    assert five.index("72.4%") < five.index("70.1%") and "99.0%" not in five and "65.3%" not in five
    index = (site / "leaderboards.html").read_text(encoding="utf-8")
    assert "accuracy (5-shot)" in index and "accuracy (zero-shot)" in index
