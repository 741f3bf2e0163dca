"""What runs in a ``kg serve`` worker process: it holds the build's store open read-only and answers one task at
a time, a SPARQL query or a JSON API call, with the whole answer serialised (so that the time limit covers it).

Each task is answered under the build's swap lock, held shared (``kg.store.lock.reading``): a ``kg build`` or
``kg add`` swapping new files in waits for the answers under way, and the next task sees the new build (the
store is opened again when its folder is another one).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError, KgError, UsageError

ANSWER_LIMIT = 256 * 2**20  # bytes of one answer, serialised: a bigger one is refused (add a LIMIT)
_UPDATE = re.compile(
    r"(?is)^(?:\s|#[^\n]*\n|(?:PREFIX\s+[\w.-]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b"
)


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: bytes


def text_answer(status: int, message: str) -> Answer:
    """A one-line plain-text answer (errors)."""
    return Answer(status, "text/plain; charset=utf-8", (" ".join(message.split()) + "\n").encode("utf-8"))


def json_error(status: int, message: str) -> Answer:
    import json

    return Answer(status, "application/json", json.dumps({"error": " ".join(message.split())}).encode() + b"\n")


class TooBig(Exception):
    pass


class _Bounded:
    """A binary file in memory that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooBig
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.parts)


def _identity(folder: Path, store: str) -> tuple[Any, ...]:
    """What changes when the store is swapped (its folder's inode) or the state is written (its files' sizes
    and times): the store and its record in the state are read again only then."""
    info = os.stat(folder / store)
    state = []
    for name in ("state.sqlite", "state.sqlite-wal"):
        try:
            found = os.stat(folder / name)
            state.append((found.st_ino, found.st_size, found.st_mtime_ns))
        except FileNotFoundError:
            state.append(None)
    return (info.st_dev, info.st_ino, *state)


def is_update(query: str) -> bool:
    """True when ``query`` is a SPARQL update (its first keyword after the prologue)."""
    return _UPDATE.match(query) is not None


class Worker:
    """The store of one build folder, opened again whenever the folder's ``oxigraph/`` is another one."""

    def __init__(self, folder: Path, limit: int = ANSWER_LIMIT) -> None:
        self.folder = Path(folder)
        self.limit = limit
        self.store: Any = None
        self.identity: tuple[int, int] | None = None
        self.prefixes: dict[str, str] = {}

    def _open(self) -> Any:
        """The current store (call under the swap lock)."""
        from kg.sinks.rdf_store import STORE_DIR, current, open_store

        if not (self.folder / STORE_DIR).is_dir():
            raise KgError(f"{self.folder} has no SPARQL store ({STORE_DIR}/); 'kg build --out {self.folder}' writes it")
        identity = _identity(self.folder, STORE_DIR)
        if identity == self.identity:
            return self.store  # the same store folder, the same state: nothing to read again
        names = current(self.folder)
        if names is None:
            raise KgError(
                f"{self.folder} has no current SPARQL store ({STORE_DIR}/); 'kg build --out {self.folder}' writes it"
            )
        if identity[:2] != (self.identity or (None, None))[:2]:
            self.store = None  # the old one closes before the new one opens
            self.store = open_store(self.folder)
        if not names:
            from kg.sinks.rdf import prefixes

            names = prefixes()
        self.prefixes = names
        self.identity = identity
        return self.store

    def check(self) -> None:
        """Open the store now (at start: a folder without one is refused before the server listens)."""
        from kg.store.lock import reading

        with reading(self.folder):
            self._open()

    def sparql(
        self, query: str, format_name: str | None, accept: str | None, defaults: Sequence[str], named: Sequence[str]
    ) -> Answer:
        """Answer a SPARQL query: 200 with the answer in the negotiated format, 400 for a malformed query or
        format, 403 for an update."""
        import pyoxigraph as ox

        from kg.query.sparql import run_query
        from kg.serve.protocol import GRAPH, SELECT, choose
        from kg.store.lock import reading

        try:
            options: dict[str, Any] = {}
            if defaults:
                options["default_graph"] = [ox.NamedNode(iri) for iri in defaults]
            if named:
                options["named_graphs"] = [ox.NamedNode(iri) for iri in named]
        except ValueError as exc:
            return text_answer(400, f"default-graph-uri / named-graph-uri: not an IRI ({exc})")
        with reading(self.folder):
            store = self._open()
            try:
                result = run_query(store, query, names=self.prefixes, source="query", **options)
            except InputError as exc:
                if is_update(query):
                    return text_answer(403, "SPARQL updates are refused: this endpoint is read-only")
                return text_answer(400, str(exc))
            kind = GRAPH if isinstance(result, ox.QueryTriples) else SELECT
            chosen = choose(kind, format_name, accept)
            out = _Bounded(self.limit)
            try:
                if kind == GRAPH:
                    rdf = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}
                    names = self.prefixes if chosen.name == "turtle" else None
                    ox.serialize(result, out, rdf.get(chosen.name, ox.RdfFormat.RDF_XML), prefixes=names)
                else:
                    results = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}
                    result.serialize(out, getattr(ox.QueryResultsFormat, results[chosen.name]))
            except TooBig:
                return text_answer(400, f"the answer is over {self.limit // 2**20} MiB; ask for less (LIMIT)")
            except (OSError, ValueError, SyntaxError) as exc:  # an error met while evaluating
                return text_answer(400, f"the query failed: {' '.join(str(exc).split())[:300]}")
        media = chosen.media_type + ("; charset=utf-8" if chosen.media_type.startswith("text/") else "")
        return Answer(200, media, out.value())

    def api(self, verb: str, params: dict[str, str]) -> Answer:
        """Answer a JSON API call: 200 with the rows, 400 for bad parameters, 404 for an unknown verb or name."""
        from kg.serve.verbs import call, to_json

        try:
            rows = call(self.folder, verb, params)
        except LookupError as exc:
            return json_error(404, str(exc.args[0] if exc.args else exc))
        except UsageError as exc:
            return json_error(400, str(exc))
        except KgError as exc:
            return json_error(404, str(exc))
        return Answer(200, "application/json", to_json(rows))

    def run(self, task: tuple[Any, ...]) -> Answer:
        kind, *args = task
        try:
            if kind == "sparql":
                return self.sparql(*args)
            if kind == "api":
                return self.api(*args)
            return text_answer(500, f"unknown task {kind!r}")
        except UsageError as exc:
            return text_answer(400, str(exc))
        except KgError as exc:
            return text_answer(503, str(exc))
        except OSError as exc:
            return text_answer(500, f"{type(exc).__name__}: {exc}")


def main(connection: Any, folder: str, limit: int) -> None:
    """A worker process: report ready (or why not), then answer tasks until the connection closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    worker = Worker(Path(folder), limit)
    try:
        worker.check()
    except (KgError, OSError) as exc:
        connection.send(("error", " ".join(str(exc).split())))
        return
    connection.send(("ready", os.getpid()))
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = worker.run(task)
        except Exception as exc:  # a bug: answered, and the worker goes on
            answer = text_answer(500, f"{type(exc).__name__}: {exc}")
        connection.send(answer)
