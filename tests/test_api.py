"""The Python API: the README's example runs as written, and graph.json loads with networkx's defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

import kg
from kg import api

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch, capsys) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no python example"
    monkeypatch.chdir(ROOT)
    scope: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)
    printed = capsys.readouterr().out
    assert "EVALUATES_ON Training Chain-of-Thought via Latent-Variable Inference" in printed
    assert printed.splitlines()[-1].startswith("DPO Direct Preference Optimization")
    assert "GSM8K" in scope["benchmarks"]
    assert "skos:prefLabel" in scope["turtle"]


def test_every_api_name_resolves_and_kg_forwards_to_it() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert kg.read is api.read and kg.papers_using is api.papers_using
    assert "build_folder" in dir(api)


def test_graph_json_loads_with_networkx_defaults(tmp_path: Path) -> None:
    papers = kg.read([ROOT / "data/corpus/daily-papers-divergence.txt"])
    graph = kg.build(papers)
    kg.save_graph(graph, tmp_path)
    again = nx.node_link_graph(json.loads((tmp_path / "graph.json").read_text(encoding="utf-8")))
    assert again.is_multigraph() and again.is_directed()
    assert sorted(again.nodes) == sorted(graph.nodes)
    assert again.number_of_edges() == graph.number_of_edges()
    assert nx.utils.graphs_equal(kg.load(tmp_path), graph)


def test_graph_json_of_kg_0_1_still_loads(tmp_path: Path) -> None:
    graph = kg.build(kg.read([ROOT / "data/corpus/daily-papers-divergence.txt"]))
    old = nx.node_link_data(graph, edges="links")  # what kg 0.1 wrote
    (tmp_path / "graph.json").write_text(json.dumps(old), encoding="utf-8")
    assert nx.utils.graphs_equal(kg.load(tmp_path), graph)
