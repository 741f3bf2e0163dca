"""Name lookup: the entity nodes of a graph that a name (any alias, any spelling) refers to."""

from __future__ import annotations

import networkx as nx

from kg.extract.gazetteer import spelling_key
from kg.resolve.keys import fold_key


def find_entities(graph: nx.MultiDiGraph, name: str) -> list[str]:
    """Entity nodes whose name, full name or any alias matches ``name`` (exact first, then folded)."""
    exact, folded = [], []
    wanted = {spelling_key(name), fold_key(name)}
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Paper":
            continue
        names = [data.get("label"), data.get("full_name"), *(data.get("aliases") or {})]
        names = [n for n in names if n]
        if name in names:
            exact.append(node)
        elif wanted & {spelling_key(n) for n in names} | wanted & {fold_key(n) for n in names}:
            folded.append(node)
    return sorted(exact) or sorted(folded)
