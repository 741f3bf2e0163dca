"""The package layout is the pipeline: no import circles, and no stage imports a later one (grimp's import graph,
imports inside functions and under ``TYPE_CHECKING`` included)."""

from __future__ import annotations

import grimp
import networkx as nx
import pytest

# Stages in the order data flows; a module may import its own stage and the stages before it, never after.
# Stages on one line are siblings: neither imports the other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kg", "kg.types", "kg.errors", "kg.ids", "kg.atomic"),  # the foundation every stage shares
    ("kg.sources",),
    ("kg.extract",),
    ("kg.resolve",),
    ("kg.store",),
    ("kg.graph",),
    ("kg.sinks",),
    ("kg.query", "kg.evaluate", "kg.workflow"),
    ("kg.api",),
    ("kg.serve",),  # kg serve: a front end over kg.api, like the command line
    ("kg.cli",),
)
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


@pytest.fixture(scope="module")
def imports() -> nx.DiGraph:
    graph = grimp.build_graph("kg", cache_dir=None)
    edges = nx.DiGraph()
    for module in graph.modules:
        edges.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return edges


def stage_of(module: str) -> str:
    """The stage package a module belongs to (its longest listed prefix)."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in RANK:
            return prefix
    raise AssertionError(f"{module}: in no stage of LAYERS; add its package there")


def test_every_module_has_a_stage(imports: nx.DiGraph) -> None:
    assert all(stage_of(module) for module in imports)


def test_no_import_circles(imports: nx.DiGraph) -> None:
    """No module imports a module that imports it back, directly or through others (a package's ``__init__``
    importing its own submodules is the one allowed kind of back edge: submodules never import it)."""
    circles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert circles == []


def test_no_stage_imports_a_later_one(imports: nx.DiGraph) -> None:
    wrong = [
        f"{source} -> {target}"
        for source, target in imports.edges
        if stage_of(source) != stage_of(target) and RANK[stage_of(source)] <= RANK[stage_of(target)]
    ]
    assert wrong == []


def test_the_cli_calls_only_the_python_api(imports: nx.DiGraph) -> None:
    """Command modules parse, call ``kg.api`` and render; the stages below stay out of reach (``kg serve`` starts
    the server of ``kg.serve.app``, the other front end)."""
    allowed = {"kg", "kg.api", "kg.errors", "kg.types", "kg.serve.app"}
    wrong = [
        f"{source} -> {target}"
        for source, target in imports.edges
        if stage_of(source) == "kg.cli" and stage_of(target) != "kg.cli" and target not in allowed
    ]
    assert wrong == []
