"""What every query verb shares: the index a source answers from, the one name lookup over it, date bounds, roles.

A source is a build folder (its ``index.sqlite``: milliseconds, whatever the corpus size), a ``graph.json`` file
or a graph in memory (``kg.build(papers)``: indexed in memory first), or an index already open. So each verb has
one implementation, over the index (docs/queries.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from kg.errors import KgError, UsageError, warn
from kg.graph.names import NameMatch, lookup_in, lookup_key
from kg.sources.dates import bound
from kg.store.index import INDEX_FILE, QueryIndex, state_generation
from kg.store.lock import reading

if TYPE_CHECKING:
    import networkx as nx

Source = Union[str, Path, QueryIndex, "nx.MultiDiGraph"]
ROLES = {"proposes": "PROPOSES", "uses": "USES", "evaluates-on": "EVALUATES_ON", "mentions": "MENTIONS"}
ENTITY_TYPES = ("method", "model", "dataset", "benchmark", "metric")
_memory: dict[tuple[str, int | None], QueryIndex] = {}  # a stale or missing index, made in memory once


class IndexNames:
    """The name lookup's data from a query index (``kg.graph.names.NameSource``): nodes are ``entity:<id>``, as
    in the graph, so both give the same answers."""

    def __init__(self, index: QueryIndex) -> None:
        self.index = index

    def exact(self, name: str) -> list[str]:
        return sorted(f"entity:{i}" for i in self.index.exact(str(name).strip()))

    def folded(self, name: str) -> list[str]:
        key = lookup_key(name)
        return sorted(f"entity:{i}" for i in self.index.folded(key)) if key else []

    def choices(self) -> list[tuple[str, str]]:
        return [(f"entity:{i}", key) for i, key in self.index.name_keys()]

    def ranking(self, nodes: Iterable[str]) -> dict[str, tuple[str, int]]:
        found = self.index.labels(node.split(":", 1)[1] for node in nodes)
        return {f"entity:{i}": info for i, info in found.items()}


def open_index(source: Source) -> QueryIndex:
    """The query index of ``source`` (see the module's doc)."""
    if isinstance(source, QueryIndex):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return _folder_index(path)
        from kg.graph.files import load_graph

        source = load_graph(path)
    from kg.graph.index import graph_index

    return graph_index(source)


@contextlib.contextmanager
def using(source: Source) -> Iterator[QueryIndex]:
    """``open_index(source)`` for the block, closed after it when it was opened here from a file."""
    index = open_index(source)
    try:
        yield index
    finally:
        if index is not source and str(index.path) != ":memory:":
            index.close()


def _folder_index(folder: Path) -> QueryIndex:
    path = folder / INDEX_FILE
    with reading(folder):
        generation = state_generation(folder)
        if path.exists():
            index = QueryIndex.open(path)
            if generation is None or index.generation() == generation:
                index.generation()  # read under the lock: the open file stays this one whatever is swapped in later
                return index
            index.close()
            why = "is older than the build state"
        elif generation is None and not (folder / "graph.json").exists():
            raise KgError(f"{folder}: no build here; run 'kg build INPUT... --out {folder}' first")
        else:
            why = ""  # a build whose --formats left it out: answered from graph.json or the state, without a word
        key = (str(folder.resolve()), generation)
        if key not in _memory:
            if why:
                warn(f"{path} {why}; answering from the build (slower); rewrite it with 'kg build --out {folder}'")
            from kg.graph.files import load_graph
            from kg.graph.index import graph_index

            _memory.clear()
            _memory[key] = graph_index(load_graph(folder))
        return _memory[key]


def match(index: QueryIndex, name: str) -> NameMatch:
    """The one name lookup (exact, folded, "did you mean") over the index."""
    return lookup_in(IndexNames(index), name)


def entity_ids(index: QueryIndex, name: str) -> list[str]:
    """Ids of the entities ``name`` refers to; a ``KgError`` with suggestions when none."""
    found = match(index, name)
    if not found.nodes:
        raise KgError(found.message())
    return [node.split(":", 1)[1] for node in found.nodes]


def bounds(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``--since`` / ``--until`` as the first and last day they allow (None: no bound)."""
    low = bound(since, "--since")
    high = bound(until, "--until")
    return (low[0] if low else None), (high[1] if high else None)


def kinds_of(role: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """The relations of a ``--role`` (proposes, uses, evaluates-on, mentions); ``default`` when None."""
    if role is None:
        return tuple(default)
    if role not in ROLES:
        raise UsageError(f"--role {role}: use one of {', '.join(ROLES)}")
    return (ROLES[role],)


def types_of(types: str | Sequence[str] | None) -> tuple[str, ...]:
    """``--type`` values (method, model, dataset, benchmark, metric; several comma-separated), checked."""
    if not types:
        return ()
    items = [t.strip().lower() for t in ([types] if isinstance(types, str) else types) for t in t.split(",")]
    unknown = [t for t in items if t and t not in ENTITY_TYPES]
    if unknown:
        raise UsageError(f"--type {', '.join(unknown)}: use one of {', '.join(ENTITY_TYPES)}")
    return tuple(t for t in items if t)


def paper_of(index: QueryIndex, text: str) -> Any:
    """The paper ``text`` names (its id, else its exact title in any case); a ``KgError`` when none or several."""
    found = index.paper(text)
    if not found:
        raise KgError(f"no paper {text!r} in the graph; give its id or its exact title")
    if len(found) > 1:
        raise KgError(f"{len(found)} papers are titled {text!r}; give one id: {', '.join(p.id for p in found[:5])}")
    return found[0]


def limited(rows: list, limit: int | None) -> list:
    return rows[:limit] if limit else rows
