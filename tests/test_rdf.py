"""RDF export: ontology and SHACL conformance, round trips through rdflib and pyoxigraph, stable IRIs, the
``kg export`` formats and ``kg sparql`` with the documented example queries."""

from __future__ import annotations

import csv
import gzip
import json
import logging
import re
import warnings
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.graph.build import build_graph
from kg.graph.files import load_graph, save_graph
from kg.query.sparql import load_store, run_query
from kg.resolve.relations import Resolution
from kg.sinks import rdf
from kg.sinks.export import export
from kg.types import Entity, Evidence, Paper, Relation

ROOT = Path(__file__).resolve().parents[1]
KG = rdf.KG
runner = CliRunner()


@pytest.fixture(scope="module")
def sample_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The daily-papers sample built once (the shared conftest fixture when there is one)."""
    try:
        return request.getfixturevalue("built_graph_dir")
    except pytest.FixtureLookupError:
        from kg.workflow.build import build

        out = tmp_path_factory.mktemp("rdf-sample") / "out"
        build(sorted((ROOT / "data" / "corpus").glob("daily-papers-*.txt")), out)
        return out


@pytest.fixture(scope="module")
def sample_graph(sample_dir: Path) -> nx.MultiDiGraph:
    return load_graph(sample_dir)


@pytest.fixture(scope="module")
def sample_rdf(sample_graph: nx.MultiDiGraph) -> rdflib.Graph:
    return rdf.to_rdf(sample_graph)


def tricky_graph() -> nx.MultiDiGraph:
    """A small graph through the real builder, with every awkward value the exporters must survive."""
    sentence = 'We fine-tune "Qwen2.5-7B" with DPO\n(see <https://x>) & compare to C++ and C; naïve → 😀.'
    papers = {
        "p1": Paper(
            id="p1",
            title='A "quoted" title with <angle> & \\backslash\\ and a\ttab',
            abstract=sentence,
            date="2024-10-24",
            year=2024,
            authors=["Ada Lovelace", "Émile 'Zola'"],
            author_count=2,
            organisation="Lab <one>",
            venue="NeurIPS",
            url="https://example.org/paper with space?x=1&y=<2>",
            doi="10.1000/ABC#1",
            arxiv_id="2401.12345",
        ),
        "arxiv:2401.12345": Paper(id="arxiv:2401.12345", title="Second", abstract="We use DPO.", date="Oct 2023"),
        "2401-12345": Paper(id="2401-12345", title="Third", abstract="Another paper.", url="not a url"),
    }
    entities = {
        "dpo--direct-preference-optimization": Entity(
            id="dpo--direct-preference-optimization",
            name="DPO",
            type="method",
            full_name="Direct Preference Optimization",
            aliases={"DPO": 3, "Direct Preference Optimization": 1, 'D"P"O\n': 1},
            external_ids={"wikidata": "Q123", "pwc": "dpo", "hf": None, "other": "x y"},
        ),
        "c-plus-plus": Entity(id="c-plus-plus", name="C++", type="model", family="C family"),
        "c": Entity(id="c", name="C", type="model", generic=True),
        "qwen2-5-7b": Entity(
            id="qwen2-5-7b", name="Qwen2.5-7B", type="model", family="Qwen2.5", external_ids={"hf": "Qwen/Qwen2.5-7B"}
        ),
        "qwen2-5": Entity(id="qwen2-5", name="Qwen2.5", type="model"),
        "mmlu": Entity(id="mmlu", name="MMLU", type="benchmark", external_ids={"hf": "cais/mmlu"}),
        "Weird Id!": Entity(id="Weird Id!", name="weird <name>", type="dataset"),
    }

    def evidence(text: str, start: int, extractor: str = "gazetteer", confidence: float = 0.9) -> Evidence:
        return Evidence("abstract", start, start + len(text), text, sentence, extractor, confidence)

    relations = [
        Relation("p1", "dpo--direct-preference-optimization", "USES",
                 [evidence("DPO", 32), evidence("DPO", 32, "Shape Rule/2", 0.5)], 0.9),
        Relation("p1", "qwen2-5-7b", "USES", [evidence("Qwen2.5-7B", 13, "pattern")], 0.75),
        Relation("p1", "c-plus-plus", "PROPOSES", [evidence("C++", 73)], 1.0),
        Relation("p1", "c", "MENTIONS", [evidence("C", 81, confidence=0.333333)], 0.333333),
        Relation("p1", "mmlu", "EVALUATES_ON", [Evidence("title", 2, 8, "quoted", "A title", "title", 0.6)], 0.6),
        Relation("arxiv:2401.12345", "dpo--direct-preference-optimization", "USES",
                 [Evidence("abstract", 7, 10, "DPO", "We use DPO.", "gazetteer", 1.0)], 1.0),
        Relation("2401-12345", "Weird Id!", "MENTIONS", [], 0.5),
    ]  # fmt: skip
    return build_graph(Resolution(entities=entities, relations=relations, papers=papers))


def as_set(triples) -> set[tuple[str, str, str]]:
    """Triples as N-Triples term strings, comparable across rdflib and pyoxigraph."""
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in triples}


def oxigraph_set(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    return as_set(rdf.rdflib_to_oxigraph(graph))


# --- ontology and shapes ------------------------------------------------------------------------------------


def test_ontology_declares_every_term_the_export_uses(sample_rdf: rdflib.Graph) -> None:
    ontology = rdflib.Graph().parse(rdf.ONTOLOGY_FILE)
    declared = set(ontology.subjects())
    used = {p for p in sample_rdf.predicates() if str(p).startswith(str(KG))}
    used |= {o for o in sample_rdf.objects(None, rdflib.RDF.type) if str(o).startswith(str(KG))}
    assert used and used <= declared, used - declared
    labels = {s for s in ontology.subjects(rdflib.RDFS.label)}
    assert used <= labels
    # reuse: entities are SKOS concepts, papers schema.org/DCTERMS articles, evidence PROV entities
    assert (KG.ResearchEntity, rdflib.RDFS.subClassOf, rdflib.SKOS.Concept) in ontology
    assert (KG.Paper, rdflib.RDFS.subClassOf, rdf.SCHEMA.ScholarlyArticle) in ontology
    assert (KG.Evidence, rdflib.RDFS.subClassOf, rdflib.PROV.Entity) in ontology
    assert (KG.evaluatesOn, rdflib.RDFS.subPropertyOf, KG.uses) in ontology


def test_sample_graph_conforms_to_the_shapes(sample_rdf: rdflib.Graph) -> None:
    result = rdf.validate(sample_rdf)
    assert result.conforms, result.report
    assert result.violations == 0
    # warnings are data doubts of the extractor, never export errors
    assert all("benchmark nor a dataset" in w or "not part of the evidence sentence" in w for w in result.warnings)


def test_tricky_graph_conforms_and_shapes_catch_broken_exports() -> None:
    good = rdf.to_rdf(tricky_graph())
    assert rdf.validate(good).conforms

    def broken(change) -> rdf.Validation:
        graph = rdflib.Graph()
        for triple in good:
            graph.add(triple)
        change(graph)
        return rdf.validate(graph)

    paper = rdf.paper_iri(rdf.DEFAULT_BASE, "p1")
    dpo = rdf.entity_iri(rdf.DEFAULT_BASE, "method", "dpo--direct-preference-optimization")
    unasserted = broken(lambda g: g.remove((paper, KG.uses, dpo)))
    assert not unasserted.conforms and "does not assert" in unasserted.report
    two_names = broken(lambda g: g.add((dpo, rdflib.SKOS.prefLabel, rdflib.Literal("Another"))))
    assert not two_names.conforms
    evidence = next(good.subjects(rdflib.RDF.type, KG.Evidence))
    other = rdf.paper_iri(rdf.DEFAULT_BASE, "2401-12345")
    wrong_quote = broken(lambda g: g.set((evidence, rdflib.PROV.wasQuotedFrom, other)))
    assert not wrong_quote.conforms and "another paper" in wrong_quote.report
    bad_offsets = broken(lambda g: g.set((evidence, KG.start, rdflib.Literal(10_000))))
    assert not bad_offsets.conforms
    unknown_property = broken(lambda g: g.add((paper, KG.supersedes, other)))  # kg:cites is known (citations)
    assert not unknown_property.conforms


# --- IRIs ---------------------------------------------------------------------------------------------------


def test_iris_are_readable_stable_and_distinct() -> None:
    assert rdf.local_name("dpo--direct-preference-optimization") == "dpo--direct-preference-optimization"
    assert rdf.local_name("arxiv:2401.12345") == "arxiv-2401-12345"
    assert rdf.local_name("2401.12345") != rdf.local_name("2401-12345") == "2401-12345"
    assert re.fullmatch(r"doi-10-1000-abc-[0-9a-f]{6}", rdf.local_name("doi:10.1000/ABC"))
    assert rdf.local_name("Weird Id!") == rdf.local_name("Weird Id!") != rdf.local_name("weird-id")
    assert str(rdf.entity_iri("http://example.org/kg", "method", "dpo")) == "http://example.org/kg/method/dpo"
    for bad in ("not an iri", "", "http://x/<y>", "relative/path/"):
        with pytest.raises(KgError, match="base IRI"):
            rdf.normalise_base(bad)


def test_export_is_deterministic_and_honours_the_base(tmp_path: Path) -> None:
    graph = tricky_graph()
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    rdf.write_turtle(graph, first)
    rdf.write_turtle(tricky_graph(), second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "method:dpo--direct-preference-optimization" in text and "model:c-plus-plus" in text
    base = "http://example.org/graph"
    triples = as_set(ox.parse(rdf.to_rdf(graph, base).serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES))
    nodes = {s for s, _, _ in triples}
    assert all(s.startswith("<http://example.org/graph/") for s in nodes)
    assert "<http://example.org/graph/paper/arxiv-2401-12345>" in nodes


# --- round trips --------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_round_trip_through_rdflib_and_pyoxigraph(tmp_path: Path, fmt: str) -> None:
    graph = tricky_graph()
    expected = rdf.to_rdf(graph)
    path = tmp_path / f"graph.{fmt}"
    assert rdf.write_rdf(graph, path, fmt) == len(expected)
    back = rdflib.Graph().parse(path, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt])
    assert set(back) == set(expected)
    assert as_set(ox.parse(path=str(path), format=rdf.rdf_format(fmt))) == oxigraph_set(expected)
    packed = tmp_path / f"graph.{fmt}.gz"
    rdf.write_rdf(graph, packed, fmt)
    assert as_set(ox.parse(gzip.decompress(packed.read_bytes()), format=rdf.rdf_format(fmt))) == oxigraph_set(expected)


def test_sample_graph_round_trips_and_loads_in_pyoxigraph_without_warnings(
    sample_graph: nx.MultiDiGraph, sample_rdf: rdflib.Graph, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = oxigraph_set(sample_rdf)
    for fmt in ("turtle", "ntriples", "jsonld"):
        path = tmp_path / f"graph.{fmt}"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert rdf.write_rdf(sample_graph, path, fmt) == len(sample_rdf)
            store = ox.Store()
            store.load(path=str(path), format=rdf.rdf_format(fmt))  # strict parser: raises on any error
            assert len(store) == len(sample_rdf)
            assert as_set(q.triple for q in store) == expected
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        back = rdflib.Graph().parse(tmp_path / "graph.turtle", format="turtle")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert set(back) == set(sample_rdf)


# --- kg export ----------------------------------------------------------------------------------------------


@pytest.fixture()
def tricky_dir(tmp_path: Path) -> Path:
    save_graph(tricky_graph(), tmp_path)
    return tmp_path


def test_cli_export_writes_every_format(tricky_dir: Path) -> None:
    graph = load_graph(tricky_dir)
    for fmt, name in [("turtle", "graph.ttl"), ("ntriples", "graph.nt"), ("jsonld", "graph.jsonld")]:
        result = runner.invoke(app, ["export", str(tricky_dir), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert (tricky_dir / name).stat().st_size > 0
    result = runner.invoke(app, ["export", str(tricky_dir), "-f", "graphml", "--base-iri", "http://example.org/"])
    assert result.exit_code == 0, result.output
    flat = nx.read_graphml(tricky_dir / "graph.graphml", force_multigraph=True)
    assert flat.number_of_nodes() == graph.number_of_nodes() and flat.number_of_edges() == graph.number_of_edges()
    assert flat.nodes["entity:c-plus-plus"]["iri"] == "http://example.org/model/c-plus-plus"
    assert json.loads(flat.nodes["entity:dpo--direct-preference-optimization"]["aliases"])['D"P"O\n'] == 1
    result = runner.invoke(app, ["export", str(tricky_dir), "-f", "csv", "-o", str(tricky_dir / "tables")])
    assert result.exit_code == 0, result.output
    with open(tricky_dir / "tables" / "nodes.csv", encoding="utf-8", newline="") as handle:
        nodes = list(csv.DictReader(handle))
    with open(tricky_dir / "tables" / "evidence.csv", encoding="utf-8", newline="") as handle:
        evidence = list(csv.DictReader(handle))
    assert len(nodes) == graph.number_of_nodes()
    assert len(evidence) == sum(len(d.get("evidence") or []) for _, _, d in graph.edges(data=True))
    assert {row["sentence"] for row in evidence} >= {"We use DPO."}
    assert any("\n" in row["sentence"] for row in evidence)  # quoted, not split


def test_cli_export_validate_and_errors(tricky_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tricky_dir), "-f", "ntriples", "--validate"])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output
    result = runner.invoke(app, ["export", str(tricky_dir), "--base-iri", "no iri"])
    assert result.exit_code == 2 and "base IRI" in result.output
    result = runner.invoke(app, ["export", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "no graph here" in result.output
    graph = tricky_graph()
    graph.add_edge("paper:p1", "entity:c", key="SUPERSEDES", type="SUPERSEDES")
    with pytest.raises(KgError, match="unknown relation type 'SUPERSEDES'"):
        rdf.to_rdf(graph)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "graph.json").write_text('{"nodes": [\n  {"id": 1,}\n]}', encoding="utf-8")
    result = runner.invoke(app, ["export", str(bad)])
    assert result.exit_code == 1 and "graph.json:2" in result.output


def test_neo4j_csv_is_dispatched_to_its_module(tricky_dir: Path) -> None:
    try:
        import kg.sinks.neo4j_csv  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(KgError, match=r"neo4j-csv needs kg/neo4j_csv\.py"):
            export(load_graph(tricky_dir), "neo4j-csv", tricky_dir / "neo4j")
    else:
        result = export(load_graph(tricky_dir), "neo4j-csv", tricky_dir / "neo4j")
        assert result.paths and all(Path(p).exists() for p in result.paths)


# --- kg sparql ----------------------------------------------------------------------------------------------


def documented_queries() -> list[tuple[str, str]]:
    """(title, query) of every ```sparql block in docs/sparql.md."""
    text = (ROOT / "docs" / "sparql.md").read_text(encoding="utf-8")
    found = re.findall(r"^## (.+?)\n.*?```sparql\n(.*?)```", text, flags=re.S | re.M)
    assert len(found) >= 3
    return found


def test_documented_queries_answer_on_the_sample(sample_dir: Path) -> None:
    store = load_store(sample_dir)
    answers = {}
    for title, query in documented_queries():
        result = run_query(store, query, source=title)
        answers[title] = [[None if t is None else t.value for t in row] for row in result]
    # queries about one named entity (GRPO, TruthfulQA) depend on what extraction finds; the others must answer
    general = [title for title, query in documented_queries() if '"' not in query]
    assert len(general) >= 4 and all(answers[title] for title in general)
    # every paper listed as evaluating on a benchmark does so in the graph
    graph = load_graph(sample_dir)
    evaluations = {
        (graph.nodes[s]["label"], graph.nodes[t]["label"])
        for s, t, d in graph.edges(data=True)
        if d["type"] == "EVALUATES_ON"
    }
    first = next(rows for title, rows in answers.items() if "evaluate on a benchmark" in title.lower())
    assert {(row[1], row[2]) for row in first} <= evaluations


def test_cli_sparql_formats_and_errors(tricky_dir: Path, tmp_path: Path) -> None:
    query = "SELECT ?name WHERE { ?e a kg:Model ; skos:prefLabel ?name } ORDER BY ?name"
    result = runner.invoke(app, ["sparql", query, "--out", str(tricky_dir), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["name", "C", "C++", "Qwen2.5", "Qwen2.5-7B"]
    result = runner.invoke(app, ["sparql", query, "--out", str(tricky_dir), "-f", "json"])
    names = [b["name"]["value"] for b in json.loads(result.output)["results"]["bindings"]]
    assert names == ["C", "C++", "Qwen2.5", "Qwen2.5-7B"]
    result = runner.invoke(app, ["sparql", query, "--out", str(tricky_dir)])
    assert result.exit_code == 0 and "Qwen2.5-7B" in result.output and "4 rows" in result.output
    rdf.write_turtle(load_graph(tricky_dir), tmp_path / "g.ttl")
    ask = "ASK { paper:p1 kg:uses method:dpo--direct-preference-optimization }"
    result = runner.invoke(app, ["sparql", ask, "--out", str(tmp_path / "g.ttl")])
    assert result.exit_code == 0 and result.output.strip() == "true"
    (tmp_path / "q.rq").write_text("SELECT ?x WHERE {\n  ?x nope:p ?y\n}\n", encoding="utf-8")
    result = runner.invoke(app, ["sparql", f"@{tmp_path / 'q.rq'}", "--out", str(tricky_dir)])
    assert result.exit_code == 1 and f"{tmp_path / 'q.rq'}:2: SPARQL syntax error" in result.output
    assert "unknown prefix" in result.output and len(result.output.strip().splitlines()) == 1
    (tmp_path / "bad.ttl").write_text('@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n')
    result = runner.invoke(app, ["sparql", query, "--out", str(tmp_path / "bad.ttl")])
    assert result.exit_code == 1 and "bad.ttl:3: not valid turtle" in result.output
