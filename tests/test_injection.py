"""Nothing injected: hostile names, abstracts and ids reach HTML only escaped, Turtle only as rdflib/Oxigraph terms
(IRIs from safe slugs) and Cypher only as parameters. The graphs come from hostile papers through the whole path
(readers, extraction, resolution) and from a hand-made resolution whose entity names and ids are hostile too."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import KgError
from kg.graph.build import build_graph
from kg.resolve.relations import Resolution
from kg.sinks.html import static_text, write_graph_page
from kg.sinks.site import write_site
from kg.types import Entity, Evidence, Paper, Relation

HOSTILE = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; MATCH (n) DETACH DELETE n //",
    "x}) DETACH DELETE n WITH 1 AS y MATCH (z {a: 'b",
    "`}]->(q) DELETE q //",
    "{{ 7*7 }} {% raw %}",
    "</script><script>alert(2)</script>",
    "<!-- comment --> ]]> <![CDATA[ x",
    "javascript:alert(3)",
    '" . <http://evil.example/s> <http://evil.example/p> "x',
    "\\' \\\\' \\u0027 \\",
    "tab\there\u2028line\u2029para",
    "Ünïcödé 模型 🚀 مرحبا x̄",
]
BASE = "https://w3id.org/kg-ml/"


def hostile_records() -> list[dict[str, object]]:
    """Papers whose every field is hostile; the abstracts also name entities the extractor finds."""
    records = []
    for n, text in enumerate(HOSTILE):
        records.append(
            {
                "id": f"p{n} {text}",
                "title": f"HostNet{n}: {text}",
                "abstract": f"We propose HostNet{n} {text} and evaluate it on MMLU and ImageNet. "
                f'We compare with "Quote"Net (QN), O\'Reilly-LM and GPT-4. {text} is fine-tuned with DPO. '
                "Odd\ufffe\uffff\x85\x1f\x00\ud800 characters.",
                "authors": [text, "Ada Lovelace"],
                "venue": text,
                "url": "javascript:alert(4)" if n % 2 else f"https://example.org/{text}",
                "doi": f"10.1234/{text}",
                "year": 2024,
            }
        )
    return records


@pytest.fixture(scope="module")
def pipeline_graph(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """Hostile papers through readers, extraction, resolution and graph building."""
    from kg.graph.resolution import graph_from_papers
    from kg.sources.readers import read_papers

    path = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in hostile_records()), encoding="utf-8")
    graph = graph_from_papers(read_papers([path]))
    assert sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "Paper") == len(HOSTILE)
    assert any(d.get("label", "").startswith("HostNet") for _, d in graph.nodes(data=True) if d["kind"] != "Paper")
    return graph


@pytest.fixture(scope="module")
def handmade_graph() -> nx.MultiDiGraph:
    """Entities named, identified and aliased by hostile strings (the extractor would not produce these)."""
    resolution = Resolution()
    types = ("method", "model", "dataset", "benchmark", "metric")
    for n, text in enumerate(HOSTILE):
        title = f"Paper {n}: {text}"
        abstract = f"We propose {text} here. It beats {text} again."
        paper = Paper(id=text, title=title, abstract=abstract, authors=[text], venue=text, url=text, doi=text)
        resolution.papers[paper.id] = paper
        entity = Entity(
            id=text,
            name=text,
            type=types[n % len(types)],  # type: ignore[arg-type]
            full_name=f"{text} (full)",
            aliases={text: 2, f"{text} alias": 1},
            external_ids={"wikidata": text, "hf": text, "pwc": text},
            family=HOSTILE[0] if n else None,
        )
        resolution.entities[entity.id] = entity
        start = abstract.index(text)
        evidence = Evidence("abstract", start, start + len(text), text, f"We propose {text} here.", text, 0.9)
        resolution.relations.append(Relation(paper.id, entity.id, "PROPOSES", [evidence], 0.9))
        resolution.relations.append(Relation(paper.id, HOSTILE[0], "USES", [evidence], 0.5))
    return build_graph(resolution)


GRAPHS = ["pipeline_graph", "handmade_graph"]


# ------------------------------------------------------------------------------------ HTML


class Page(HTMLParser):
    """What a browser would see: tags with attributes, script elements and their text, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


SHIPPED_SCRIPTS = {static_text("vis-network.min.js"), static_text("graph.js")}
SCRIPT_SRC = re.compile(r"(\.\./)?assets/[a-z.-]+\.js")


def check_page(path: Path) -> Page:
    """No script but the site's own, no event handler, no javascript: link, data as data, a CSP."""
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    for attrs, text in page.scripts:
        if attrs.get("src") is not None:
            assert SCRIPT_SRC.fullmatch(attrs["src"] or ""), (path, attrs)
        elif attrs.get("type") == "application/json":
            assert "<" not in text, path  # json_for_script escapes '<': no tag can be closed or opened
            json.loads(text)
        else:
            assert text in SHIPPED_SCRIPTS, (path, text[:200])
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:")), (path, tag, attrs)
            assert not value.startswith("data:") or value == "data:,", (path, tag, attrs)
    assert any(t == "meta" and a.get("http-equiv") == "Content-Security-Policy" for t, a in page.tags), path
    return page


@pytest.mark.parametrize("which", GRAPHS)
def test_html_pages_hold_hostile_text_only_as_text(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    graph = request.getfixturevalue(which)
    site = write_site(graph, tmp_path)
    write_graph_page(graph, tmp_path / "index.html")
    pages = [*site.rglob("*.html"), tmp_path / "index.html"]
    assert len(pages) >= len(HOSTILE) + 3
    shown = ""
    for path in pages:
        assert path.resolve().is_relative_to(tmp_path.resolve())
        assert re.fullmatch(r"[a-z0-9._/-]+", str(path.relative_to(tmp_path))), path  # hostile ids: no odd names
        shown += "".join(check_page(path).text)
    index = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert index.startswith("window.KG_SEARCH = ") and index.endswith(";\n") and "<" not in index
    json.loads(index.removeprefix("window.KG_SEARCH = ").removesuffix(";\n"))
    for text in HOSTILE:  # kept, as text: escaping did not drop the hostile strings, it neutralised them
        assert " ".join(text.split()) in " ".join(shown.split()), text


# ------------------------------------------------------------------------------------ Turtle and other RDF


@pytest.mark.parametrize("which", GRAPHS)
def test_rdf_parses_back_with_the_hostile_literals_intact(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    import pyoxigraph as ox
    from rdflib import Graph, Literal, URIRef

    from kg.sinks.rdf import iter_triples, oxigraph_terms, write_rdf, write_turtle

    graph = request.getfixturevalue(which)
    expected = set(iter_triples(graph, BASE, oxigraph_terms()))
    ttl = write_turtle(graph, tmp_path / "graph.ttl", BASE)
    parsed = Graph().parse(ttl, format="turtle")
    assert len(parsed) == len(expected)
    assert _triples(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE)) == expected
    for fmt, suffix in (("ntriples", "nt"), ("jsonld", "jsonld")):
        path = tmp_path / f"graph.{suffix}"
        write_rdf(graph, path, fmt, BASE)
        kind = ox.RdfFormat.N_TRIPLES if fmt == "ntriples" else ox.RdfFormat.JSON_LD
        assert _triples(ox.parse(path=str(path), format=kind)) == expected

    literals = {str(o) for o in parsed.objects() if isinstance(o, Literal)}
    titles = {str(d.get("title") or d["label"]) for _, d in graph.nodes(data=True) if d["kind"] == "Paper"}
    names = {str(d["label"]) for _, d in graph.nodes(data=True) if d["kind"] != "Paper"}
    assert titles <= literals and names <= literals
    assert any(text in literal for text in HOSTILE for literal in literals)
    for term in {t for triple in parsed for t in (triple[0], triple[2]) if isinstance(t, URIRef)}:
        if str(term).startswith(BASE):  # the graph's own IRIs: built from slugs, nothing else
            assert re.fullmatch(r"[a-z]+/[a-z0-9.-]+|ontology#[A-Za-z]+", str(term)[len(BASE) :]), term
        else:  # links out: parsed as IRIs by both libraries, so nothing broke out of them
            assert not re.search(r"[\s<>\"{}|\\^`]", str(term)), term


def _triples(quads: object) -> set[object]:
    import pyoxigraph as ox

    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}  # type: ignore[attr-defined]


def test_graphml_and_csv_exports_parse_back(pipeline_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    """What the readers let through can be written as XML 1.0 and CSV: no noncharacter, no control character."""
    import csv

    from kg.sinks.export import write_csv, write_graphml
    from kg.sinks.neo4j_csv import write_neo4j_csv

    back = nx.read_graphml(write_graphml(pipeline_graph, tmp_path / "graph.graphml"))
    assert {d["label"] for _, d in back.nodes(data=True)} == {d["label"] for _, d in pipeline_graph.nodes(data=True)}
    abstracts = {d["abstract"] for _, d in pipeline_graph.nodes(data=True) if d["kind"] == "Paper"}
    assert all("Odd\ufffd\ufffd\x85\ufffd characters." in a for a in abstracts)
    nodes = write_csv(pipeline_graph, tmp_path / "csv")[0]
    with nodes.open(encoding="utf-8", newline="") as handle:
        labels = {row["label"] for row in csv.DictReader(handle)}
    assert labels == {d["label"] for _, d in pipeline_graph.nodes(data=True)}
    written = {path.name: path for path in write_neo4j_csv(pipeline_graph, tmp_path / "neo4j")}
    with written["entities.csv"].open(encoding="utf-8", newline="") as handle:
        names = {row["name:string"] for row in csv.DictReader(handle)}
    assert names == {d["label"] for _, d in pipeline_graph.nodes(data=True) if d["kind"] != "Paper"}
    with written["papers.csv"].open(encoding="utf-8", newline="") as handle:
        authors = [row["authors:string[]"].split("\x1f") for row in csv.DictReader(handle)]  # U+001F: arrays
    assert sorted(authors) == sorted(d["authors"] for _, d in pipeline_graph.nodes(data=True) if d["kind"] == "Paper")


def test_a_hostile_base_iri_is_refused() -> None:
    from kg.sinks.rdf import normalise_base

    for base in (
        'https://x.example/"> <https://evil/',
        "https://x/ y/",
        "https://x/\n<y>",
        "not an iri",
        "https://x/{y}/",
    ):
        with pytest.raises(KgError):
            normalise_base(base)


# ------------------------------------------------------------------------------------ Cypher


@pytest.mark.parametrize("which", GRAPHS)
def test_cypher_gets_names_and_abstracts_only_as_parameters(which: str, request: pytest.FixtureRequest) -> None:
    from kg.sinks.neo4j import FalkorDBDialect, Neo4jDialect, graph_rows, statements

    graph = request.getfixturevalue(which)
    rows = graph_rows(graph)
    for dialect in (Neo4jDialect(), FalkorDBDialect()):
        planned = list(statements(rows, dialect, batch_size=3))
        assert planned
        values = json.dumps([s.params for s in planned], ensure_ascii=False)
        for statement in planned:
            assert "DETACH" not in statement.query and "//" not in statement.query
            assert "MATCH (z" not in statement.query and "alert" not in statement.query
            for text in HOSTILE:
                assert text not in statement.query
        for text in ("'; MATCH (n) DETACH DELETE n //", "<script>alert('xss')</script>"):
            assert json.dumps(text, ensure_ascii=False)[1:-1] in values  # the data went, as parameters
        templates = {re.sub(r"\bx\.[A-Za-z_][A-Za-z0-9_]*", "x.KEY", s.query) for s in planned}
        assert len(templates) <= 20  # a fixed set of query texts, whatever the data


def test_property_names_that_are_not_identifiers_are_refused() -> None:
    from kg.sinks.neo4j import QUERIES, graph_rows

    graph = nx.MultiDiGraph()
    graph.add_node("paper:p", kind="Paper", paper_id="p", label="t", **{"x}) DETACH DELETE n //": "v"})
    with pytest.raises(KgError, match="not a plain identifier"):
        graph_rows(graph)
    for query in QUERIES.values():  # the documented questions take names as parameters, never as text
        assert ("'" not in query and '"' not in query and "$name" in query) or "$" not in query


def _single_quoted(text: str) -> tuple[str, int]:
    """Lex a Cypher single-quoted string at the start of ``text``: its value and where it ends."""
    assert text[0] == "'"
    value, i = [], 1
    while i < len(text):
        if text[i] == "\\":
            value.append(text[i + 1])
            i += 2
        elif text[i] == "'":
            return "".join(value), i + 1
        else:
            value.append(text[i])
            i += 1
    raise AssertionError("unterminated string")


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from("'\\\"`")), max_size=60))
def test_falkordb_escaping_cannot_end_a_string_early(text: str) -> None:
    """FalkorDB pastes parameters between single quotes: escaped, a value is one literal, whole."""
    from kg.sinks.neo4j import _falkordb_escape

    quoted = f"'{_falkordb_escape(text)}'"
    value, end = _single_quoted(quoted + " DETACH DELETE n")
    assert end == len(quoted)
    assert value == text.replace("\x00", "")
