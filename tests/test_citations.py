"""Citations end to end: OpenAlex ``referenced_works`` and Semantic Scholar references fetched from recorded
responses on a real local HTTP server, built into a graph (CITES edges, outside-reference counts), written to
Turtle, N-Triples parts, the Neo4j CSV export and the site, and the same after ``kg add`` as after a full build."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg
from kg.graph.files import load_graph
from kg.graph.state_view import graph_from_state
from kg.sinks.neo4j_csv import import_command, write_neo4j_csv
from kg.sinks.rdf import to_rdf, validate
from kg.sources.fetch.convert import reference_id, reference_ids
from kg.sources.fetch.openalex import fetch_openalex
from kg.sources.fetch.s2 import REFERENCE_FIELDS, fetch_s2
from kg.sources.readers import read_papers
from tests.test_fetch import Reply, Server, no_delay
from tests.test_incremental import _canonical, _triples

MATH, PPO, REVISITED = "paper:arxiv:2402.03300", "paper:arxiv:1707.06347", "paper:doi:10.5555/grpo.2025.1"
DAPO, DIALOGUE = "paper:arxiv:2503.14476", "paper:doi:10.5555/emnlp.2024.main.77"
TOKEN = "paper:s2:f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed"
CITES = {
    (REVISITED, MATH),  # OpenAlex W-id of a paper whose kg id is its arXiv id (found by its alt id)
    (REVISITED, PPO),
    (MATH, PPO),
    (DAPO, MATH),  # S2 references by arXiv id, across sources
    (DAPO, PPO),
    (DIALOGUE, DAPO),
    (DIALOGUE, REVISITED),  # by DOI (S2) to an OpenAlex paper
    (DIALOGUE, TOKEN),  # by S2 paperId alone
    (TOKEN, MATH),
}
OUTSIDE = {REVISITED: 1, MATH: 1, DAPO: 1, DIALOGUE: 0, TOKEN: 0}


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Both fetchers run against the local server: ``openalex`` and ``s2`` JSONL files (and what S2 was asked)."""
    root = tmp_path_factory.mktemp("citations")
    server = Server()
    try:
        server.script = [Reply.file("openalex_cites.json")]
        fetch_openalex(root / "oa.jsonl", search="GRPO", base_url=server.url, politeness=no_delay())
        assert "referenced_works" in server.seen[0].params["select"]
        server.seen.clear()
        server.script = [
            Reply.file("s2_bulk_page1.json"),
            Reply.file("s2_batch_references1.json"),
            Reply.file("s2_bulk_page2.json"),
            Reply.file("s2_batch_references2.json"),
        ]
        fetch_s2("GRPO", root / "s2.jsonl", base_url=server.url, politeness=no_delay())
        (root / "s2-requests.json").write_text(
            json.dumps([[s.method, s.path, s.params.get("fields"), s.body.decode()] for s in server.seen])
        )
    finally:
        server.close()
    yield {"root": root, "openalex": root / "oa.jsonl", "s2": root / "s2.jsonl"}


def _lines(path: Path) -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_fetchers_ask_for_and_keep_references(fetched: dict[str, Path]) -> None:
    requests = json.loads((fetched["root"] / "s2-requests.json").read_text())
    assert [(m, p) for m, p, _, _ in requests] == [("GET", "/paper/search/bulk"), ("POST", "/paper/batch")] * 2
    assert requests[1][2] == REFERENCE_FIELDS
    assert json.loads(requests[1][3]) == {
        "ids": ["8d3a5b8c0a2f0e5d9c6a7b1e2f3d4c5b6a7e8f90", "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"]
    }
    s2 = _lines(fetched["s2"])
    assert s2["arxiv:2503.14476"]["references"] == [
        "arxiv:2402.03300", "arxiv:1707.06347", "doi:10.5555/outside.1",  # the unmatched entry (paperId null) left out
    ]  # fmt: skip
    assert s2["arxiv:2503.14476"]["alt_ids"] == ["s2:8d3a5b8c0a2f0e5d9c6a7b1e2f3d4c5b6a7e8f90", "s2:corpus:277104124"]
    openalex = _lines(fetched["openalex"])
    assert openalex["doi:10.5555/grpo.2025.1"]["references"] == [
        "openalex:W4391580927", "openalex:W2736601468", "openalex:W3000000999",
    ]  # fmt: skip
    assert openalex["arxiv:1707.06347"]["alt_ids"] == ["openalex:W2736601468"]
    assert "references" not in openalex["arxiv:1707.06347"]  # none given: not written
    papers = {p.id: p for p in read_papers([fetched["openalex"], fetched["s2"]])}
    assert papers["arxiv:2402.03300"].citation_keys() == [
        "arxiv:2402.03300", "doi:10.48550/arxiv.2402.03300", "openalex:W4391580927",
    ]  # fmt: skip
    assert papers["arxiv:2402.03300"].date == "2024-02-05" and papers[TOKEN[6:]].date is None  # S2: year only
    assert papers[TOKEN[6:]].year == 2025


@pytest.fixture(scope="module")
def built(fetched: dict[str, Path]) -> dict[str, Path]:
    """A full build of both sources, and the same papers as a build of one source plus ``kg add`` of the other
    (both orders: papers citing older papers, and older papers cited by new ones)."""
    root = fetched["root"]
    formats = ["graph", "turtle", "ntriples", "site"]
    kg.build_folder([fetched["openalex"], fetched["s2"]], root / "full", formats=formats)
    for first, second in (("openalex", "s2"), ("s2", "openalex")):
        out = root / f"{first}-then-{second}"
        kg.build_folder([fetched[first]], out, formats=["graph", "ntriples"])
        kg.add([fetched[second]], out)
    return {"full": root / "full", "oa-first": root / "openalex-then-s2", "s2-first": root / "s2-then-openalex"}


def _cites(graph: object) -> set[tuple[str, str]]:
    return {(u, v) for u, v, kind in graph.edges(data="type") if kind == "CITES"}  # type: ignore[attr-defined]


def test_cites_edges_and_outside_counts(built: dict[str, Path]) -> None:
    graph = load_graph(built["full"])
    assert _cites(graph) == CITES
    assert {n: graph.nodes[n].get("references_outside") for n in OUTSIDE} == OUTSIDE
    assert "references_outside" not in graph.nodes[PPO] and "references" not in graph.nodes[PPO]
    assert graph.nodes[MATH]["alt_ids"] == ["openalex:W4391580927"]
    # CITES edges are not entity relations: no paper counts as an entity's paper through them
    assert all(graph.nodes[v]["kind"] == "Paper" for u, v, k in graph.edges(data="type") if k == "CITES")


def test_cites_in_rdf_neo4j_and_the_site(built: dict[str, Path], tmp_path: Path) -> None:
    graph = load_graph(built["full"])
    cites = ox.NamedNode("https://w3id.org/kg-ml/ontology#cites")
    turtle = list(ox.parse(path=str(built["full"] / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    found = {(t.subject.value, t.object.value) for t in turtle if t.predicate == cites}
    by_id = {t.subject.value: t.object.value for t in turtle if t.predicate.value.endswith("/terms/identifier")}
    assert {("paper:" + by_id[s], "paper:" + by_id[o]) for s, o in found} == CITES
    assert _triples(built["full"] / "rdf") == {str(t) for t in turtle}  # the parts hold the same triples
    outside = ox.NamedNode("https://w3id.org/kg-ml/ontology#outsideReferenceCount")
    counts = {by_id[t.subject.value]: int(t.object.value) for t in turtle if t.predicate == outside}
    assert counts == {n[6:]: c for n, c in OUTSIDE.items()}
    assert validate(to_rdf(graph)).conforms

    files = write_neo4j_csv(graph, tmp_path / "neo4j")
    rows = (tmp_path / "neo4j" / "citations.csv").read_text().splitlines()
    assert rows[0] == ":START_ID(Paper),:END_ID(Paper),:TYPE" and tmp_path / "neo4j" / "citations.csv" in files
    assert {tuple(r.split(",")[:2]) for r in rows[1:]} == {(u[6:], v[6:]) for u, v in CITES}
    assert f"--relationships={(tmp_path / 'neo4j').resolve()}/citations.csv" in import_command(tmp_path / "neo4j")

    site = built["full"] / "site"
    math_page = next(p for p in (site / "p").glob("*.html") if "DeepSeekMath" in p.read_text(encoding="utf-8"))
    html = math_page.read_text(encoding="utf-8")
    cites_part = html.split('id="cites"')[1].split("</section>")[0]
    cited_part = html.split('id="cited-by"')[1].split("</section>")[0]
    assert "Proximal Policy Optimization Algorithms" in cites_part and cites_part.count('class="paper"') == 1
    for title in ("GRPO Revisited", "DAPO", "Token-Level Credit Assignment"):
        assert title in cited_part
    assert cited_part.count('class="paper"') == 3
    assert "1 reference to works outside this graph." in html


@pytest.mark.parametrize("order", ["oa-first", "s2-first"])
def test_add_gives_the_citations_of_a_full_build(built: dict[str, Path], order: str) -> None:
    full = _canonical(load_graph(built["full"]))
    added = graph_from_state(built[order])
    assert _cites(added) == CITES
    assert _canonical(added) == full
    assert _triples(built[order] / "rdf") == _triples(built["full"] / "rdf")


def test_a_state_written_before_citations_gets_its_tables(fetched: dict[str, Path], tmp_path: Path) -> None:
    """A build state without the citation tables (kg before them) is given them, filled from its papers, by the
    next ``kg add``; the result is the full build's."""
    out = tmp_path / "old"
    kg.build_folder([fetched["openalex"]], out, formats=["graph", "ntriples"])
    db = sqlite3.connect(out / "state.sqlite")
    db.executescript("DROP TABLE paper_key; DROP TABLE citation;")
    db.close()
    assert _cites(graph_from_state(out)) == {(a, b) for a, b in CITES if a in (REVISITED, MATH)}  # read only: as is
    kg.add([fetched["s2"]], out)
    assert _cites(graph_from_state(out)) == CITES


def test_reference_ids_are_normalised_as_paper_ids(tmp_path: Path) -> None:
    assert reference_id("https://openalex.org/W2741809807") == "openalex:W2741809807"
    assert reference_id("w2741809807") == "openalex:W2741809807"
    assert reference_id("https://doi.org/10.18653/V1/N19-1423") == "doi:10.18653/v1/n19-1423"
    assert reference_id("10.48550/arXiv.1706.03762") == "arxiv:1706.03762"
    assert reference_id("arXiv:1706.03762v7") == "arxiv:1706.03762"
    assert reference_id("1706.03762") == "arxiv:1706.03762"
    assert reference_id("204e3073870fae3d05bcbc2f6a8e263d9b72e776") == "s2:204e3073870fae3d05bcbc2f6a8e263d9b72e776"
    assert reference_id("p1a2b3c4d5e6f") == "p1a2b3c4d5e6f" and reference_id("  ") is None
    assert reference_ids("10.1/a; 10.1/b, W1 W1") == ["doi:10.1/a", "doi:10.1/b", "openalex:W1"]

    # plain JSON and CSV inputs may give references by the ids of other papers of the corpus
    rows = [
        {"id": "a", "title": "Alpha", "abstract": "We propose AlphaNet.", "references": ["b", "10.5555/elsewhere"]},
        {"id": "b", "title": "Beta", "abstract": "We propose BetaNet.", "date": "May 3, 2021"},
    ]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "p.csv").write_text('id,title,abstract,references\nc,Gamma,We use AlphaNet.,"a b"\n')
    graph = kg.build(read_papers([tmp_path / "p.jsonl", tmp_path / "p.csv"]))
    assert _cites(graph) == {("paper:a", "paper:b"), ("paper:c", "paper:a"), ("paper:c", "paper:b")}
    assert graph.nodes["paper:a"]["references_outside"] == 1 and graph.nodes["paper:c"]["references_outside"] == 0
    assert graph.nodes["paper:b"]["date"] == "2021-05-03"


def test_cites_pushed_to_a_real_neo4j(built: dict[str, Path], neo4j_target: object) -> None:
    """CITES relationships in a real Neo4j; a citation the build no longer has is removed by the next push."""
    from kg.sinks.neo4j import cypher, push

    graph = load_graph(built["full"])
    push(graph, neo4j_target)  # type: ignore[arg-type]
    query = "MATCH (a:Paper)-[:CITES]->(b:Paper) RETURN a.paper_id AS a, b.paper_id AS b"
    _, rows = cypher(neo4j_target, query)  # type: ignore[arg-type]
    assert {("paper:" + a, "paper:" + b) for a, b in rows} == CITES
    _, rows = cypher(neo4j_target, "MATCH (p:Paper {paper_id: $id}) RETURN p.references_outside", id=DAPO[6:])  # type: ignore[arg-type]
    assert rows == [[1]]
    graph.remove_edge(DAPO, PPO, key="CITES")
    push(graph, neo4j_target)  # type: ignore[arg-type]
    _, rows = cypher(neo4j_target, query)  # type: ignore[arg-type]
    assert {("paper:" + a, "paper:" + b) for a, b in rows} == CITES - {(DAPO, PPO)}


def test_a_copy_that_brings_an_id_lets_older_references_find_it(tmp_path: Path) -> None:
    """A second copy of a paper (same id) with a source id the first lacked is merged into it; an older paper
    whose reference names that source id now cites it, after ``kg add`` as after a full build."""
    first = [
        {"id": "x1", "title": "Citing Paper", "abstract": "We use BetaNet.", "references": ["W9", "W8"]},
        {"id": "arxiv:2401.00001", "title": "Cited Paper", "abstract": "We propose BetaNet.", "date": "2024-01-02"},
    ]
    second = [{**first[1], "alt_ids": ["openalex:W9"]}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in second))
    kg.build_folder([tmp_path / "a.jsonl"], tmp_path / "inc", formats=["graph", "ntriples"])
    assert _cites(graph_from_state(tmp_path / "inc")) == set()
    result = kg.add([tmp_path / "b.jsonl"], tmp_path / "inc")
    assert (result.added, result.changed) == (0, 1)
    kg.build_folder([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], tmp_path / "full", formats=["graph", "ntriples"])
    added, full = graph_from_state(tmp_path / "inc"), load_graph(tmp_path / "full")
    assert _cites(added) == _cites(full) == {("paper:x1", "paper:arxiv:2401.00001")}
    assert added.nodes["paper:x1"]["references_outside"] == 1
    assert _canonical(added) == _canonical(full)
    assert _triples(tmp_path / "inc" / "rdf") == _triples(tmp_path / "full" / "rdf")
