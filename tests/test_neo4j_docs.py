"""The Cypher examples of README.md and docs/neo4j.md, run verbatim against the real Neo4j the suite starts.

Every ```cypher block is read from the files at test time and cut into queries at their ``//`` title lines; each
query runs through ``kg cypher ... --json`` on the sample corpus, and its answer is compared with the same
question asked of the pushed rows in Python. A query whose title has no expected answer here fails, so does one
that errs or answers differently, and so does an expected answer whose query left the docs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.graph.files import load_graph
from kg.sinks.neo4j import QUERIES, Rows, Target, graph_rows, push

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "neo4j.md"]
BLOCK = re.compile(r"^```cypher\n(.*?)^```", re.DOTALL | re.MULTILINE)


def examples(path: Path) -> list[tuple[str, str]]:
    """(title, query) for every query of every cypher block of ``path``; a new query starts at a ``//`` line that
    follows query text, and its title is that line."""
    found = []
    for block in BLOCK.findall(path.read_text(encoding="utf-8")):
        queries: list[list[str]] = []
        for line in block.splitlines():
            if not queries or (line.startswith("//") and any(not ln.startswith("//") for ln in queries[-1])):
                queries.append([])
            queries[-1].append(line)
        for lines in queries:
            title = lines[0][2:].strip() if lines[0].startswith("//") else ""
            found.append((title, "\n".join(lines).strip()))
    return found


class Sample:
    """The pushed rows of the sample corpus, with the questions of the docs answered in plain Python."""

    def __init__(self, rows: Rows) -> None:
        self.papers = {row["k"]: row["p"] for row in rows.papers}
        self.entities = {row["k"]: (label, row["p"]) for label, got in rows.entities.items() for row in got}
        self.edges = [(row["s"], rel, row["t"]) for rel, got in rows.relations.items() for row in got]
        self.props = {(row["s"], rel, row["t"]): row["p"] for rel, got in rows.relations.items() for row in got}

    def named(self, label: str, name: str, aliases: bool = True) -> set[str]:
        return {
            key
            for key, (kind, props) in self.entities.items()
            if kind == label and (props["name"] == name or (aliases and name in props.get("aliases", [])))
        }

    def uses(self, paper: str, rels: tuple[str, ...], label: str) -> set[str]:
        return {t for s, rel, t in self.edges if s == paper and rel in rels and self.entities[t][0] == label}

    def papers_on(self, entities: set[str], rels: tuple[str, ...]) -> list[tuple[str, str, str]]:
        return [(s, rel, t) for s, rel, t in self.edges if t in entities and rel in rels and s in self.papers]

    def name(self, key: str) -> str:
        return self.papers[key]["name"] if key in self.papers else self.entities[key][1]["name"]

    def method_pairs(self) -> Counter[tuple[str, str]]:
        """Papers that propose or use both, by (name of method_a, name of method_b), entity key of a < b's."""
        pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
        for paper in self.papers:
            used = sorted(self.uses(paper, ("PROPOSES", "USES"), "Method"))
            for i, a in enumerate(used):
                for b in used[i + 1 :]:
                    pairs[(self.name(a), self.name(b))].add(paper)
        return Counter({names: len(papers) for names, papers in pairs.items()})

    def count_by_name(self, found: list[tuple[str, str]]) -> list[tuple[str, int]]:
        """(entity key, paper) pairs -> (name, distinct papers), as Cypher's ``RETURN x.name, count(DISTINCT p)``
        groups them, ordered by papers descending, then name."""
        papers: dict[str, set[str]] = defaultdict(set)
        for key, paper in found:
            papers[self.name(key)].add(paper)
        return sorted(((name, len(got)) for name, got in papers.items()), key=lambda row: (-row[1], row[0]))

    def benchmark_distance(self, start: str, end: str) -> int:
        """Steps of the shortest chain start -> method -> ... -> end, one step being a method, a paper that uses it
        and evaluates on a benchmark, and another paper that evaluates on it and uses the next method; as Cypher
        matches it, no relationship twice (so a chain passes a method on by two different uses of it)."""
        uses: dict[str, set[tuple[str, str]]] = defaultdict(set)  # method -> (paper, relationship type)
        evals: dict[str, set[str]] = defaultdict(set)  # paper -> benchmarks
        on: dict[str, set[str]] = defaultdict(set)  # benchmark -> papers
        for s, rel, t in self.edges:
            if rel in ("PROPOSES", "USES") and self.entities[t][0] == "Method":
                uses[t].add((s, rel))
            elif rel == "EVALUATES_ON" and self.entities[t][0] == "Benchmark":
                evals[s].add(t)
                on[t].add(s)
        users: dict[str, set[tuple[str, str]]] = defaultdict(set)  # paper -> (method, relationship type)
        for method, found in uses.items():
            for paper, rel in found:
                users[paper].add((method, rel))
        layer: set[tuple[str, tuple[str, str] | None]] = {(start, None)}
        seen = set(layer)
        for distance in range(1, 50):
            layer = {
                (m2, (p2, rel2))
                for method, arrived in layer
                for p1, rel1 in uses[method]
                if (p1, rel1) != arrived
                for benchmark in evals[p1]
                for p2 in on[benchmark] - {p1}
                for m2, rel2 in users[p2]
            } - seen
            if any(method == end for method, _ in layer):
                return distance
            seen |= layer
        raise AssertionError(f"no chain from {start} to {end}")


def table(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in rows]


def sorted_by(rows: list[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], Any]) -> bool:
    return all(key(a) <= key(b) for a, b in itertools.pairwise(rows))


# --- the expected answers, by the title line of each query ---------------------------------------------------------


def papers_on_benchmark(s: Sample, got: list[dict[str, Any]], name: str, with_id: bool) -> None:
    benchmarks = s.named("Benchmark", name)
    want = []
    for paper, rel, _ in s.papers_on(benchmarks, ("USES", "EVALUATES_ON")):
        props = s.papers[paper]
        want.append(((paper,) if with_id else ()) + (props.get("title"), props.get("year"), rel))
    rows = table(got)
    assert want and sorted(rows, key=repr) == sorted(want, key=repr)
    assert sorted_by(rows, lambda row: row[1 if with_id else 0])


def methods_on_benchmark(s: Sample, got: list[dict[str, Any]], name: str, ordered: bool) -> None:
    papers = {p for p, _, _ in s.papers_on(s.named("Benchmark", name), ("EVALUATES_ON",))}
    want = s.count_by_name([(m, p) for p in papers for m in s.uses(p, ("PROPOSES", "USES"), "Method")])
    rows = table(got)
    assert want
    if ordered:
        assert rows == want
    else:
        assert sorted(rows) == sorted(want) and sorted_by(rows, lambda row: -row[1])


def methods_together(s: Sample, got: list[dict[str, Any]], ordered: bool) -> None:
    every = sorted(((a, b, n) for (a, b), n in s.method_pairs().items()), key=lambda row: (-row[2], row[0], row[1]))
    rows = table(got)
    assert len(rows) == min(20, len(every)) == 20
    if ordered:
        assert rows == every[:20]
    else:
        assert Counter(rows) <= Counter(every) and sorted_by(rows, lambda row: -row[2])
        assert [row[2] for row in rows] == [row[2] for row in every[:20]]


def variants(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    families = {key for key, (_, props) in s.entities.items() if props["name"] == name}
    want = [s.name(v) for v, rel, f in s.edges if rel == "VARIANT_OF" and f in families]
    assert want and sorted(table(got)) == sorted((v,) for v in want)


def evidence_sentences(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    methods = s.named("Method", name, aliases=False)
    want = [(s.name(p), s.props[(p, rel, m)].get("sentence")) for p, rel, m in s.papers_on(methods, ("USES",))]
    assert want and sorted(table(got)) == sorted(want)


def used_with(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    methods = s.named("Method", name)
    found = []
    for paper in s.papers:
        used = s.uses(paper, ("PROPOSES", "USES"), "Method")
        if used & methods:
            found += [(m, paper) for m in used - methods]  # m <> x: with one x, the other methods of its papers
    want = s.count_by_name(found)[:10]
    assert len(methods) == 1 and len(want) == 10 and table(got) == want


def benchmarks_of(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    papers = {p for p, _, _ in s.papers_on(s.named("Method", name), ("PROPOSES", "USES"))}
    want = s.count_by_name([(b, p) for p in papers for b in s.uses(p, ("EVALUATES_ON",), "Benchmark")])
    assert want and table(got) == want


def variant_proposals(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    up: dict[str, set[str]] = defaultdict(set)
    for v, rel, f in s.edges:
        if rel == "VARIANT_OF":
            up[v].add(f)

    def ancestors(key: str) -> set[str]:
        found, layer = set(), {key}
        for _ in range(3):
            layer = {f for v in layer for f in up[v]}
            found |= layer
        return found

    families = {key for key, (_, p) in s.entities.items() if p["name"] == name or name in p.get("aliases", [])}
    want = sorted({(s.papers[p]["title"], s.name(v)) for p, rel, v in s.edges
                   if rel == "PROPOSES" and p in s.papers and ancestors(v) & families})  # fmt: skip
    assert want and table(got) == want


def shortest_path(s: Sample, got: list[dict[str, Any]], start: str, end: str) -> None:
    (a,), (b,) = s.named("Method", start, aliases=False), s.named("Method", end, aliases=False)
    distance = s.benchmark_distance(a, b)
    rows = table(got)
    assert len(rows) == 1
    names, hops = rows[0]
    assert hops == distance >= 2 and len(names) == 4 * distance + 1
    assert (names[0], names[-1]) == (start, end)
    edges = {(s.name(x), s.name(y)) for x, _, y in s.edges}
    for i in range(0, len(names) - 1, 4):  # method <- paper -> benchmark <- paper -> method
        method, p1, benchmark, p2, following = names[i : i + 5]
        assert {(p1, method), (p1, benchmark), (p2, benchmark), (p2, following)} <= edges, names[i : i + 5]


def newest(s: Sample, got: list[dict[str, Any]], name: str) -> None:
    benchmarks = s.named("Benchmark", name)
    found = {(s.papers[p].get("title"), s.papers[p]["year"], s.papers[p].get("date"))
             for p, _, _ in s.papers_on(benchmarks, ("USES", "EVALUATES_ON")) if "year" in s.papers[p]}  # fmt: skip
    want = sorted(found, key=lambda row: row[0])  # ORDER BY year DESC, coalesce(date, '') DESC, title
    want.sort(key=lambda row: row[2] or "", reverse=True)
    want.sort(key=lambda row: row[1], reverse=True)
    want = want[:5]
    assert len(want) >= 2 and table(got) == want


Check = tuple[dict[str, str], Callable[[Sample, list[dict[str, Any]]], None]]
EXPECTED: dict[str, Check] = {
    # README.md
    "papers using or evaluating on a benchmark, by its name or any alias": (
        {"name": "GSM8K"}, lambda s, got: papers_on_benchmark(s, got, "GSM8K", with_id=False)),
    "methods evaluated on it": ({"name": "GSM8K"}, lambda s, got: methods_on_benchmark(s, got, "GSM8K", False)),
    "methods used together": ({}, lambda s, got: methods_together(s, got, ordered="method_a" in got[0])),
    # docs/neo4j.md
    "papers that use or evaluate on a benchmark": (
        {"name": "MMLU"}, lambda s, got: papers_on_benchmark(s, got, "MMLU", with_id=True)),
    "methods evaluated on a benchmark": ({"name": "MATH"}, lambda s, got: methods_on_benchmark(s, got, "MATH", True)),
    "an entity's variants (Llama-2-7B -[:VARIANT_OF]-> Llama)": (
        {"name": "Qwen2.5"}, lambda s, got: variants(s, got, "Qwen2.5")),
    "the evidence sentence behind each use of a method": (
        {"name": "DPO"}, lambda s, got: evidence_sentences(s, got, "DPO")),
    "methods most used together with a method": ({"name": "DPO"}, lambda s, got: used_with(s, got, "DPO")),
    "benchmarks a method is evaluated on": ({"name": "DPO"}, lambda s, got: benchmarks_of(s, got, "DPO")),
    "papers that propose a variant of an entity": (
        {"name": "IRanker"}, lambda s, got: variant_proposals(s, got, "IRanker")),
    "shortest path between two methods through shared benchmarks": (
        {"from": "DPO", "to": "RAG"}, lambda s, got: shortest_path(s, got, "DPO", "RAG")),
    "newest papers on a benchmark": ({"name": "MATH"}, lambda s, got: newest(s, got, "MATH")),
}  # fmt: skip


@pytest.fixture(scope="module")
def sample(built_graph_dir: Path) -> Sample:
    return Sample(graph_rows(load_graph(built_graph_dir)))


def test_every_doc_query_has_an_expected_answer() -> None:
    titles = [title for path in DOCS for title, _ in examples(path)]
    assert "" not in titles, "every query of a cypher block starts with a // line naming its question"
    assert len(titles) >= 12 and set(titles) == set(EXPECTED)
    doc = (ROOT / "docs" / "neo4j.md").read_text(encoding="utf-8")
    assert all(query in doc for query in QUERIES.values())


def test_doc_queries_answer_on_a_real_neo4j(neo4j_target: Target, built_graph_dir: Path, sample: Sample) -> None:
    from kg.cli import app

    push(load_graph(built_graph_dir), neo4j_target)
    credentials = ["--uri", neo4j_target.uri, "--user", neo4j_target.user or "", "--password",
                   neo4j_target.password or ""]  # fmt: skip
    ran = []
    for path in DOCS:
        for title, query in examples(path):
            params, check = EXPECTED[title]
            options = [f"--param={key}={value}" for key, value in params.items()]
            result = CliRunner().invoke(app, ["cypher", query, *options, "--json", *credentials])
            assert result.exit_code == 0, f"{path.name}: {title}: {result.output}"
            got = [json.loads(line) for line in result.output.splitlines()]
            check(sample, got)
            ran.append(title)
    assert set(ran) == set(EXPECTED) and len(ran) >= 13  # 3 in the README, 10 in docs/neo4j.md
