"""Results in Neo4j (``kg neo4j push``; ``kg.sinks.neo4j`` calls this): one ``(:Result)`` node per reported number.

    (:Paper)-[:REPORTS]->(:Result {value, score, better, unit, kind, metric, benchmark, subject, own, setting,
                                   sentence, ...})
    (:Result)-[:ON]->(:Entity)             the benchmark or dataset, when it is an entity of the graph
    (:Result)-[:MEASURED_BY]->(:Metric)    the metric entity the paper names
    (:Result)-[:ACHIEVED_BY]->(:Entity)    the method or model that got the number
    (:Result)-[:COMPARED_WITH]->(:Entity)  the baseline of a gain

``result_id`` is ``<paper id>#<field>-<start>-<end>``. A push first deletes the results of the papers it writes and
then writes them again (a paper's results are few), so pushing twice gives the same graph and results a paper no
longer reports disappear. The Cypher of docs/results.md is ``RESULT_QUERIES``; tests/test_results_sinks.py runs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx

from kg.graph.results import direction

LINKS = {
    "benchmark_node": "ON",
    "metric_node": "MEASURED_BY",
    "subject_node": "ACHIEVED_BY",
    "baseline_node": "COMPARED_WITH",
}
RESULT_RELATIONS = ("REPORTS", *LINKS.values())
PROPERTIES = ("value", "score", "unit", "kind", "metric", "benchmark", "benchmark_text", "subject", "own", "baseline",
              "setting", "error", "text", "sentence", "field", "start", "end", "confidence", "extractor")  # fmt: skip

RESULT_QUERIES = {
    "leaderboard": (
        "MATCH (p:Paper)-[:REPORTS]->(r:Result {kind: 'absolute'})-[:ON]->(b:Entity)\n"
        "WHERE b.name = $name OR $name IN b.aliases\n"
        "RETURN r.metric AS metric, r.setting AS setting, r.text AS value, r.score AS score,\n"
        "       coalesce(r.subject, 'this paper') AS method, p.title AS paper, p.date AS date\n"
        "ORDER BY metric, setting, CASE r.better WHEN 'lower' THEN r.score ELSE -r.score END"
    ),
    "results-of-method": (
        "MATCH (p:Paper)-[:REPORTS]->(r:Result)-[:ACHIEVED_BY]->(m:Entity)\n"
        "WHERE m.name = $name OR $name IN m.aliases\n"
        "RETURN r.benchmark AS benchmark, r.metric AS metric, r.kind AS kind, r.text AS value, p.title AS paper\n"
        "ORDER BY benchmark, kind, value"
    ),
    "benchmarks-with-most-results": (
        "MATCH (:Paper)-[:REPORTS]->(r:Result)-[:ON]->(b:Entity)\n"
        "RETURN b.name AS benchmark, count(r) AS results, count(DISTINCT r.metric) AS metrics\n"
        "ORDER BY results DESC, benchmark\n"
        "LIMIT 10"
    ),
}


def result_id(paper_id: str, item: dict[str, Any]) -> str:
    return f"{paper_id}#{item['field']}-{int(item['start'])}-{int(item['end'])}"


def add_result_rows(graph: nx.MultiDiGraph, rows: Any) -> None:
    """Fill ``rows.results`` (``{"k", "paper", "p"}``) and ``rows.result_links`` (``{"s", "t"}`` by type) from the
    ``results`` of the graph's paper nodes; links only to entities of the graph."""
    entity_key = {
        node: str(data.get("entity_id") or node) for node, data in graph.nodes(data=True) if data.get("kind") != "Paper"
    }
    for node, data in sorted(graph.nodes(data=True), key=lambda item: item[0]):
        if data.get("kind") != "Paper" or not data.get("results"):
            continue
        paper_id = str(data.get("paper_id") or node)
        for item in data["results"]:
            key = result_id(paper_id, item)
            props = {name: item.get(name) for name in PROPERTIES if item.get(name) is not None and item.get(name) != ""}
            props.update(result_id=key, paper_id=paper_id, name=f"{item.get('text')} on {item.get('benchmark')}")
            if item.get("kind") == "absolute":  # which way the metric is better, for ORDER BY in Cypher
                props["better"] = direction(item.get("metric"))
            rows.results.append({"k": key, "paper": paper_id, "p": props})
            for attribute, rel in LINKS.items():
                target = item.get(attribute)
                if target in entity_key:
                    rows.result_links[rel].append({"s": key, "t": entity_key[target]})


def result_statements(rows: Any, dialect: Any, batch_size: int, Statement: Any, plan: Any) -> Iterator[Any]:
    """The writes of the results, after the papers and entities: the pushed papers' old results out, theirs in
    (``Statement`` and ``plan`` are kg.sinks.neo4j's, which calls this)."""

    if dialect.name == "neo4j" and rows.results:  # the key of results, once there are any
        yield Statement(
            "CREATE CONSTRAINT kg_result_id IF NOT EXISTS FOR (n:Result) REQUIRE n.result_id IS UNIQUE",
            {},
            0,
            "write",
            "schema",
        )
    yield orphan_statement(Statement, "results")  # results left without their paper (deleted since): gone
    papers = [{"k": row["k"]} for row in rows.papers]
    clear = (  # a Result has REPORTS in and its links out: deleted relationship by relationship, then the node
        "UNWIND $rows AS row MATCH (:Paper {paper_id: row.k})-[x:REPORTS]->(r:Result) "
        "OPTIONAL MATCH (r)-[y]->() DELETE y WITH DISTINCT x, r DELETE x, r RETURN count(*) AS n"
    )
    for statement in plan(clear, papers, dialect, batch_size):
        yield Statement(statement.query, statement.params, 0, "results", "results")
    create = (
        "UNWIND $rows AS row MATCH (p:Paper {paper_id: row.paper}) "
        "MERGE (r:Result {result_id: row.k}) SET r = row.p MERGE (p)-[:REPORTS]->(r) RETURN count(r) AS n"
    )

    def append(row: dict[str, Any], prop: str) -> tuple[str, dict[str, Any]]:  # a value too long for one query
        return f"MATCH (x:Result {{result_id: $k}}) SET x.{prop} {{op}} $v", {"k": row["k"]}

    for statement in plan(create, rows.results, dialect, batch_size, append):
        yield Statement(statement.query, statement.params, statement.rows, "results", "results")
    for rel in LINKS.values():
        query = (
            f"UNWIND $rows AS row MATCH (r:Result {{result_id: row.s}}) MATCH (b:Entity {{entity_id: row.t}}) "
            f"MERGE (r)-[x:{rel}]->(b) RETURN count(x) AS n"
        )
        for statement in plan(query, rows.result_links.get(rel, []), dialect, batch_size):
            yield Statement(statement.query, statement.params, statement.rows, "results", "results")


def orphan_statement(Statement: Any, kind: str = "prune") -> Any:
    """Results whose paper is gone (``push(prune=True)`` deleted it, or someone else did): deleted too."""
    query = (
        "MATCH (r:Result) WHERE NOT (:Paper)-[:REPORTS]->(r) "
        "OPTIONAL MATCH (r)-[y]->() DELETE y WITH DISTINCT r DELETE r RETURN count(*) AS n"
    )
    return Statement(query, {}, 0, kind, kind)


def empty_links() -> defaultdict[str, list[dict[str, Any]]]:
    return defaultdict(list)
