"""graph.json: the graph saved and loaded as node-link JSON (networkx's default ``edges`` key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_writer
from kg.errors import KgError, warn
from kg.store.lock import reading

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
    (``kg add``), the graph is read from the state instead (with ``name``: only what a query of it needs), and
    so it is when ``graph.json`` is damaged (with one warning line). A build folder is read under its swap lock
    (``kg.store.lock.reading``): never half of one ``kg build`` or ``kg add`` and half of another."""
    directory = Path(directory)
    if not directory.is_dir():
        return _read_graph_file(directory)
    with reading(directory):
        from kg.graph.state_view import graph_from_state, state_is_newer

        if state_is_newer(directory, "graph"):
            return graph_from_state(directory, name)
        path = directory / GRAPH_FILE
        try:
            return _read_graph_file(path, directory)
        except KgError as exc:
            if not path.exists() or not (directory / "state.sqlite").exists():
                raise
            warn(f"{exc}; answering from the build state (rewrite it: kg html / kg add --formats graph)")
            return graph_from_state(directory, name)


def read_graph_file(path: Path) -> nx.MultiDiGraph:
    """The graph in one ``graph.json`` file (no build folder, no lock: a file being written by this process)."""
    return _read_graph_file(Path(path))


def _read_graph_file(path: Path, directory: Path | None = None) -> nx.MultiDiGraph:
    if not path.exists():
        raise KgError(f"{path}: no graph here; run 'kg build INPUT... --out {directory or path}' first")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KgError(f"{path}:{exc.lineno}: graph file is not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise KgError(f"{path}: graph file is not UTF-8 text (byte {exc.start})") from None
    try:
        edges = "links" if "links" in data and "edges" not in data else "edges"  # graph.json of kg before 0.2
        return nx.node_link_graph(data, directed=True, multigraph=True, edges=edges)
    except (KeyError, TypeError, ValueError, AttributeError, nx.NetworkXError) as exc:
        raise KgError(f"{path}: not a graph file of kg ({type(exc).__name__}: {exc})") from None
