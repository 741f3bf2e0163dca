"""Every example of docs/queries.md runs: each ``sh`` line through the real command, each ``python`` block, each
``sparql`` block through ``kg sparql``; the SPARQL answer to "what is DPO evaluated on" is the verb's."""

from __future__ import annotations

import csv
import io
import re
import shlex
from pathlib import Path

import pytest

import kg
from tests.test_query_verbs import ALL, write
from tests.ux_corpus import kg as run_kg

DOC = Path(__file__).resolve().parents[1] / "docs" / "queries.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("queries-docs")
    write(root / "papers.jsonl", ALL)
    result = run_kg("build", "papers.jsonl", "--out", "out", "--formats", "graph,index", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def test_every_command_line_runs(root: Path) -> None:
    lines = [line for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert len(lines) >= 10
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "kg", line
        result = run_kg(*words[1:], cwd=root)
        assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip(), line


def test_every_python_example_runs(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    found = [eval(block, {"kg": kg}) for block in blocks("python")]
    assert len(found) >= 10 and all(found), found


def sparql(root: Path, query: str) -> list[dict[str, str]]:
    result = run_kg("sparql", query, "--out", "out", "--format", "csv", cwd=root)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_every_sparql_example_runs_and_agrees(root: Path) -> None:
    answers = [sparql(root, query) for query in blocks("sparql")]
    assert len(answers) >= 3 and all(answers)
    evaluated = next(rows for rows in answers if rows and "b" in rows[0])
    expected = {(row.name, row.papers) for row in kg.evaluated_on(root / "out", "DPO")}
    assert {(row["b"], int(row["papers"])) for row in evaluated} == expected


def test_every_cypher_example_runs_on_a_real_neo4j_and_agrees(root: Path, neo4j_target: object) -> None:
    """The build pushed to the session's real Neo4j; each ``cypher`` block answers, and "what is DPO evaluated on"
    gives the verb's answer."""
    graph = kg.load(root / "out")
    kg.push(graph, neo4j_target)
    answers = [kg.cypher(neo4j_target, query) for query in blocks("cypher")]
    assert answers and all(rows for _, rows in answers), answers
    columns, rows = answers[0]
    assert columns == ["benchmark", "papers"]
    expected = {(row.name, row.papers) for row in kg.evaluated_on(root / "out", "DPO")}
    assert {(name, papers) for name, papers in rows} == expected
