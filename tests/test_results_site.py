"""Leaderboards on the static site (issue 23): each benchmark page ranks the scores reported on it best first by
the metric's direction, keeps gains and ranks apart, draws a "state of the art over time" chart as inline SVG,
and links every value to its sentence on the paper page; leaderboards.html lists every benchmark with results.
Checked in the HTML and in headless Chromium, offline (the browser pattern of tests/test_site.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import kg
from kg.sinks.html import page_names
from kg.sinks.site import write_site
from kg.types import Paper
from tests.test_results_sinks import PAPERS
from tests.test_site import Session

EXTRA = [
    Paper("r7", "<b>EvilGen</b>: tags",
          "We propose EvilGen, which achieves 2.0 FID on CIFAR-10 <script>window.__pwned=1</script>.",
          date="2023-05-01", year=2023),
    Paper("r8", "Tagging radio news", "Our tagger reaches an accuracy of 96.5% on the Zorbia Radio News corpus.",
          date="2001-01-01", year=2001),
]  # fmt: skip


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return kg.build(PAPERS + EXTRA)


@pytest.fixture(scope="module")
def site(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(graph, tmp_path_factory.mktemp("results-site"))


@pytest.fixture
def session(browser: Any) -> Iterator[Session]:
    session = Session(browser)
    yield session
    session.close()


def board_html(page: str, metric: str) -> str:
    start = page.index(f'<div class="board" data-metric="{metric}" data-setting=""')  # the board of no stated setting
    return page[start : page.index("</table>", start)]


def test_benchmark_page_ranks_by_direction_keeps_gains_apart_and_draws_the_chart(
    graph: nx.MultiDiGraph, site: Path
) -> None:
    page = (site / page_names(graph)["entity:cifar-10"]).read_text(encoding="utf-8")
    fid = board_html(page, "FID")
    methods = re.findall(r'<td><a href="\.\./e/[^"]+">([^<]+)</a>', fid)
    expected = [h.method for h in kg.results(graph, benchmark="CIFAR-10", metric="FID", kind="absolute")]
    assert methods == ["DeltaGen", "&lt;b&gt;EvilGen&lt;/b&gt;", "BetaGen", "GammaGen", "AlphaGen"]
    assert [m.replace("&lt;", "<").replace("&gt;", ">") for m in methods] == expected  # the site ranks as the API
    assert "lower is better" in fid and "higher is better" in board_html(page, "IS")
    gains = page[page.index('<div class="board gains">') :]
    assert "BetaGen" in gains and "0.7" in gains and "AlphaGen" in gains  # the gain, over AlphaGen, apart
    assert ">0.7</a>" not in fid and ">0.7</a>" in gains
    at = page.index('<figure class="sota-chart">')
    chart = page[at : page.index("</figure>", at)]
    assert (
        chart.count('<circle class="best"') == 4 and chart.count('<circle class="other"') == 1
    )  # GammaGen: no new best
    assert re.search(r'<path class="sota" d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+"', chart)
    assert "<script>" not in page and "&lt;script&gt;" in page  # the sentence stays text
    # every value links to the sentence on its paper page, which has the anchor
    for href in re.findall(r'href="\.\./(p/[^"#]+)#(result-[^"]+)"', page):
        paper_page = (site / href[0]).read_text(encoding="utf-8")
        assert f'id="{href[1]}"' in paper_page
    assert not re.search(r'src="(?:https?:)?//', page)  # nothing fetched from elsewhere
    section = page[
        page.index('<section class="leaderboards"') : page.index(
            "</section>", page.index('<section class="leaderboards"')
        )
    ]
    assert not re.search(r'href="(?:https?:)?//', section)  # the leaderboard links stay in the site


def test_leaderboards_index_lists_every_benchmark_and_shows_those_without_a_page(
    graph: nx.MultiDiGraph, site: Path
) -> None:
    index = (site / "leaderboards.html").read_text(encoding="utf-8")
    assert index.index("CIFAR-10") < index.index("MT-Bench")  # most results first
    assert "Zorbia Radio News" in index
    anchor = re.search(r'<a href="#(board-\d+)">Zorbia Radio News</a>', index)
    assert anchor and f'<section class="unlinked" id="{anchor.group(1)}">' in index  # no entity: its table is here
    assert 'href="leaderboards.html"' in (site / "index.html").read_text(encoding="utf-8")  # in the header


def test_no_leaderboards_without_results(tmp_path: Path) -> None:
    graph = kg.build([PAPERS[-1]])
    site = write_site(graph, tmp_path)
    assert not (site / "leaderboards.html").exists()
    assert "leaderboards.html" not in (site / "index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_leaderboard_in_chromium(session: Session, graph: nx.MultiDiGraph, site: Path) -> None:
    page = session.open((site / page_names(graph)["entity:cifar-10"]).as_uri())
    rows = page.eval_on_selector_all(
        '.board[data-metric="FID"] tbody tr', "rows => rows.map(r => r.cells[1].innerText.replace(' own', '').trim())"
    )
    assert rows == ["DeltaGen", "<b>EvilGen</b>", "BetaGen", "GammaGen", "AlphaGen"]
    box = page.eval_on_selector(
        ".sota-chart svg", "s => { const b = s.getBoundingClientRect(); return [b.width, b.height]; }"
    )
    assert box[0] > 300 and box[1] > 100
    labels = page.eval_on_selector_all(
        ".sota-chart text.point-label",
        "ts => ts.map(t => { const b = t.getBBox(), s = t.ownerSVGElement.viewBox.baseVal;"
        " return [b.x, b.x + b.width, s.width]; })",
    )
    assert labels and all(left >= 0 and right <= width for left, right, width in labels)  # labels inside the chart
    assert page.evaluate("window.__pwned") is None
    page.click('.board[data-metric="FID"] tbody tr:first-child td.value a')
    page.wait_for_load_state()
    assert page.url.endswith("#result-abstract-36-39")
    assert page.eval_on_selector(":target", "e => e.innerText").startswith("1.8")
    session.open((site / "leaderboards.html").as_uri())
    session.page.click("text=Zorbia Radio News")
    assert session.page.eval_on_selector(":target h2", "e => e.innerText").startswith("Zorbia Radio News")
    session.assert_clean()
