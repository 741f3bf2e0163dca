"""Results in every sink (issue 23): the graph's ``results`` attribute and graph.json, leaderboards by the metric's
direction, RDF that conforms to the SHACL shapes (and the SPARQL of docs/results.md), results.csv, Neo4j (and the
Cypher of docs/results.md), ``kg query results`` / ``kg query best`` and the Python API; the site is in
tests/test_results_site.py."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

import kg
from kg.graph.files import load_graph, save_graph
from kg.graph.results import leaderboards, result_rows
from kg.types import Paper

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "results.md"

PAPERS = [
    Paper("r1", "AlphaGen: fast image generation",
          "We propose AlphaGen, a diffusion sampler. AlphaGen achieves an FID of 3.1 on CIFAR-10 and 7.2 on MT-Bench.",
          date="2021-03-01", year=2021),
    Paper("r2", "BetaGen: better sampling",
          "We propose BetaGen. BetaGen reaches an FID of 2.4 on CIFAR-10, improving over AlphaGen by 0.7 FID.",
          date="2022-06-01", year=2022),
    Paper("r3", "A study of GammaGen",
          "GammaGen obtains an FID of 2.9 on CIFAR-10 and an Inception Score of 9.1 on CIFAR-10.",
          date="2023-01-15", year=2023),
    Paper("r4", "DeltaGen: one-step generation",
          "We propose DeltaGen, which achieves 1.8 FID on CIFAR-10 and 8.1 on MT-Bench.", date="2024-02-02", year=2024),
    Paper("r5", "No numbers here", "We study samplers on CIFAR-10 without reporting numbers.", year=2024),
]  # fmt: skip


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return kg.build(PAPERS)


@pytest.fixture(scope="module")
def folder(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("results") / "out"
    out.mkdir()
    save_graph(graph, out)
    return out


def test_results_are_paper_attributes_linked_to_entity_nodes(graph: nx.MultiDiGraph, folder: Path) -> None:
    items = graph.nodes["paper:r1"]["results"]
    assert [(r["text"], r["kind"], r["benchmark"], r["metric"], r["subject"]) for r in items] == [
        ("3.1", "absolute", "CIFAR-10", "FID", "AlphaGen"),
        ("7.2", "absolute", "MT-Bench", "MT-Bench score", "AlphaGen"),
    ]
    first = items[0]
    assert first["benchmark_node"] == "entity:cifar-10" and graph.nodes[first["subject_node"]]["label"] == "AlphaGen"
    assert PAPERS[0].abstract[first["start"] : first["end"]] == "3.1" and first["field"] == "abstract"
    assert "results" not in graph.nodes["paper:r5"]
    gain = graph.nodes["paper:r2"]["results"][1]
    assert (gain["kind"], gain["value"], gain["metric"]) == ("gain", 0.7, "FID")
    assert load_graph(folder).nodes["paper:r1"]["results"] == items  # graph.json keeps them


def test_leaderboards_rank_by_direction_and_keep_gains_apart(graph: nx.MultiDiGraph) -> None:
    boards = leaderboards(result_rows(graph))
    cifar = boards["entity:cifar-10"]
    fid = next(b for b in cifar.boards if b.metric == "FID")
    assert fid.direction == "lower"
    assert [(r.method(), r.item["value"]) for r in fid.rows] == [
        ("DeltaGen", 1.8), ("BetaGen", 2.4), ("GammaGen", 2.9), ("AlphaGen", 3.1)
    ]  # fmt: skip
    assert [b.metric for b in cifar.boards] == ["FID", "IS"]
    assert [(r.method(), r.item["value"]) for r in cifar.gains] == [("BetaGen", 0.7)]
    best_by_date = [(date, row.method()) for date, row, better in fid.over_time() if better]
    assert best_by_date == [("2021-03-01", "AlphaGen"), ("2022-06-01", "BetaGen"), ("2024-02-02", "DeltaGen")]
    mt = boards["entity:mt-bench"].boards[0]
    assert (mt.metric, mt.direction, [r.method() for r in mt.rows]) == (
        "MT-Bench score",
        "higher",
        ["DeltaGen", "AlphaGen"],
    )


def test_query_api_and_cli(graph: nx.MultiDiGraph, folder: Path) -> None:
    hits = kg.results(graph, benchmark="cifar10")  # any spelling
    assert [(h.metric, h.kind, h.rank, h.method) for h in hits][:5] == [
        ("FID", "absolute", 1, "DeltaGen"),
        ("FID", "absolute", 2, "BetaGen"),
        ("FID", "absolute", 3, "GammaGen"),
        ("FID", "absolute", 4, "AlphaGen"),
        ("IS", "absolute", 1, "GammaGen"),
    ]
    assert [h.kind for h in hits][-1] == "gain"
    assert [h.method for h in kg.results(graph, benchmark="CIFAR-10", since="2023")] == [
        "DeltaGen",
        "GammaGen",
        "GammaGen",
    ]
    assert {h.benchmark for h in kg.results(graph, method="AlphaGen")} == {"CIFAR-10", "MT-Bench"}
    assert [(h.metric, h.method, h.shown) for h in kg.best(graph, "CIFAR-10")] == [
        ("FID", "DeltaGen", "1.8"),
        ("IS", "GammaGen", "9.1"),
    ]
    assert [h.method for h in kg.best(graph, "MT-Bench")] == ["DeltaGen"]
    with pytest.raises(kg.errors.KgError, match="no results reported"):
        kg.best(graph, "AlphaGen")
    from kg.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["query", "results", "--benchmark", "MT-Bench", "--out", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["method"], r["value"], r["rank"]) for r in rows] == [("DeltaGen", 8.1, 1), ("AlphaGen", 7.2, 2)]
    result = runner.invoke(app, ["query", "best", "CIFAR-10", "--metric", "FID", "--out", str(folder), "--csv"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(result.output.splitlines()))
    assert [(r["method"], r["value"], r["metric"]) for r in table] == [("DeltaGen", "1.8", "FID")]
    result = runner.invoke(app, ["query", "results", "--method", "DPO", "--out", str(folder)])
    assert result.exit_code == 1 and "DPO" in result.output  # no such entity: one line, exit 1
    result = runner.invoke(app, ["query", "results", "--out", str(folder), "--kind", "gain"])
    assert result.exit_code == 0 and "BetaGen" in result.output and "DeltaGen" not in result.output


def test_rdf_results_conform_to_the_shapes(graph: nx.MultiDiGraph) -> None:
    rdf = kg.to_rdf(graph)
    report = kg.validate(rdf)
    assert report.conforms, report.report
    answer = rdf.query(
        "SELECT ?value ?score WHERE { ?r a kg:Result ; kg:achieverName 'DeltaGen' ; kg:metricName 'FID' ; "
        "kg:value ?value ; kg:score ?score }",
        initNs={"kg": kg.sinks.rdf.KG},
    )
    [(value, _score)] = list(answer)
    assert str(value.datatype).endswith("#decimal") and float(value.toPython()) == pytest.approx(1.8)
    # a broken result (two values, a kind out of the list) does not conform
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    result = next(rdf.subjects(kg.sinks.rdf.KG.resultKind, Literal("gain")))
    rdf.add((result, kg.sinks.rdf.KG.value, Literal("9", datatype=XSD.decimal)))
    rdf.set((result, kg.sinks.rdf.KG.resultKind, Literal("guess")))
    assert not kg.validate(rdf).conforms
    assert isinstance(result, URIRef) and "/result/" in str(result)


def documented(kind: str) -> list[tuple[str, str]]:
    """(title, query) of every ```kind block of docs/results.md, titled by its first comment line."""
    found = []
    for block in re.findall(rf"^```{kind}\n(.*?)^```", DOCS.read_text(encoding="utf-8"), flags=re.S | re.M):
        lines = block.strip().splitlines()
        title = lines[0].lstrip("#/ ").strip() if lines and lines[0].startswith(("#", "//")) else ""
        found.append((title, block))
    return found


def test_documented_sparql_answers(graph: nx.MultiDiGraph, folder: Path) -> None:
    from kg.query.sparql import load_store, run_query
    from kg.sinks.rdf import write_turtle

    write_turtle(graph, folder / "graph.ttl")
    store = load_store(folder)
    queries = documented("sparql")
    assert len(queries) >= 3
    answers = {}
    for title, query in queries:
        answers[title] = [
            [None if t is None else t.value for t in row] for row in run_query(store, query, source=title)
        ]
    leaderboard = next(rows for title, rows in answers.items() if title.lower().startswith("leaderboard"))
    assert [row[1] for row in leaderboard] == ["DeltaGen", "BetaGen", "GammaGen", "AlphaGen"]
    best = next(rows for title, rows in answers.items() if title.lower().startswith("best"))
    assert ["CIFAR-10", "FID", "1.8", "DeltaGen"] in [row[:4] for row in best]
    gains = next(rows for title, rows in answers.items() if "gain" in title.lower())
    assert [row[:3] for row in gains] == [["BetaGen", "0.7", "AlphaGen"]]
    assert all(answers.values())


def test_results_csv(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    kg.export(graph, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "results.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(d.get("results") or []) for _, d in graph.nodes(data=True))
    delta = next(r for r in rows if r["method"] == "DeltaGen" and r["metric"] == "FID")
    assert (delta["value"], delta["kind"], delta["benchmark"], delta["date"]) == (
        "1.8",
        "absolute",
        "CIFAR-10",
        "2024-02-02",
    )
    assert delta["result_iri"].startswith("https://w3id.org/kg-ml/result/r4.abstract-")
    assert delta["benchmark_iri"].endswith("/cifar-10") and delta["sentence"].startswith("We propose DeltaGen")


# ---------------------------------------------------------------------------------------------- Neo4j


def test_neo4j_results_and_documented_cypher(graph: nx.MultiDiGraph, neo4j_target: Any) -> None:
    from kg.sinks.neo4j import Connection, cypher, push
    from kg.sinks.neo4j_results import RESULT_QUERIES

    push(graph, neo4j_target)
    push(graph, neo4j_target, batch_size=1)  # twice: the same graph
    with Connection(neo4j_target) as conn:
        counts = conn.records("MATCH (p:Paper)-[:REPORTS]->(r:Result) RETURN count(r) AS n")[1]
        links = conn.records("MATCH (r:Result)-[x]->(:Entity) RETURN type(x) AS t, count(*) AS n ORDER BY t")[1]
    total = sum(len(d.get("results") or []) for _, d in graph.nodes(data=True))
    assert counts == [[total]]
    assert dict(links)["ON"] == total and dict(links)["ACHIEVED_BY"] == total
    queries = documented("cypher")
    text = DOCS.read_text(encoding="utf-8")
    assert all(query in text for query in RESULT_QUERIES.values())  # the docs show the code's Cypher, verbatim
    assert len(queries) >= len(RESULT_QUERIES)
    answers = {}
    for title, query in queries:
        columns, rows = cypher(
            neo4j_target, query.split("\n", 1)[1] if query.startswith("//") else query, name="CIFAR-10"
        )
        answers[title] = [dict(zip(columns, row, strict=True)) for row in rows]
    board = next(rows for title, rows in answers.items() if title.lower().startswith("leaderboard"))
    fid = [row["method"] for row in board if row["metric"] == "FID"]
    assert fid == [h.method for h in kg.results(graph, benchmark="CIFAR-10", metric="FID", kind="absolute")]
    most = next(rows for title, rows in answers.items() if "most" in title.lower())
    assert most[0]["benchmark"] == "CIFAR-10" and most[0]["results"] == 6
    # a paper taken out of the build (prune) takes its results with it
    smaller = kg.build(PAPERS[1:])
    push(smaller, neo4j_target, prune=True)
    with Connection(neo4j_target) as conn:
        ids = {row[0] for row in conn.records("MATCH (r:Result) RETURN r.result_id AS k")[1]}
    assert not any(key.startswith("r1#") for key in ids)


def _results_dump(target: Any) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    """The (:Result) nodes by key with their properties, and every relationship into or out of one."""
    from kg.sinks.neo4j import Connection

    with Connection(target) as conn:
        nodes = conn.records("MATCH (r:Result) RETURN r.result_id AS k, properties(r) AS p")[1]
        links = conn.records(
            "MATCH (a)-[x]->(b) WHERE a:Result OR b:Result "
            "RETURN coalesce(a.result_id, a.paper_id) AS s, type(x) AS t, coalesce(b.entity_id, b.result_id) AS e"
        )[1]
    return {k: p for k, p in nodes}, {(s, t, e) for s, t, e in links}


def test_neo4j_csv_results_import_into_a_real_neo4j_as_a_push_writes_them(
    graph: nx.MultiDiGraph, neo4j_server: Any, neo4j_target: Any, tmp_path: Path
) -> None:
    """results.csv, reports.csv and result-links.csv, imported by the documented neo4j-admin command, give the
    (:Result) nodes, properties and relationships of ``kg neo4j push``, and the documented Cypher answers alike."""
    import shlex

    from kg.sinks.neo4j import Connection, cypher, push
    from kg.sinks.neo4j_csv import RESULT_FILES, import_command, write_neo4j_csv
    from kg.sinks.neo4j_results import RESULT_QUERIES

    folder = tmp_path / "neo4j"
    names = [path.name for path in write_neo4j_csv(graph, folder)]
    assert all(name in names for name in RESULT_FILES)
    with (folder / "results.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[0] == "result_id:ID(Result)" and "value:double" in header and "start:long" in header
    assert "kg_result_id" in (folder / "schema.cypher").read_text(encoding="utf-8")
    neo4j_server.admin(*shlex.split(import_command(folder))[1:])
    with Connection(neo4j_target) as conn:
        for statement in (folder / "schema.cypher").read_text(encoding="utf-8").split(";"):
            if statement.strip():
                conn.run(statement)
    imported = _results_dump(neo4j_target)
    total = sum(len(d.get("results") or []) for _, d in graph.nodes(data=True))
    assert len(imported[0]) == total and sum(1 for _, t, _ in imported[1] if t == "REPORTS") == total
    answers = {name: cypher(neo4j_target, query, name="CIFAR-10")[1] for name, query in RESULT_QUERIES.items()}
    push(graph, neo4j_target)  # a push onto the import: the same results
    assert _results_dump(neo4j_target) == imported
    assert {name: cypher(neo4j_target, query, name="CIFAR-10")[1] for name, query in RESULT_QUERIES.items()} == answers
    assert answers["leaderboard"][0][4] == "DeltaGen"  # FID, lower is better: 1.8 first (column: method)


def test_neo4j_csv_without_results_has_headers_only(tmp_path: Path) -> None:
    from kg.sinks.neo4j_csv import write_neo4j_csv

    folder = tmp_path / "neo4j"
    write_neo4j_csv(kg.build(PAPERS[4:]), folder)
    assert (folder / "results.csv").read_text(encoding="utf-8") == "result_id:ID(Result),:LABEL\n"
    assert (folder / "reports.csv").read_text(encoding="utf-8") == ":START_ID(Paper),:END_ID(Result),:TYPE\n"
    assert "kg_result_id" not in (folder / "schema.cypher").read_text(encoding="utf-8")
