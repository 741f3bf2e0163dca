"""The persistent build state ``OUT/state.sqlite``: what ``kg add`` needs to resolve new papers against a build
without re-reading it (design: ``docs/incremental.md``).

Tables: ``paper`` (metadata, extraction, insertion order, RDF part), ``member`` (one row per extracted entity:
its key and, when the key depends on the corpus-wide abbreviation definitions, its compact short form),
``definition`` (short form -> long forms, counted), ``entity`` (per key: distinct papers and the counters its
name, type and aliases are decided from), ``paper_key`` (the ids other than its own a paper answers to when
cited: ``Paper.citation_keys``), ``citation`` (paper -> each id it cites, ``Paper.references``) and ``meta``.
Every change is one SQLite transaction, so a killed writer leaves the state as it was.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import sqlite3
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import KgError, ReadOnlyBuild
from kg.resolve.entities import Aggregate
from kg.store.cache import entities_json, entity_from_dict
from kg.types import ExtractedEntity, Paper, PaperExtraction

STATE_FILE = "state.sqlite"
SCHEMA_VERSION = "2"  # 2: paper and entity rows carry checksums (``seal``); a kg that knows only 1 refuses it
READABLE_SCHEMAS = ("1", "2")  # 1 is read as it is (no checksums) and becomes 2 at its first change
CHECK_BYTES = 64 * 2**20  # states up to this size get SQLite's integrity_check when opened (~0.3 s at 64 MiB)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paper (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, part INTEGER NOT NULL, data TEXT NOT NULL, extraction TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paper_part ON paper (part);
CREATE TABLE IF NOT EXISTS member (
    paper_id TEXT NOT NULL, ordinal INTEGER NOT NULL, key TEXT NOT NULL, bare TEXT,
    PRIMARY KEY (paper_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS member_key ON member (key);
CREATE INDEX IF NOT EXISTS member_bare ON member (bare) WHERE bare IS NOT NULL;
CREATE TABLE IF NOT EXISTS definition (
    short TEXT NOT NULL, long TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (short, long)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity (key TEXT PRIMARY KEY, papers INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retracted (line BLOB PRIMARY KEY) WITHOUT ROWID;
"""
_CITATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper_key (key TEXT NOT NULL, paper_id TEXT NOT NULL, PRIMARY KEY (key, paper_id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS citation (ref TEXT NOT NULL, paper_id TEXT NOT NULL, PRIMARY KEY (ref, paper_id))
    WITHOUT ROWID;
"""


@dataclass(slots=True)
class StoredPaper:
    """A paper as the state holds it."""

    paper: Paper
    part: int
    extraction: PaperExtraction


def paper_json(paper: Paper) -> str:
    return json.dumps(paper.to_dict(), ensure_ascii=False)


def extraction_from_json(paper_id: str, text: str) -> PaperExtraction:
    return PaperExtraction(paper_id, [entity_from_dict(row) for row in json.loads(text)])


def damaged(path: Path, detail: str) -> KgError:
    """The one line for a build state that cannot be read: named, and the way out that works (``kg build`` writes
    a new state and never reads the old one; ``kg add`` and the queries need it whole)."""
    return KgError(
        f"{path}: the build state is damaged ({detail}); rebuild it with 'kg build INPUT... --out {path.parent}' "
        "(the extraction cache makes that quick)"
    )


def database_error(path: Path, exc: sqlite3.Error) -> KgError:
    """A ``KgError`` for an SQLite error on ``path``: a read-only folder, a busy file, or damage."""
    message = str(exc) or type(exc).__name__
    if "readonly" in message or "read-only" in message:
        return ReadOnlyBuild(f"{path.parent}: the build folder is read-only ({message}); this command writes it")
    if "locked" in message or "busy" in message:
        return KgError(f"{path}: {message}: another program is using the build state; try again")
    if "unable to open" in message or "disk I/O" in message or "full" in message:
        return KgError(f"{path}: cannot use the build state ({message})")
    return damaged(path, message)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with SQLite errors (and undecodable rows) turned into one-line ``KgError``s naming the file."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: BuildState, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise database_error(self.path, exc) from None

        return generator

    @functools.wraps(method)
    def wrapper(self: BuildState, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None

    return wrapper


class BuildState:
    """One open ``state.sqlite``. Use ``transaction()`` around every change."""

    def __init__(self, path: Path | None, create: bool = False, readonly: bool = False, check: bool = True) -> None:
        """Open ``path`` (``create``: make it if missing; ``readonly``: for reading only, as queries do, so that a
        read-only build can be queried; ``check``: SQLite's integrity check when the file is small);
        ``path=None``: a fresh state in memory."""
        self.path = Path(path) if path is not None else Path(":memory:")
        if path is None:
            create, readonly = True, False
        elif not create and not self.path.exists():
            raise KgError(f"{self.path.parent}: no build state here; run 'kg build INPUT... --out {self.path.parent}'")
        try:
            if readonly:
                uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
            else:
                target = ":memory:" if path is None else self.path
                self.db = sqlite3.connect(target, isolation_level=None, timeout=10.0)
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        try:
            if not readonly:
                self.db.execute("PRAGMA journal_mode=DELETE")
                self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-200000")
            if create:
                self.db.executescript(_SCHEMA + _CITATION_SCHEMA)
                if self.meta("schema") is None:
                    self.set_meta("schema", SCHEMA_VERSION)
            elif check and path is not None and os.path.getsize(self.path) <= CHECK_BYTES:
                problems = [row[0] for row in self.db.execute("PRAGMA integrity_check(5)")]
                if problems != ["ok"]:
                    raise damaged(self.path, "; ".join(problems)[:200])
            schema = self.meta("schema")
        except KgError:
            self.db.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            self.db.close()
            if isinstance(exc, OSError):
                raise
            raise database_error(self.path, exc) from None
        if schema not in READABLE_SCHEMAS:
            self.db.close()
            if schema is None:
                raise damaged(self.path, "no schema version")
            raise KgError(
                f"{self.path}: build state of another kg version; rebuild it with 'kg build INPUT... --out "
                f"{self.path.parent}'"
            )
        try:
            self.cites = self._citation_tables(readonly)
        except BaseException as exc:
            self.db.close()
            if isinstance(exc, sqlite3.Error):
                raise database_error(self.path, exc) from None
            raise

    def _citation_tables(self, readonly: bool) -> bool:
        """Whether the citation tables are there; a state written before them gets them (filled from its papers)
        when opened for writing. Read only, it is read as a state without citations (it has none)."""
        found = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_key'").fetchone()
        if found or readonly:
            return found is not None
        with self.transaction():
            for statement in _CITATION_SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)  # not executescript: it would commit the transaction
            self._put_citations(stored.paper for stored in self.iter_papers())
        return True

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: commit at the end of the block, roll back on any exception (Ctrl-C included)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        if self.meta("schema") != SCHEMA_VERSION:
            self.set_meta("schema", SCHEMA_VERSION)  # rows written from now on are sealed
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise database_error(self.path, exc) from None

    # ---- meta

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str | int) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, str(value)))

    def generation(self) -> int:
        """How many times the state was changed (a build or an add each count one)."""
        return int(self.meta("generation") or 0)

    def _rows_where_in(self, select: str, column: str, values: Iterable[str]) -> Iterator[tuple]:
        """Rows of ``select ... WHERE column IN (values)``, asked 500 values at a time (SQLite's variable limit)."""
        items = list(values)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            yield from self.db.execute(f"{select} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)

    # ---- papers

    def paper_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM paper").fetchone()[0])

    def get_papers(self, ids: Iterable[str]) -> dict[str, StoredPaper]:
        rows = self._rows_where_in("SELECT id, part, data, extraction FROM paper", "id", ids)
        try:
            return {row[0]: self._paper(row) for row in rows}
        finally:
            rows.close()  # a damaged row stops it half-way: close it while the database is open

    def iter_papers(self, part: int | None = None) -> Iterator[StoredPaper]:
        """Every paper in insertion order (or those of one RDF part)."""
        sql = "SELECT id, part, data, extraction FROM paper"
        rows = (
            self.db.execute(sql + " ORDER BY seq")
            if part is None
            else self.db.execute(sql + " WHERE part = ? ORDER BY seq", (part,))
        )
        for row in rows:
            yield self._paper(row)

    def _paper(self, row: tuple) -> StoredPaper:
        try:
            return _stored_paper(*row)
        except _ROW_ERRORS as exc:
            raise damaged(self.path, f"paper {str(row[0])[:80]!r}: {type(exc).__name__}: {str(exc)[:120]}") from None

    def put_paper(self, paper: Paper, extraction: Sequence[ExtractedEntity], part: int) -> None:
        """Insert a paper or replace one (a replaced paper keeps its place in the order)."""
        seq = self.db.execute("SELECT seq FROM paper WHERE id = ?", (paper.id,)).fetchone()
        if seq is None:
            seq = (int(self.meta("next_seq") or 0),)
            self.set_meta("next_seq", seq[0] + 1)
        else:
            self._put_citations([self.get_papers([paper.id])[paper.id].paper], sign=-1)
        self._put_citations([paper])
        self.db.execute(
            "INSERT OR REPLACE INTO paper (id, seq, part, data, extraction) VALUES (?, ?, ?, ?, ?)",
            (paper.id, seq[0], part, seal(paper.id, paper_json(paper)), seal(paper.id, entities_json(extraction))),
        )

    def put_papers(self, rows: Sequence[tuple[Paper, Sequence[ExtractedEntity], int]]) -> None:
        """Insert new papers (ids not in the state) in one statement."""
        start = int(self.meta("next_seq") or 0)
        self._put_citations(paper for paper, _, _ in rows)
        self.db.executemany(
            "INSERT INTO paper (id, seq, part, data, extraction) VALUES (?, ?, ?, ?, ?)",
            (
                (paper.id, start + n, part, seal(paper.id, paper_json(paper)), seal(paper.id, entities_json(entities)))
                for n, (paper, entities, part) in enumerate(rows)
            ),
        )
        self.set_meta("next_seq", start + len(rows))

    def _put_citations(self, papers: Iterable[Paper], sign: int = 1) -> None:
        """Add (``sign=-1``: remove) the papers' rows of ``paper_key`` and ``citation``."""
        keys: list[tuple[str, str]] = []
        refs: list[tuple[str, str]] = []
        for paper in papers:
            keys.extend((key, paper.id) for key in paper.citation_keys() if key != paper.id)
            refs.extend((ref, paper.id) for ref in dict.fromkeys(paper.references))
        if sign > 0:
            self.db.executemany("INSERT OR IGNORE INTO paper_key (key, paper_id) VALUES (?, ?)", keys)
            self.db.executemany("INSERT OR IGNORE INTO citation (ref, paper_id) VALUES (?, ?)", refs)
        else:
            self.db.executemany("DELETE FROM paper_key WHERE key = ? AND paper_id = ?", keys)
            self.db.executemany("DELETE FROM citation WHERE ref = ? AND paper_id = ?", refs)

    def holders(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """Citation key -> ids of the stored papers answering to it (``kg.graph.citations``), for ``keys``."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, set[str]] = defaultdict(set)
        for (paper_id,) in self._rows_where_in("SELECT id FROM paper", "id", wanted):
            found[paper_id].add(paper_id)
        if self.cites:
            for key, paper_id in self._rows_where_in("SELECT key, paper_id FROM paper_key", "key", wanted):
                found[key].add(paper_id)
        return found

    def papers_citing(self, keys: Iterable[str]) -> set[str]:
        """Ids of the stored papers with a reference among ``keys``."""
        if not self.cites:
            return set()
        return {row[0] for row in self._rows_where_in("SELECT paper_id FROM citation", "ref", keys)}

    def relation_count(self) -> int:
        """Paper -> entity relations (distinct paper and key; keys merged by overrides are counted apart)."""
        return int(self.db.execute("SELECT COUNT(*) FROM (SELECT DISTINCT paper_id, key FROM member)").fetchone()[0])

    def part_of(self, paper_ids: Iterable[str]) -> dict[str, int]:
        """paper id -> the RDF part holding it."""
        return dict(self._rows_where_in("SELECT id, part FROM paper", "id", paper_ids))

    def parts(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT part FROM paper ORDER BY part")]

    # ---- members

    def members_of(self, paper_ids: Iterable[str]) -> dict[str, dict[int, str]]:
        """paper id -> ordinal -> key."""
        found: dict[str, dict[int, str]] = defaultdict(dict)
        for paper_id, ordinal, key in self._rows_where_in(
            "SELECT paper_id, ordinal, key FROM member", "paper_id", paper_ids
        ):
            found[paper_id][ordinal] = key
        return found

    def bare_members(self, short: str) -> list[tuple[str, int, str]]:
        """(paper id, ordinal, key) of the members whose key depends on the definitions of ``short``."""
        return list(self.db.execute("SELECT paper_id, ordinal, key FROM member WHERE bare = ?", (short,)))

    def papers_with_keys(self, keys: Iterable[str]) -> set[str]:
        return {row[0] for row in self._rows_where_in("SELECT paper_id FROM member", "key", keys)}

    def delete_members(self, paper_id: str) -> None:
        self.db.execute("DELETE FROM member WHERE paper_id = ?", (paper_id,))

    def put_members(self, rows: Iterable[tuple[str, int, str, str | None]]) -> None:
        self.db.executemany("INSERT INTO member (paper_id, ordinal, key, bare) VALUES (?, ?, ?, ?)", rows)

    def set_member_keys(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """(new key, paper id, ordinal)."""
        self.db.executemany("UPDATE member SET key = ? WHERE paper_id = ? AND ordinal = ?", rows)

    # ---- definitions and entities

    def definitions(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for short, long_form, count in self.db.execute("SELECT short, long, count FROM definition"):
            found[short][long_form] = count
        return found

    def put_definitions(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """(short, long, count); a count of 0 removes the definition."""
        rows = list(rows)
        self.db.executemany(
            "DELETE FROM definition WHERE short = ? AND long = ?", [(s, lf) for s, lf, c in rows if c <= 0]
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO definition (short, long, count) VALUES (?, ?, ?)", [r for r in rows if r[2] > 0]
        )

    def aggregates(self) -> tuple[dict[str, Aggregate], dict[str, int]]:
        """Every key's aggregate and distinct-paper count."""
        aggregates: dict[str, Aggregate] = {}
        papers: dict[str, int] = {}
        for key, count, data in self.db.execute("SELECT key, papers, data FROM entity"):
            try:
                aggregates[key] = Aggregate.from_json(json.loads(unseal(f"{key}\x00{count}", data)))
            except _ROW_ERRORS as exc:
                raise damaged(self.path, f"entity {str(key)[:80]!r}: {type(exc).__name__}: {str(exc)[:120]}") from None
            papers[key] = count
        return aggregates, papers

    def put_aggregates(self, rows: Iterable[tuple[str, Aggregate | None, int]]) -> None:
        """(key, aggregate or None to delete, distinct papers)."""
        rows = list(rows)
        self.db.executemany("DELETE FROM entity WHERE key = ?", [(k,) for k, agg, _ in rows if agg is None])
        self.db.executemany(
            "INSERT OR REPLACE INTO entity (key, papers, data) VALUES (?, ?, ?)",
            [
                (k, n, seal(f"{k}\x00{n}", json.dumps(agg.to_json(), ensure_ascii=False)))
                for k, agg, n in rows
                if agg is not None
            ],
        )

    # ---- RDF lines retracted since the build (kg.sinks.rdf_parts)

    def retract(self, add: Iterable[bytes], remove: Iterable[bytes]) -> None:
        self.db.executemany("DELETE FROM retracted WHERE line = ?", ((line,) for line in remove))
        self.db.executemany("INSERT OR IGNORE INTO retracted (line) VALUES (?)", ((line,) for line in add))

    def retracted(self) -> Iterator[bytes]:
        for (line,) in self.db.execute("SELECT line FROM retracted ORDER BY line"):
            yield bytes(line)


def _stored_paper(paper_id: str, part: int, data: str, extraction: str) -> StoredPaper:
    paper = Paper.from_dict(json.loads(unseal(paper_id, data)))
    return StoredPaper(paper, part, extraction_from_json(paper_id, unseal(paper_id, extraction)))


def _digest(owner: str, text: str) -> str:
    return hashlib.blake2b(f"{owner}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def seal(owner: str, text: str) -> str:
    """A row's JSON as stored: a checksum of it and of the row it belongs to (``owner``), a space, the JSON; SQLite
    checks its pages, not the bytes of a value, so a flipped bit inside a title would otherwise be read as data."""
    return f"{_digest(owner, text)} {text}"


def unseal(owner: str, stored: str) -> str:
    """The JSON of a sealed value (``ValueError`` when its checksum does not match); a value written before
    checksums (JSON from its first character) is taken as it is."""
    if stored[:1] in ("{", "["):
        return stored
    digest, _, text = stored.partition(" ")
    if digest != _digest(owner, text):
        raise ValueError("checksum mismatch")
    return text


_ROW_ERRORS = (ValueError, KeyError, TypeError, AttributeError)  # JSON that does not parse or has the wrong shape

for _name, _method in list(vars(BuildState).items()):
    if callable(_method) and not _name.startswith("_") and _name not in ("transaction", "close"):
        setattr(BuildState, _name, _guarded(_method))
