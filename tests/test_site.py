"""The static site and graph pages: layout, escaping, atomic rewrite, and behaviour in a real headless Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.graph.build import build_graph
from kg.graph.files import save_graph
from kg.resolve.relations import Resolution
from kg.sinks.html import GraphIndex, page_names, select_whole_graph, write_graph_page
from kg.sinks.site import evidence_sentences, highlight, safe_url, write_site
from kg.types import Entity, Evidence, Paper, Relation

LOCAL = ("file://", "data:", "blob:", "about:", "http://127.0.0.1:")
EVIL_ABSTRACT = (
    "We study <script>window.__pwned = 1</script> attacks on reward models. "
    'Rendering <img src=x onerror="window.__pwned = 2"> and <b>bold</b> must stay text. '
    "We fine-tune with DPO and compare to RLHF."
)

# ---------------------------------------------------------------- a small graph with known content


def _sentence(text: str, start: int) -> str:
    begin = text.rfind(". ", 0, start)
    begin = 0 if begin < 0 else begin + 2
    end = text.find(". ", start)
    return text[begin : (len(text) if end < 0 else end + 1)]


def _relation(paper: Paper, entity_id: str, kind: str, *mentions: str) -> Relation:
    evidence = []
    for mention in mentions:
        field = "abstract" if mention in paper.abstract else "title"
        text = paper.title if field == "title" else paper.abstract
        start = text.index(mention)
        sentence = _sentence(text, start)
        evidence.append(Evidence(field, start, start + len(mention), mention, sentence, "test", 0.9))
    return Relation(paper.id, entity_id, kind, evidence, 0.9)


def small_graph() -> nx.MultiDiGraph:
    """Three papers (one with HTML and scripts in its text) and five entities, DPO among them."""
    dpo_paper = Paper(
        id="dpo-2023",
        title="Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        abstract="We propose Direct Preference Optimization (DPO), a stable alternative to RLHF. "
        "DPO matches PPO-based RLHF on MT-Bench.",
        year=2023,
        venue="NeurIPS",
        url="https://arxiv.org/abs/2305.18290",
    )
    evil = Paper(
        id="Evil/Paper 1",
        title="<i>Attacks</i> on </script> preference models",
        abstract=EVIL_ABSTRACT,
        year=2024,
        url="javascript:window.__pwned = 3",
    )
    third = Paper(
        id="p3", title="Scaling preference data", abstract="Using DPO we train <b>EvilNet</b> on MT-Bench.", year=2025
    )
    entities = {
        "dpo--direct-preference-optimization": Entity(
            "dpo--direct-preference-optimization",
            "DPO",
            "method",
            full_name="Direct Preference Optimization",
            aliases={"DPO": 4, "Direct Preference Optimization": 1},
        ),
        "rlhf": Entity("rlhf", "RLHF", "method", aliases={"RLHF": 3}),
        "mt-bench": Entity("mt-bench", "MT-Bench", "benchmark", aliases={"MT-Bench": 2}),
        "evilnet": Entity(
            "evilnet", "<b>EvilNet</b>", "model", aliases={"<b>EvilNet</b>": 1, "<script>alert(1)</script>": 1}
        ),
        "unused": Entity("unused", "Unused-Metric", "metric"),
    }
    relations = [
        _relation(dpo_paper, "dpo--direct-preference-optimization", "PROPOSES", "Direct Preference Optimization"),
        _relation(dpo_paper, "rlhf", "USES", "RLHF"),
        _relation(dpo_paper, "mt-bench", "EVALUATES_ON", "MT-Bench"),
        _relation(evil, "dpo--direct-preference-optimization", "USES", "DPO"),
        _relation(evil, "rlhf", "MENTIONS", "RLHF"),
        _relation(third, "dpo--direct-preference-optimization", "USES", "DPO"),
        _relation(third, "evilnet", "PROPOSES", "<b>EvilNet</b>"),
        _relation(third, "mt-bench", "EVALUATES_ON", "MT-Bench"),
    ]
    papers = {p.id: p for p in (dpo_paper, evil, third)}
    return build_graph(Resolution(entities=entities, relations=relations, papers=papers))


def large_graph(entities: int = 2400, papers: int = 1200) -> nx.MultiDiGraph:
    """A synthetic graph far over the drawing cap: entity ``i`` is in about ``papers / (i + 1)`` papers."""
    entity_list = {
        f"e{i}": Entity(f"e{i}", f"Entity {i}", ("method", "model", "dataset")[i % 3]) for i in range(entities)
    }
    paper_list = {f"p{j}": Paper(id=f"p{j}", title=f"Paper {j}", abstract="Text.") for j in range(papers)}
    relations = []
    for j in range(papers):
        for i in sorted({0, j % 7, j % 31, j % 97, (j * 13) % entities, (j * 7 + 3) % entities}):
            relations.append(Relation(f"p{j}", f"e{i}", "USES" if i % 2 else "PROPOSES", [], 0.5))
    return build_graph(Resolution(entities=entity_list, relations=relations, papers=paper_list))


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return small_graph()


@pytest.fixture(scope="module")
def out(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``DIR`` as ``kg build`` leaves it: graph.json, index.html (whole graph) and site/."""
    folder = tmp_path_factory.mktemp("site") / "out"
    folder.mkdir()
    save_graph(graph, folder)
    write_graph_page(graph, folder / "index.html")
    write_site(graph, folder)
    return folder


def _pages(out: Path) -> list[Path]:
    return sorted((out / "site").rglob("*.html"))


# ---------------------------------------------------------------- files, escaping, atomic rewrite


def test_site_has_every_page_and_ships_its_own_scripts(out: Path, graph: nx.MultiDiGraph) -> None:
    site = out / "site"
    names = page_names(graph)
    for node in graph.nodes:
        assert (site / names[node]).is_file(), node
    for name in (
        "index.html",
        "entities.html",
        "rising.html",
        "graph.html",
        "assets/vis-network.min.js",
        "assets/search-index.js",
        "assets/filters.js",
    ):
        assert (site / name).is_file(), name
    assert len(_pages(out)) == 4 + graph.number_of_nodes()
    for page in [*_pages(out), out / "index.html"]:
        html = page.read_text(encoding="utf-8")
        assert 'http-equiv="Content-Security-Policy"' in html
        assert "default-src &#39;none&#39;; script-src " in html
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html), f"remote resource in {page}"
    assert "assets/vis-network.min.js" in (site / "graph.html").read_text(encoding="utf-8")
    assert "vis.Network" in (out / "index.html").read_text(encoding="utf-8")  # the single page is self-contained


def test_text_from_papers_is_escaped_everywhere(out: Path) -> None:
    for path in [*(out / "site").rglob("*"), out / "index.html"]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for raw in ("<script>window.__pwned", "<img src=x", "<b>EvilNet", "<i>Attacks", "<script>alert"):
                assert raw not in text, f"{raw!r} unescaped in {path}"
    names = page_names(small_graph())
    paper = (out / "site" / names["paper:Evil/Paper 1"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in paper
    assert 'href="javascript:' not in paper and "javascript:window.__pwned = 3" in paper  # shown, not linked
    entity = (out / "site" / names["entity:evilnet"]).read_text(encoding="utf-8")
    assert "&lt;b&gt;EvilNet&lt;/b&gt;" in entity
    assert "\\u003cb\\u003eEvilNet" in entity  # the graph's JSON cannot close its <script>


def test_page_names_are_safe_and_distinct() -> None:
    graph = nx.MultiDiGraph()
    for pid in ("Evil/Paper 1", "evil-paper-1", "../../etc/passwd", "CON", "a" * 300, "2401.01234"):
        graph.add_node(f"paper:{pid}", kind="Paper", paper_id=pid, label=pid)
    names = page_names(graph)
    assert len(set(names.values())) == len(names)
    for name in names.values():
        assert re.fullmatch(r"p/[a-z0-9][a-z0-9._-]{0,90}\.html", name), name
        assert ".." not in name
    assert names["paper:2401.01234"] == "p/2401.01234.html"


def test_evidence_is_highlighted_in_its_sentence(graph: nx.MultiDiGraph) -> None:
    edge = graph.get_edge_data("paper:dpo-2023", "entity:dpo--direct-preference-optimization")["PROPOSES"]
    [segments] = evidence_sentences(edge["evidence"], graph.nodes["paper:dpo-2023"])
    assert segments == [
        ("We propose ", None),
        ("Direct Preference Optimization", True),
        (" (DPO), a stable alternative to RLHF.", None),
    ]
    assert highlight("abc", [(0, 2, 1), (1, 3, 2)]) == [("ab", 1), ("c", None)]  # overlaps are dropped
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" https://example.org/x ") == "https://example.org/x"


def test_whole_graph_is_capped_and_says_what_was_left_out() -> None:
    index = GraphIndex.of(large_graph())
    selection = select_whole_graph(index, max_nodes=300)
    assert len(selection.nodes) <= 300
    drawn_entities = [n for n in selection.nodes if n.startswith("entity:")]
    most_used = index.entities()[: len(drawn_entities)]
    assert drawn_entities == most_used  # ranked: the most used entities are the ones drawn
    assert selection.left_out == index.graph.number_of_nodes() - len(selection.nodes)
    assert "Left out: " in selection.note and "entities" in selection.note


def test_rewrite_replaces_site_and_failed_write_keeps_previous(tmp_path: Path, graph: nx.MultiDiGraph) -> None:
    write_site(graph, tmp_path)
    index_before = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    smaller = graph.copy()
    smaller.remove_node("entity:rlhf")
    write_site(smaller, tmp_path)
    assert not (tmp_path / "site" / "e" / "rlhf.html").exists()
    broken = graph.copy()
    broken.add_edge("paper:p3", "entity:rlhf", key="USES", type="USES", evidence=[{"start": "x", "field": "title"}])
    with pytest.raises(ValueError):
        write_site(broken, tmp_path)
    assert not (tmp_path / "site" / "e" / "rlhf.html").exists()  # still the second site, untouched
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8") != index_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folders left behind


def test_kg_html_command_writes_the_site(tmp_path: Path, graph: nx.MultiDiGraph) -> None:
    from kg.cli import app

    save_graph(graph, tmp_path)
    result = CliRunner().invoke(app, ["html", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "e" / "dpo--direct-preference-optimization.html").is_file()
    assert (tmp_path / "index.html").is_file()
    missing = CliRunner().invoke(app, ["html", "--out", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "no graph here" in missing.output


# ---------------------------------------------------------------- in a real browser


class Session:
    """One browser context that blocks and records every non-local request, console error and page error."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.context.on("request", lambda request: self._record(request.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _record(self, url: str) -> None:
        if not url.startswith(LOCAL):
            self.outside.append(url)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            route.abort()  # recorded by the request listener

    def open(self, url: str, graph: bool = False) -> Any:
        self.page.goto(url)
        if graph:
            self.page.wait_for_selector("#graph[data-ready=true]", timeout=30_000)
        return self.page

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests left the machine: {self.outside}"
        assert self.errors == [], self.errors

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser: Any) -> Iterator[Session]:
    session = Session(browser)
    yield session
    session.close()


def _painted(page: Any) -> dict[str, Any]:
    """How much of the canvas is painted, and the colour at the centre of the DPO node (if drawn)."""
    return page.evaluate(
        """() => {
          const canvas = document.querySelector('#graph canvas');
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          const id = 'entity:dpo--direct-preference-optimization';
          const at = window.kgNetwork.getPositions([id])[id];
          let centre = null;
          if (at) {
            const dom = window.kgNetwork.canvasToDOM(at), ratio = canvas.width / canvas.clientWidth;
            centre = Array.from(canvas.getContext('2d')
              .getImageData(Math.round(dom.x * ratio), Math.round(dom.y * ratio), 1, 1).data);
          }
          return {painted, total: pixels.length / 4, centre, nodes: window.kgNodes.length,
                  placed: Object.keys(window.kgNetwork.getPositions()).length};
        }"""
    )


@pytest.mark.browser
def test_pages_load_offline_without_errors_and_draw(session: Session, out: Path, graph: nx.MultiDiGraph) -> None:
    names = page_names(graph)
    pages = [
        ("site/index.html", False),
        ("site/entities.html", False),
        ("site/" + names["paper:Evil/Paper 1"], False),
        ("site/graph.html", True),
        ("site/" + names["entity:dpo--direct-preference-optimization"], True),
        ("index.html", True),
    ]
    for relative, has_graph in pages:
        page = session.open((out / relative).as_uri(), graph=has_graph)
        if has_graph:
            drawn = _painted(page)
            assert drawn["nodes"] == drawn["placed"] > 1
            assert drawn["painted"] > drawn["total"] * 0.005, f"canvas nearly blank on {relative}"
            red, green, blue, alpha = drawn["centre"]
            assert alpha == 255 and blue > red + 60 and blue > green, f"DPO node not drawn blue on {relative}"
    assert page.evaluate("window.__pwned") is None
    session.assert_clean()


@pytest.mark.browser
def test_search_finds_dpo_by_its_long_form_and_opens_it(session: Session, out: Path) -> None:
    page = session.open((out / "site" / "index.html").as_uri())
    page.fill("#kg-search", "direct preference optim")
    first = page.locator("#kg-results li[role=option]").first
    assert first.locator(".name").inner_text() == "DPO"
    assert first.locator(".matched").inner_text() == "Direct Preference Optimization"
    first.locator("a").click()
    page.wait_for_url("**/e/dpo--direct-preference-optimization.html")
    assert page.locator("h1").inner_text() == "DPO"
    assert page.locator(".evidence mark").first.inner_text() == "Direct Preference Optimization"
    page.fill("#kg-search", "alert(1)")  # aliases are searched and shown as text
    assert page.locator("#kg-results .name").first.inner_text() == "<b>EvilNet</b>"
    page.keyboard.press("Enter")
    page.wait_for_url("**/e/evilnet.html")
    session.assert_clean()


@pytest.mark.browser
def test_click_on_a_node_opens_its_page_and_filters_hide_types(session: Session, out: Path) -> None:
    page = session.open((out / "site" / "graph.html").as_uri(), graph=True)
    box = page.locator("#graph").bounding_box()
    dom = page.evaluate(
        """() => { const id = 'entity:dpo--direct-preference-optimization';
                   return window.kgNetwork.canvasToDOM(window.kgNetwork.getPositions([id])[id]); }"""
    )
    page.mouse.move(box["x"] + dom["x"], box["y"] + dom["y"])
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible")
    assert "Direct Preference Optimization" in tooltip.inner_text()
    visible = page.evaluate("() => window.kgNetwork.body.data.nodes.length")
    page.uncheck("input[data-kind-filter=Paper]")
    assert page.evaluate("() => window.kgNetwork.body.data.nodes.length") == visible - 3
    page.check("input[data-kind-filter=Paper]")
    page.mouse.click(box["x"] + dom["x"], box["y"] + dom["y"])
    page.wait_for_url("**/e/dpo--direct-preference-optimization.html")
    session.assert_clean()


@pytest.mark.browser
def test_html_in_paper_text_shows_as_text(session: Session, out: Path, graph: nx.MultiDiGraph) -> None:
    names = page_names(graph)
    page = session.open((out / "site" / names["paper:Evil/Paper 1"]).as_uri())
    assert page.locator(".abstract").inner_text().startswith("We study <script>window.__pwned = 1</script> attacks")
    assert page.locator("h1").inner_text() == "<i>Attacks</i> on </script> preference models"
    assert page.locator("main img, main b, main i, main script").count() == 0
    assert page.locator("a[href^=javascript]").count() == 0
    page = session.open((out / "site" / names["entity:evilnet"]).as_uri(), graph=True)
    assert page.locator("h1").inner_text() == "<b>EvilNet</b>"
    labels = page.evaluate("() => window.kgNodes.get().map(n => n.label)")
    assert "<b>EvilNet</b>" in labels
    assert page.evaluate("window.__pwned") is None
    session.assert_clean()


@pytest.fixture(scope="module")
def served(out: Path) -> Iterator[str]:
    """``out`` over HTTP on 127.0.0.1, to check the pages also work from a web server."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_pages_work_from_a_local_web_server(session: Session, served: str) -> None:
    page = session.open(f"{served}/site/index.html")
    page.fill("#kg-search", "RLHF")
    page.locator("#kg-results a").first.click()
    page.wait_for_url("**/e/rlhf.html")
    page.wait_for_selector("#graph[data-ready=true]")
    assert page.locator(".relation-group h2").all_inner_texts() == ["Used by 1 paper", "Mentioned by 1 paper"]
    session.assert_clean()


@pytest.mark.browser
def test_large_graph_page_is_capped_and_loads_fast(session: Session, tmp_path: Path) -> None:
    big = large_graph()
    path = write_graph_page(big, tmp_path / "index.html", max_nodes=400)
    started = time.perf_counter()
    page = session.open(path.as_uri(), graph=True)
    elapsed = time.perf_counter() - started
    drawn = page.evaluate("() => window.kgNodes.length")
    assert drawn <= 400 < big.number_of_nodes()
    assert "Left out: " in page.locator("#graph-note").inner_text()
    assert elapsed < 20, f"{elapsed:.1f} s to load and lay out {drawn} nodes"
    session.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_built_sample_site_search_and_click(session: Session, built_graph_dir: Path) -> None:
    """On the real sample build: the site exists and its search finds DPO by its long form."""
    site = built_graph_dir / "site"
    data = json.loads((built_graph_dir / "graph.json").read_text(encoding="utf-8"))
    assert len(list((site / "e").glob("*.html"))) == sum(1 for n in data["nodes"] if n["kind"] != "Paper")
    page = session.open((site / "index.html").as_uri())
    page.fill("#kg-search", "Direct Preference Optimization")
    first = page.locator("#kg-results li[role=option]").first
    assert first.locator(".name").inner_text() == "DPO"
    first.locator("a").click()
    page.wait_for_selector("#graph[data-ready=true]", timeout=30_000)
    assert page.locator("h1").inner_text() == "DPO"
    assert page.locator(".paper-list li").count() >= 5
    session.assert_clean()
