"""SPARQL 1.1 over a built or exported graph, answered by the build's persistent Oxigraph store (``OUT/oxigraph``,
``kg.sinks.rdf_store``) opened read-only, else by an in-memory Oxigraph store filled from graph.json or an RDF file.

The data goes into the default graph; the ontology (``schema/kg.ttl``) into the named graph
``<https://w3id.org/kg-ml/ontology>``, so counts over the data are not disturbed and queries can still reach
class and property labels with ``GRAPH``. The usual prefixes (``kg:``, ``skos:``, ``dcterms:``, ``prov:``,
``schema:``, ``paper:``, ``method:``, ...) are predeclared.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kg.errors import InputError, KgError, warn
from kg.sinks.rdf_store import DEFAULT_BASE, STORE_DIR, current, open_store
from kg.store.lock import reading

# kg.sinks.rdf (rdflib, networkx) is imported only where needed: a query of the persistent store starts in ms
RDF_FILE_FORMATS = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".jsonld": "JSON_LD", ".nq": "N_QUADS", ".trig": "TRIG"}
OUTPUT_FORMATS = ("table", "csv", "tsv", "json")
_POSITION = re.compile(r"(?:error at |line )(\d+)(?::| column )(\d+)")


def load_store(graph: Path, base: str = DEFAULT_BASE, ontology: bool = True) -> Any:
    """An in-memory Oxigraph store holding ``graph``: a folder written by ``kg build`` (its ``graph.json``) or an
    RDF file (.ttl, .nt, .jsonld, .nq, .trig; optionally .gz)."""
    import pyoxigraph as ox

    from kg.graph.files import GRAPH_FILE, load_graph
    from kg.sinks.rdf import ONTOLOGY_FILE, ONTOLOGY_IRI, iter_triples, oxigraph_terms

    store = ox.Store()
    path = Path(graph)
    if path.is_dir() or path.name == GRAPH_FILE:
        triples = iter_triples(load_graph(path), base, oxigraph_terms())
        # through N-Triples in chunks: Oxigraph's parser fills a store faster than Python-built quads do
        while chunk := list(itertools.islice(triples, 200_000)):
            store.load(ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)
    elif path.is_file():
        _load_file(store, path)
    else:
        raise KgError(f"{path}: no graph here; give a folder written by 'kg build' or an RDF file")
    if ontology:
        store.load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_IRI))
    return store


@dataclass
class Endpoint:
    """A store to query and the prefixes its queries may use without declaring them."""

    store: Any
    prefixes: dict[str, str]
    persistent: bool  # the build's on-disk store, read-only (else a store loaded into memory for this query)

    def query(self, text: str, source: str | None = None) -> Any:
        return run_query(self.store, text, source=source, names=self.prefixes)


def _same_base(names: dict[str, str], base: str) -> bool:
    wanted = base if base.endswith(("/", "#", ":")) else base + "/"
    return not names or names.get("paper") == f"{wanted}paper/"


@contextlib.contextmanager
def sparql_store(graph: Path, base: str = DEFAULT_BASE) -> Iterator[Endpoint]:
    """What answers queries over ``graph`` while the block runs: a build folder's persistent store, opened
    read-only under the folder's swap lock (no ``kg build`` or ``kg add`` swaps files in meanwhile), when it
    holds the state's generation; else, with one warning line for a build folder, the in-memory store of
    :func:`load_store` (an RDF file, a folder of an older kg without ``oxigraph/``, a store older than the state,
    another ``base`` than the store's IRIs)."""
    path = Path(graph)
    if path.is_dir() and (path / STORE_DIR).exists():
        with reading(path):
            names = current(path)
            if names is not None and _same_base(names, base):
                try:
                    store = open_store(path)
                except OSError as exc:
                    raise KgError(
                        f"{path / STORE_DIR}: cannot open the SPARQL store ({exc}); write it again with "
                        f"'kg build --out {path}'"
                    ) from None
                yield Endpoint(store, names or _prefixes(base), True)
                return
    store = load_store(path, base)
    if path.is_dir() and (path / "state.sqlite").exists():  # said once the graph loaded: an error is the one line
        warn(
            f"{path} has no current SPARQL store ({STORE_DIR}/, for --base-iri {base}): answering from the whole "
            f"graph, loaded for this query (slow on big builds); 'kg build --out {path}' writes the store"
        )
    yield Endpoint(store, _prefixes(base), False)


def _prefixes(base: str) -> dict[str, str]:
    from kg.sinks.rdf import prefixes

    return prefixes(base)


def _load_file(store: Any, path: Path) -> None:
    import gzip

    import pyoxigraph as ox

    suffixes = path.suffixes[-2:] if path.suffix == ".gz" else path.suffixes[-1:]
    name = RDF_FILE_FORMATS.get(suffixes[0].lower() if suffixes else "")
    if name is None:
        raise KgError(f"{path}: unknown RDF file type; use one of {', '.join(RDF_FILE_FORMATS)} (or .gz of them)")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as data:
                store.bulk_load(data, format=getattr(ox.RdfFormat, name))
        else:
            store.bulk_load(path=str(path), format=getattr(ox.RdfFormat, name))
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise InputError(str(path), line, f"not valid {name.replace('_', '-').lower()}: {exc.msg}") from None


def run_query(
    store: Any,
    query: str,
    base: str = DEFAULT_BASE,
    source: str | None = None,
    names: dict[str, str] | None = None,
    **options: Any,
) -> Any:
    """Run ``query`` with the default prefixes (those of ``base``, or ``names``): pyoxigraph ``QuerySolutions``
    (SELECT), ``QueryBoolean`` (ASK) or ``QueryTriples`` (CONSTRUCT, DESCRIBE). A syntax error names the query's
    ``source`` file and line. ``options``: pyoxigraph's (``default_graph``, ``named_graphs``)."""
    try:
        return store.query(query, prefixes=names if names is not None else _prefixes(base), **options)
    except SyntaxError as exc:
        message = " ".join(str(exc.msg if exc.msg else exc).split())
        found = _POSITION.search(message)
        line = int(found.group(1)) if found else None
        if "Prefix not found" in message:
            message = (f"at {found.group(1)}:{found.group(2)}: " if found else "") + "unknown prefix (declare it)"
        elif len(message) > 200:
            message = message[:200] + "…"
        raise InputError(source or "query", line, f"SPARQL syntax error: {message}") from None
    except OSError as exc:
        raise KgError(f"SPARQL query failed: {exc}") from None


def read_query(text: str) -> tuple[str, str | None]:
    """The query text and its source file: ``@FILE`` or an existing ``.rq``/``.sparql`` path reads the file."""
    candidate = text[1:] if text.startswith("@") else text
    path = Path(candidate)
    if text.startswith("@") or (path.suffix in (".rq", ".sparql") and "\n" not in text and path.is_file()):
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise KgError(f"{path}: cannot read the query ({exc})") from None
    return text, None


def write_answer(result: Any, out: IO[bytes], fmt: str, base: str = DEFAULT_BASE) -> None:
    """Write a query result to ``out``: SELECT and ASK as W3C SPARQL results (csv, tsv, json); CONSTRUCT and
    DESCRIBE as RDF (N-Triples for csv and tsv, JSON-LD for json)."""
    import pyoxigraph as ox

    results = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}
    if fmt not in results:
        raise KgError(f"unknown output format {fmt!r}; choose one of {', '.join(results)}")
    if isinstance(result, ox.QueryTriples):
        from kg.sinks.rdf import serialize_triples

        serialize_triples(result, out, "jsonld" if fmt == "json" else "ntriples", base)
    else:
        result.serialize(out, results[fmt])
        if isinstance(result, ox.QueryBoolean):
            out.write(b"\n")


def compact(term: Any, names: dict[str, str]) -> str:
    """A short display form: ``method:dpo``, ``kg:Paper``, a literal's value; blank for unbound."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for name, namespace in sorted(names.items(), key=lambda item: -len(item[1])):
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return f"{name}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value
