"""Trends in the static site (kg.sinks.trends): trend charts, "evaluated on", "often together" ranked as
``kg query used-with``, the rising and new page as ``kg query rising`` / ``new``, the overview's timeline and the
list filters, checked in the HTML and in a real headless Chromium that may not reach anything outside ``file://``."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import kg.api
from kg.graph.build import build_graph
from kg.graph.measures import RISING_WINDOW, co_occurrence_rank, filled, period_range, rising_rank
from kg.resolve.relations import Resolution
from kg.sinks.charts import bar_chart, bar_svg
from kg.sinks.html import page_names
from kg.sinks.site import write_site
from kg.types import Entity, Paper, Relation

LOCAL = ("file://", "data:", "about:")

ENTITIES = {
    "alpha": ("AlphaNet", "method"),
    "bench": ("BenchQA", "benchmark"),
    "corpus": ("CorpusSet", "dataset"),
    "mega": ("MegaLM", "model"),
    "old": ("OldTrick", "method"),
    "fresh": ("FreshOpt", "method"),
    "newbench": ("NewBench", "benchmark"),
}
# paper id -> (year, date, [(entity, relation)]); no paper in 2020, one without a date
PAPERS = {
    "p19a": (2019, None, [("alpha", "USES"), ("bench", "EVALUATES_ON")]),
    "p19b": (2019, None, [("old", "USES"), ("alpha", "USES")]),
    "p21a": (2021, None, [("alpha", "USES"), ("bench", "EVALUATES_ON"), ("corpus", "USES")]),
    "p22a": (2022, None, [("mega", "PROPOSES"), ("bench", "EVALUATES_ON")]),
    "p22b": (2022, None, [("alpha", "USES"), ("old", "USES")]),
    "p23a": (2023, None, [("alpha", "USES"), ("corpus", "USES"), ("bench", "EVALUATES_ON")]),
    "p23b": (
        2023,
        None,
        [("alpha", "USES"), ("mega", "USES"), ("corpus", "EVALUATES_ON"), ("newbench", "EVALUATES_ON")],
    ),
    "p24a": (2024, "2024-03-01", [("fresh", "PROPOSES"), ("alpha", "USES"), ("bench", "EVALUATES_ON")]),
    "p24b": (2024, "2024-04-10", [("fresh", "USES"), ("alpha", "USES"), ("corpus", "USES")]),
    "p24c": (2024, "2024-05-02", [("fresh", "USES"), ("mega", "MENTIONS"), ("newbench", "EVALUATES_ON")]),
    "pund": (None, None, [("alpha", "USES"), ("bench", "EVALUATES_ON")]),
}


def trend_graph() -> nx.MultiDiGraph:
    entities = {key: Entity(key, label, kind, aliases={label: 1}) for key, (label, kind) in ENTITIES.items()}
    papers = {
        pid: Paper(id=pid, title=f"Paper {pid}", abstract="Text.", year=year, date=date)
        for pid, (year, date, _) in PAPERS.items()
    }
    relations = [Relation(pid, key, kind, [], 0.9) for pid, (_, _, links) in PAPERS.items() for key, kind in links]
    return build_graph(Resolution(entities=entities, relations=relations, papers=papers))


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return trend_graph()


@pytest.fixture(scope="module")
def site(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(graph, tmp_path_factory.mktemp("trends"))


def page(site: Path, graph: nx.MultiDiGraph, key: str) -> Path:
    return site / page_names(graph)[f"entity:{key}"]


def ids_of(html: str, section: str) -> list[str]:
    """The entities linked (their pages' names: the ids here), in order, in the first element of class ``section``."""
    start = html.index(f'class="{section}"')
    end = html.index("</ol>", start)
    return re.findall(r'href="\.\./e/([^"/]+)\.html"', html[start:end])


# ---- what the tests expect, counted here from the graph (not with the site's code)


def papers_of(graph: nx.MultiDiGraph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for source, target in graph.edges():
        if graph.nodes[source].get("kind") == "Paper" and graph.nodes[target].get("kind") != "Paper":
            found[target.split(":", 1)[1]].add(source)
    return found


def year_of(graph: nx.MultiDiGraph, paper: str) -> str | None:
    year = graph.nodes[paper].get("year")
    return f"{year:04d}" if year else None


def expected_together(graph: nx.MultiDiGraph, key: str) -> list[str]:
    papers = papers_of(graph)
    together = {other: len(papers[key] & found) for other, found in papers.items() if other != key}
    counts = {other: len(found) for other, found in papers.items()}
    return [row[0] for row in co_occurrence_rank(together, counts[key], counts)][:15]


def expected_rising(graph: nx.MultiDiGraph) -> list[tuple[str, float, int, int]]:
    years = sorted({y for p in graph.nodes if (y := year_of(graph, p)) and graph.nodes[p].get("kind") == "Paper"})
    periods = period_range(years[0], years[-1])
    series = {}
    for key, papers in papers_of(graph).items():
        counts = Counter(year_of(graph, p) for p in papers)
        counts.pop(None, None)
        series[key] = filled(counts, "year", periods)
    return rising_rank(series, RISING_WINDOW)


# ---- the HTML


def test_trend_chart_has_one_bar_per_year_zeros_included_and_counts_undated_apart(
    site: Path, graph: nx.MultiDiGraph
) -> None:
    html = page(site, graph, "alpha").read_text(encoding="utf-8")
    bars = re.findall(r'<g class="bar" data-period="(\d{4})" data-count="(\d+)">', html)
    counts = Counter(year_of(graph, p) for p in papers_of(graph)["alpha"])
    # its years run 2019-2024 (2020 without a paper), padded back to 10 years
    assert [period for period, _ in bars] == [str(y) for y in range(2015, 2025)]
    assert [int(n) for _, n in bars] == [counts.get(str(y), 0) for y in range(2015, 2025)]
    assert dict(bars)["2020"] == "0" and dict(bars)["2019"] == "2"
    assert "1 paper without a date, not drawn." in html
    trend = kg.api.trend(graph, "AlphaNet")  # the command line's trend: the same papers per year
    assert {row.period: row.papers for row in trend.rows if row.papers} == {
        period: int(n) for period, n in bars if int(n)
    }
    assert trend.undated == 1


def test_bar_chart_draws_zero_bars_and_escapes_its_label() -> None:
    chart = bar_chart(["2020", "2021", "2022"], [{"a": 2, "b": 1}, {}, {"b": 3}], [("a", "use"), ("b", "propose")])
    assert [bar["total"] for bar in chart["bars"]] == [3, 0, 3]
    assert chart["bars"][1]["stack"] == [] and len(chart["bars"][0]["stack"]) == 2
    assert chart["bars"][0]["title"] == "2020: 3 papers (2 use, 1 propose)"
    heights = [part["height"] for part in chart["bars"][0]["stack"]]
    assert math.isclose(sum(heights), chart["bottom"] - chart["top"])  # the tallest bar fills the plot
    svg = bar_svg(chart, "<b>x</b> & y")
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt; &amp; y" in svg
    assert svg.count('<g class="bar"') == 3 and svg.count('class="zero"') == 1


def test_often_together_is_the_used_with_ranking(site: Path, graph: nx.MultiDiGraph) -> None:
    checked = 0
    for key in ("alpha", "bench", "corpus", "fresh", "mega"):
        html = page(site, graph, key).read_text(encoding="utf-8")
        expected = expected_together(graph, key)
        shown = ids_of(html, "related") if expected else []
        assert shown == expected, key
        label = ENTITIES[key][0]
        assert [row.entity_id for row in kg.api.used_with(graph, label)][:15] == expected, key
        checked += bool(expected)
    assert checked >= 3  # the ranking is not empty for most of them


def test_evaluated_on_and_methods_on_lists(site: Path, graph: nx.MultiDiGraph) -> None:
    alpha = page(site, graph, "alpha").read_text(encoding="utf-8")
    assert "Evaluated on" in alpha
    # a paper proposing or using AlphaNet evaluates on (or uses) BenchQA in 5, CorpusSet in 4, NewBench in 1
    assert ids_of(alpha, "evaluations") == ["bench", "corpus", "newbench"]
    section = alpha[alpha.index('class="evaluations"') :]
    assert re.findall(r'<span class="num" title="(\d+) papers?">', section)[:3] == ["5", "4", "1"]
    assert [(r.entity_id, r.papers) for r in kg.api.evaluated_on(graph, "AlphaNet")] == [
        ("bench", 5),
        ("corpus", 4),
        ("newbench", 1),
    ]
    bench = page(site, graph, "bench").read_text(encoding="utf-8")
    assert "Methods and models evaluated on it" in bench
    assert ids_of(bench, "evaluations") == [r.entity_id for r in kg.api.methods_on(graph, "BenchQA")]
    assert ids_of(bench, "evaluations")[:1] == ["alpha"]


def test_rising_page_lists_the_rising_ranking(site: Path, graph: nx.MultiDiGraph) -> None:
    html = (site / "rising.html").read_text(encoding="utf-8")
    rising = html[html.index('id="rising"') : html.index('id="new"')]
    shown = re.findall(r'href="e/([a-z0-9-]+)\.html"', rising)
    expected = [row[0] for row in expected_rising(graph)]
    assert shown == expected == ["fresh", "newbench", "corpus", "alpha", "mega", "bench"]
    assert [row.entity_id for row in kg.api.rising(graph)] == expected  # what `kg query rising` prints
    assert "2023–2024" in rising and "2021–2022" in rising
    new = html[html.index('id="new"') :]
    assert re.findall(r'href="e/([a-z0-9-]+)\.html"', new) == ["fresh", "newbench"]
    assert 'href="p/p24a.html"' in new and 'href="p/p23b.html"' in new  # the papers that introduced them
    since = [(row.entity_id, row.paper_id) for row in kg.api.new_entities(graph, since="2023")]
    assert sorted(since) == [("fresh", "p24a"), ("newbench", "p23b")]


def test_overview_has_a_timeline_and_links_the_rising_page(site: Path, graph: nx.MultiDiGraph) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="rising.html"' in html
    timeline = html[html.index('id="timeline"') :]
    papers, new = timeline.split("New entities per year", 1)
    assert re.findall(r'data-period="(\d{4})" data-count="(\d+)"', papers) == [
        ("2019", "2"),
        ("2020", "0"),
        ("2021", "1"),
        ("2022", "2"),
        ("2023", "2"),
        ("2024", "3"),
    ]
    # first seen: alpha, bench, old 2019; corpus 2021; mega 2022; newbench 2023; fresh 2024
    assert [int(n) for n in re.findall(r'data-count="(\d+)"', new)] == [3, 0, 1, 1, 1, 1]
    assert "1 paper without a date, not drawn." in timeline


# ---- in a real browser


class Offline:
    """A browser context in which every request goes through a route: only file:, data: and about: pass; any
    other is aborted and recorded, and so is every console error and page error."""

    def __init__(self, browser: Any, javascript: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests left the page: {self.outside}"
        assert self.errors == [], self.errors


@pytest.fixture
def offline(browser: Any) -> Iterator[Offline]:
    session = Offline(browser)
    yield session
    session.context.close()


def visible_rows(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(
        selector,
        "rows => rows.filter(r => r.offsetParent !== null).map(r => r.querySelector('a').lastChild.textContent)",
    )


@pytest.mark.browser
def test_filters_hide_rows(offline: Offline, site: Path, graph: nx.MultiDiGraph) -> None:
    page = offline.open(site / "entities.html")
    rows = "#entity-lists tr[data-row]"
    assert len(visible_rows(page, rows)) == len(ENTITIES)
    page.select_option("form.list-filter select[name=type]", "Benchmark")
    assert sorted(visible_rows(page, rows)) == ["BenchQA", "NewBench"]
    assert not page.locator("section#method").is_visible()  # a type with no row left hides its group
    assert page.locator(".filter-count").inner_text() == "2 of 7 shown"
    page.select_option("form.list-filter select[name=type]", "")
    page.select_option("form.list-filter select[name=role]", "proposes")
    assert sorted(visible_rows(page, rows)) == ["FreshOpt", "MegaLM"]
    page.select_option("form.list-filter select[name=year]", "2024")
    assert visible_rows(page, rows) == ["FreshOpt"]
    page.select_option("form.list-filter select[name=role]", "")
    page.select_option("form.list-filter select[name=year]", "2019")
    assert sorted(visible_rows(page, rows)) == ["AlphaNet", "BenchQA", "OldTrick"]
    # an entity page's papers, by year
    page = offline.open(page_for(site, graph, "alpha"))
    papers = ".paper-list li[data-row]"
    assert len(visible_rows(page, papers)) == 9
    page.select_option("#papers form.list-filter select[name=year]", "2019")
    assert sorted(visible_rows(page, papers)) == ["Paper p19a", "Paper p19b"]
    # the rising list, by type
    page = offline.open(site / "rising.html")
    page.select_option("#rising-list select[name=type]", "Benchmark")
    assert visible_rows(page, "#rising-list tr[data-row]") == ["NewBench", "BenchQA"]
    offline.assert_clean()


def page_for(site: Path, graph: nx.MultiDiGraph, key: str) -> Path:
    return page(site, graph, key)


@pytest.mark.browser
def test_trend_chart_renders_its_bars(offline: Offline, site: Path, graph: nx.MultiDiGraph) -> None:
    page = offline.open(page_for(site, graph, "alpha"))
    bars = page.locator("figure.trend svg g.bar")
    assert bars.count() == 10
    drawn = page.eval_on_selector_all(
        "figure.trend svg g.bar",
        """bars => bars.map(g => ({count: +g.dataset.count,
              height: Array.from(g.querySelectorAll('rect[class^=part-]'))
                           .reduce((sum, r) => sum + r.getBoundingClientRect().height, 0),
              zero: g.querySelector('rect.zero') !== null}))""",
    )
    assert [bar["count"] for bar in drawn] == [0, 0, 0, 0, 2, 0, 1, 1, 2, 2]
    for bar in drawn:  # painted in proportion: the 2-paper bars twice as tall as the 1-paper ones
        assert bar["zero"] == (bar["count"] == 0)
        assert bar["height"] == pytest.approx(drawn[4]["height"] * bar["count"] / 2, rel=0.02)
    assert drawn[4]["height"] > 20
    assert page.locator("figure.trend").is_visible()
    overview = offline.open(site / "index.html")
    assert overview.locator("#timeline svg").count() == 2
    assert overview.locator("#timeline svg").first.locator("g.bar").count() == 6
    offline.assert_clean()


@pytest.mark.browser
def test_rising_page_in_the_browser_lists_the_ranking(offline: Offline, site: Path, graph: nx.MultiDiGraph) -> None:
    page = offline.open(site / "index.html")
    page.click("nav >> text=Rising and new")
    page.wait_for_url("**/rising.html")
    names = page.eval_on_selector_all("#rising-list tr[data-row] td:nth-child(2) a", "a => a.map(x => x.href)")
    expected = [row[0] for row in expected_rising(graph)]
    assert [re.sub(r".*/e/|\.html$", "", url) for url in names] == expected
    growth = page.locator("#rising-list tr[data-row] td.growth").first.inner_text()
    assert growth == f"{expected_rising(graph)[0][1]:+.2f}" == f"{kg.api.rising(graph)[0].growth:+.2f}"
    offline.assert_clean()


@pytest.mark.browser
def test_every_page_stays_offline_without_console_errors(offline: Offline, site: Path) -> None:
    pages = [site / "index.html", site / "entities.html", site / "rising.html", site / "graph.html"]
    pages += sorted((site / "e").glob("*.html")) + sorted((site / "p").glob("*.html"))[:3]
    for path in pages:
        offline.open(path)
        offline.page.wait_for_load_state("load")
    offline.assert_clean()


@pytest.mark.browser
def test_lists_and_charts_read_without_javascript(browser: Any, site: Path, graph: nx.MultiDiGraph) -> None:
    session = Offline(browser, javascript=False)
    try:
        page = session.open(site / "entities.html")
        assert not page.locator("form.list-filter").is_visible()  # no filter that cannot work
        assert len(visible_rows(page, "#entity-lists tr[data-row]")) == len(ENTITIES)
        page = session.open(page_for(site, graph, "alpha"))
        assert page.locator("figure.trend svg g.bar").count() == 10 and page.locator("figure.trend").is_visible()
        session.assert_clean()
    finally:
        session.context.close()


# ---- on a real build: the site against the query verbs answering from the build's index.sqlite


@pytest.mark.slow
def test_built_site_ranks_as_the_query_verbs(built_graph_dir: Path) -> None:
    """The daily-papers sample, built by ``kg build``: "often together" of its most-used entities is what
    ``kg query used-with`` answers from the build's index, and the rising page lists what ``kg query rising`` does."""
    from kg.graph.files import load_graph
    from kg.sinks.html import GraphIndex

    assert (built_graph_dir / "index.sqlite").is_file()
    graph = load_graph(built_graph_dir)
    index = GraphIndex.of(graph)
    site = built_graph_dir / "site"
    names = page_names(graph)
    compared = 0
    for node in index.entities()[:25]:
        label = index.label(node)
        if kg.api.lookup(graph, label).nodes != [node]:  # a name of several entities: the verb merges them
            continue
        html = (site / index.urls[node]).read_text(encoding="utf-8")
        shown = ids_of(html, "related") if 'class="related"' in html else []
        answered = [row.entity_id for row in kg.api.used_with(built_graph_dir, label)][:15]
        assert shown == [names[f"entity:{key}"][2:-5] for key in answered], label
        compared += bool(shown)
    assert compared >= 10
    html = (site / "rising.html").read_text(encoding="utf-8")
    rising = html[html.index('id="rising"') : html.index('id="new"')]
    shown = re.findall(r'href="e/([^"]+)\.html"', rising)
    answered = [row.entity_id for row in kg.api.rising(built_graph_dir)][: len(shown)]
    assert shown == [names[f"entity:{key}"][2:-5] for key in answered] and shown
