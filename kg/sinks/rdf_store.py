"""The graph in a persistent Oxigraph store, ``OUT/oxigraph/``, which ``kg sparql`` and ``kg serve`` open read-only.

The store holds the triples of the Turtle export (``kg.sinks.rdf.iter_triples``) in the default graph and the
ontology (``schema/kg.ttl``) in the named graph ``<https://w3id.org/kg-ml/ontology>``, as the in-memory store of
``kg.query.sparql.load_store`` does. It is written the way every output is (docs/robustness.md): ``kg build``
bulk-loads a fresh store into its staging folder; ``kg add`` makes a checkpoint of the current store in its
staging folder (hard links to RocksDB's immutable files: milliseconds, whatever the size), applies the change
there (the triples of the papers it touched and of the entities are replaced by their current ones) and the
staged store is swapped in with the other files under the journal. A store is never written where it is read.

The state records the generation the store was written at (meta ``written:oxigraph``); a reader that finds an
older one, or no store, answers from graph.json as before (``kg.query.sparql``).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KgError
from kg.store.meta import read_meta

if TYPE_CHECKING:
    import networkx as nx

# rdflib and networkx (kg.sinks.rdf) are imported only by the writers: a reader of the store starts in milliseconds
STORE_DIR = "oxigraph"
WRITTEN_META = "written:oxigraph"  # state meta: the generation the store holds
PREFIXES_META = "oxigraph_prefixes"  # state meta: the prefixes of its IRIs (kg.sinks.rdf.prefixes of its base)
_CHUNK = 50_000  # triples serialised at a time while bulk-loading
_IMMUTABLE = (".sst", ".blob")  # RocksDB files that are never changed once written: linked, not copied
DEFAULT_BASE = "https://w3id.org/kg-ml/"  # kg.sinks.rdf.DEFAULT_BASE (not imported: see above)


class _NTriplesReader(io.RawIOBase):
    """A binary file whose content is the N-Triples of an iterator of pyoxigraph triples, made as it is read, so
    that Oxigraph's bulk loader parses a graph of any size in bounded memory."""

    def __init__(self, triples: Iterable[Any]) -> None:
        import pyoxigraph as ox

        self._serialize = ox.serialize
        self._format = ox.RdfFormat.N_TRIPLES
        self._triples = iter(triples)
        self._buffer = b""
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            chunk = list(itertools.islice(self._triples, _CHUNK))
            if not chunk:
                return 0
            self.count += len(chunk)
            self._buffer = self._serialize(chunk, format=self._format)
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def write_store(graph: nx.MultiDiGraph, folder: Path, base: str = DEFAULT_BASE, turtle: Path | None = None) -> Path:
    """Bulk-load the triples of ``graph`` and the ontology into a new store ``folder/oxigraph``; returns it.
    ``turtle``: the Turtle of the same graph, just written, which Oxigraph then parses itself (the same triples,
    about twice as fast as making them again in Python)."""
    import pyoxigraph as ox

    from kg.sinks.rdf import ONTOLOGY_FILE, ONTOLOGY_IRI, iter_triples, oxigraph_terms

    target = Path(folder) / STORE_DIR
    if target.exists():
        shutil.rmtree(target)
    store = ox.Store(str(target))
    try:
        if turtle is not None:
            store.bulk_load(path=str(turtle), format=ox.RdfFormat.TURTLE)
        else:
            triples = _NTriplesReader(iter_triples(graph, base, oxigraph_terms()))
            store.bulk_load(io.BufferedReader(triples, 1 << 20), ox.RdfFormat.N_TRIPLES)
        store.load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_IRI))
        store.optimize()
        store.flush()
    finally:
        del store  # closes it (a pyoxigraph store has no close method): nothing of it stays open in the folder
    return target


def record(state: Any, base: str) -> None:
    """Note in the state (in the writer's transaction) that the store holds its current generation, and the
    prefixes of its IRIs."""
    from kg.sinks.rdf import prefixes

    state.set_meta(WRITTEN_META, state.generation())
    state.set_meta(PREFIXES_META, json.dumps(prefixes(base), sort_keys=True))


def build_output(
    graph: nx.MultiDiGraph, folder: Path, state: Any, base: str = DEFAULT_BASE, turtle: Path | None = None
) -> Path:
    """``kg build``'s store: written into its staging ``folder`` and recorded in its state."""
    path = write_store(graph, folder, base, turtle)
    record(state, base)
    return path


def current(folder: Path) -> dict[str, str] | None:
    """The prefixes of the store of the build in ``folder`` when it holds the state's current generation, else
    None (no store, or one older than the state: a build of an older kg, an add of an older kg). A store with
    no state beside it (copied alone) is taken as it is, with the default prefixes."""
    folder = Path(folder)
    if not (folder / STORE_DIR).is_dir():
        return None
    state = folder / "state.sqlite"  # kg.store.state.STATE_FILE
    if not state.exists():
        return {}
    found = read_meta(state, ("generation", WRITTEN_META, PREFIXES_META))
    if found.get(WRITTEN_META) != found.get("generation", "0"):
        return None
    try:
        names = json.loads(found.get(PREFIXES_META) or "{}")
    except ValueError:
        return None
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else None


def open_store(folder: Path) -> Any:
    """The store of the build in ``folder``, read-only; ``OSError`` when it cannot be opened."""
    import pyoxigraph as ox

    return ox.Store.read_only(str(Path(folder) / STORE_DIR))


def checkpoint(source: Path, target: Path) -> None:
    """A copy of the (closed) store ``source`` at ``target``: RocksDB's immutable files as hard links (copies
    across file systems), the others copied, so that writing ``target`` never changes ``source``."""
    target.mkdir(parents=True)
    for item in sorted(source.iterdir()):
        if item.is_dir():
            raise KgError(f"{source}: not an Oxigraph store (holds a folder {item.name})")
        if item.name == "LOCK":
            continue
        if item.suffix in _IMMUTABLE:
            try:
                os.link(item, target / item.name)
                continue
            except OSError:
                pass
        shutil.copy2(item, target / item.name)


def update_store(
    view: Any, out: Path, staging: Path, papers: Iterable[str], base: str = DEFAULT_BASE, full: bool = False
) -> Path:
    """``staging/oxigraph``: the store of ``out`` with the triples of ``papers`` (ids of papers added or changed,
    and of older papers whose triples changed) and of every entity replaced by those of ``view`` (the state after
    the change); ``full``: written again from the whole state instead (a store older than the state)."""
    import pyoxigraph as ox

    from kg.sinks.rdf import iter_triples, oxigraph_terms

    if full:
        return write_store(view.graph(), staging, base)
    target = staging / STORE_DIR
    checkpoint(out / STORE_DIR, target)
    ids = sorted(set(papers))
    stored = list(view.state.get_papers(ids).values())
    store = ox.Store(str(target))
    try:
        new = set(iter_triples(view.graph(stored, linked_only=True), base, oxigraph_terms(), "papers"))
        new.update(iter_triples(view.graph([]), base, oxigraph_terms(), "entities"))
        old = set(_paper_triples(store, ids, base))
        old.update(_entity_triples(store))
        default = ox.DefaultGraph()
        for triple in old - new:
            store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, default))
        store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in new - old)
        store.flush()
    finally:
        del store
    return target


def update_for_add(
    state: Any, view: Any, out: Path, staging: Path, todo: Iterable[Any], changes: Any
) -> dict[str, Path]:
    """``kg add``'s change to the store of ``out``, staged as ``staging/oxigraph`` (moved in with the add's other
    files): the papers of ``todo`` and those ``changes.dirty`` lists are replaced; a store that is not at the
    generation before the add is written again in full. Recorded in the state (the add's transaction). Nothing
    when ``out`` has no store."""
    if not (Path(out) / STORE_DIR).is_dir():
        return {}
    generation = state.generation()
    is_current = state.meta(WRITTEN_META) == str(generation - 1)
    papers = [paper.id for paper in todo] + [paper_id for ids in changes.dirty.values() for paper_id in ids]
    base = state.meta("base_iri") or DEFAULT_BASE
    path = update_store(view, Path(out), Path(staging), papers, base, full=not is_current)
    record(state, base)
    return {"oxigraph": path}


def _subject_triples(store: Any, subject: Any) -> Iterator[Any]:
    import pyoxigraph as ox

    for quad in store.quads_for_pattern(subject, None, None, ox.DefaultGraph()):
        yield quad.triple


def _paper_triples(store: Any, ids: list[str], base: str) -> Iterator[Any]:
    """The triples the store holds about these papers: the paper's own, its statements', evidence's, results'
    (extractors are shared by all papers and stay)."""
    import pyoxigraph as ox

    from kg.sinks.rdf import KG, PROV, RDF, local_name, normalise_base

    base = normalise_base(base)
    about = (
        (ox.NamedNode(str(RDF.subject)), False),  # statement rdf:subject paper
        (ox.NamedNode(str(PROV.wasQuotedFrom)), False),  # evidence prov:wasQuotedFrom paper
        (ox.NamedNode(str(KG["reports"])), True),  # paper kg:reports result
    )
    default = ox.DefaultGraph()
    for paper_id in ids:
        paper = ox.NamedNode(f"{base}paper/{local_name(paper_id)}")
        yield from _subject_triples(store, paper)
        for predicate, forward in about:
            pattern = (paper, predicate, None) if forward else (None, predicate, paper)
            for quad in store.quads_for_pattern(*pattern, default):
                yield from _subject_triples(store, quad.object if forward else quad.subject)


def _entity_triples(store: Any) -> Iterator[Any]:
    import pyoxigraph as ox

    from kg.sinks.rdf import ENTITY_CLASSES, KG, RDF

    rdf_type, default = ox.NamedNode(str(RDF.type)), ox.DefaultGraph()
    for name in ENTITY_CLASSES.values():
        for quad in store.quads_for_pattern(None, rdf_type, ox.NamedNode(str(KG[name])), default):
            yield from _subject_triples(store, quad.subject)
