"""graph.json: the graph saved and loaded as node-link JSON (networkx's default ``edges`` key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_writer
from kg.errors import KgError

GRAPH_FILE = "graph.json"


def save_graph(graph: nx.MultiDiGraph, directory: Path) -> Path:
    """Write ``graph.json`` (node-link JSON, sorted keys: the same input gives the same bytes)."""
    data = nx.node_link_data(graph)  # networkx's defaults: nx.node_link_graph(json.load(f)) reads it back
    path = directory / GRAPH_FILE
    with atomic_writer(path) as out:
        json.dump(data, out, ensure_ascii=False, sort_keys=True, indent=1)
        out.write("\n")
    return path


def load_graph(directory: Path, name: str | None = None) -> nx.MultiDiGraph:
    """Load ``DIR/graph.json`` written by ``save_graph``; when ``DIR`` holds a build state that changed since
    (``kg add``), the graph is read from the state instead (with ``name``: only what a query of it needs)."""
    if Path(directory).is_dir():
        from kg.graph.state_view import graph_from_state, state_is_newer

        if state_is_newer(Path(directory), "graph"):
            return graph_from_state(Path(directory), name)
    path = Path(directory) / GRAPH_FILE if Path(directory).is_dir() else Path(directory)
    if not path.exists():
        raise KgError(f"{path}: no graph here; run 'kg build INPUT... --out {Path(directory)}' first")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KgError(f"{path}:{exc.lineno}: graph file is not valid JSON ({exc.msg})") from None
    edges = "links" if "links" in data and "edges" not in data else "edges"  # graph.json of kg before 0.2 used "links"
    return nx.node_link_graph(data, directed=True, multigraph=True, edges=edges)
