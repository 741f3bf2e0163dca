"""One name lookup: the same typed names through the command line (a subprocess), the Python API and the site's
search box (in headless Chromium) give the same answers, near misses included ("did you mean")."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pytest

import kg
from kg.graph.names import NameIndex, lookup, lookup_key, similarity
from tests.conftest import CHROMIUM
from tests.test_site import Session, session  # noqa: F401 (fixtures)
from tests.ux_corpus import kg as run_kg
from tests.ux_corpus import write_papers

TYPED = [
    "GSM-8K",  # a gazetteer alias
    "gsm 8k",  # folded
    "GSM8Ks",  # folded: an acronym plural
    "BBH",  # a gazetteer alias the corpus never wrote
    "BigBench Hard",
    "Direct Preference Optimisation",  # British spelling, capitalised
    "MT Bench",
    "GSM8L",  # a near miss: did you mean GSM8K, GSM-Plus
    "Sqibs",  # a near miss: Squibs
    "Preference Optimizaton",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    write_papers(root / "papers.jsonl")
    result = run_kg("build", "papers.jsonl", "--out", "out", "--formats", "graph,site", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out"


def python_answer(graph: nx.MultiDiGraph, name: str) -> tuple[list[str], list[str]]:
    match = kg.api.lookup(graph, name)
    return sorted(graph.nodes[n]["label"] for n in match.nodes), match.suggestions


def cli_answer(out: Path, name: str) -> tuple[list[str], list[str]]:
    result = run_kg("entity", name, "--out", out, "--json")
    if result.returncode == 0:
        return sorted(item["name"] for item in json.loads(result.stdout)), []
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    found = re.search(r"did you mean: (.*)\?$", result.stderr.strip())
    assert f"no entity called {name!r}" in result.stderr
    return [], found.group(1).split(", ") if found else []


def test_python_folds_and_suggests(built: Path) -> None:
    graph = kg.load(built)
    answers = {name: python_answer(graph, name) for name in TYPED}
    for name in ("GSM-8K", "gsm 8k", "GSM8Ks"):
        assert answers[name] == (["GSM8K"], []), name
    for name in ("BigBench Hard", "BBH"):
        assert answers[name] == (["BIG-Bench Hard"], []), name
    assert answers["Direct Preference Optimisation"] == python_answer(graph, "direct preference optimization")
    assert answers["Direct Preference Optimisation"] == (["DPO"], [])
    assert answers["MT Bench"] == (["MT-Bench"], [])
    assert answers["GSM8L"][0] == [] and answers["GSM8L"][1][:2] == ["GSM8K", "GSM-Plus"]
    assert answers["Sqibs"] == ([], ["Squibs"])
    assert answers["Preference Optimizaton"][1][0] == "preference optimization"
    with pytest.raises(
        kg.errors.KgError, match=r"no entity called 'GSM8L' in the graph; did you mean: GSM8K, GSM-Plus"
    ):
        kg.papers_using(graph, "GSM8L")
    assert [hit.paper_id for hit in kg.papers_using(graph, "gsm 8k")] == [
        h.paper_id for h in kg.papers_using(graph, "GSM8K")
    ]


def test_the_command_line_answers_as_python(built: Path) -> None:
    graph = kg.load(built)
    with ThreadPoolExecutor(4) as pool:
        cli = dict(zip(TYPED, pool.map(lambda name: cli_answer(built, name), TYPED), strict=True))
    assert cli == {name: python_answer(graph, name) for name in TYPED}
    result = run_kg("query", "papers-using", "GSM8L", "--out", built)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no entity called 'GSM8L' in the graph; did you mean: GSM8K, GSM-Plus?"


def test_keys_and_scores_are_what_search_js_recomputes() -> None:
    assert lookup_key("Direct Preference Optimisation") == lookup_key("direct-preference optimization")
    assert lookup_key("GSM-8K") == lookup_key("gsm 8k") == "gsm8k"
    assert lookup_key("PRMs") == "prm" and lookup_key("C++") == "cplusplus"
    assert similarity("gsm8l", "gsm8k") == 80.0 and similarity("gsm", "gsmplus") == 90.0  # a prefix scores 90
    graph = nx.MultiDiGraph()
    graph.add_node("entity:a", kind="Method", label="Alpha", entity_id="a", aliases={"Alpha": 3})
    index = NameIndex.of(graph, gazetteer=False)
    assert index.keys["entity:a"] == ["alpha"] and lookup(graph, "alpah").suggestions == ["Alpha"]


@pytest.mark.browser
def test_the_site_search_answers_as_the_command_line(session: Session, built: Path) -> None:  # noqa: F811
    graph = kg.load(built)
    page = session.open((built / "site" / "index.html").as_uri())
    for name in TYPED:
        expected = python_answer(graph, name)
        found = page.evaluate("name => window.kgLookup(name)", name)
        assert (found["answer"], found["suggestions"]) == expected, name
        page.fill("#kg-search", name)  # and what the box shows: the answer first, or "did you mean"
        if expected[0]:
            first = page.locator("#kg-results li[role=option]").first
            assert first.locator(".name").inner_text() in expected[0], name
            assert "answer" in (first.get_attribute("class") or ""), name
        else:
            assert "Did you mean" in page.locator("#kg-results li.none").inner_text(), name
            shown = page.locator("#kg-results li.suggestion .name").all_inner_texts()
            assert shown == expected[1], name
    page.fill("#kg-search", "Direct Preference Optimisation")
    page.keyboard.press("Enter")
    page.wait_for_url("**/e/dpo.html")
    session.assert_clean()


def test_chromium_is_there_when_asked() -> None:
    if not CHROMIUM.exists():
        pytest.skip("no Chromium: the browser test above is skipped")
