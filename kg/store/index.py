"""The query index ``OUT/index.sqlite``: what ``kg query`` and ``kg entity`` answer from in milliseconds, without
loading ``graph.json`` (design: docs/queries.md, "How the answers are found").

Tables: ``paper`` (id, title, date or year, url, the span of days its date covers, its year and month),
``entity`` (label, type, names and counts, papers, first and last seen, the paper that introduced it), ``name``
(every name of an entity with its folded key: the one name lookup's exact and folded steps are two indexed
look-ups), ``relation`` (one per paper and entity: PROPOSES, USES, EVALUATES_ON or MENTIONS, the first evidence
sentence and the evidence texts), ``cites`` (the references a paper gives, by paper id), ``entity_period``
(papers per entity, period and relation, by year and by month: what ``trend`` and ``rising`` read) and ``meta``
(schema, the build state's generation it was written from, the corpus's span).

Written whole by ``write_index`` (a temporary file renamed into place), or brought up to date by
``update_index`` on a copy (one transaction; ``kg add`` stages that copy and moves it in with its other files).
The rows come from the caller (``kg.graph.index``): this module only stores and reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import KgError

INDEX_FILE = "index.sqlite"
SCHEMA_VERSION = "1"
KINDS = ("PROPOSES", "USES", "EVALUATES_ON", "MENTIONS")  # strongest first
_SEPARATOR = "\x1f"  # between the evidence texts of one relation
_CHUNK = 500  # values per IN (...) (SQLite's variable limit)

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE paper (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, date TEXT, year INTEGER, url TEXT,
    seen TEXT, start TEXT, end TEXT, year_period TEXT, month_period TEXT, refs INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE entity (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL, type TEXT NOT NULL,
    generic INTEGER NOT NULL, full_name TEXT, family TEXT, mentions INTEGER NOT NULL, data TEXT NOT NULL,
    papers INTEGER NOT NULL DEFAULT 0, first_seen TEXT, first_start TEXT, last_seen TEXT, first_paper INTEGER
);
CREATE TABLE name (entity INTEGER NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE relation (
    entity INTEGER NOT NULL, paper INTEGER NOT NULL, kind TEXT NOT NULL, sentence TEXT NOT NULL,
    texts TEXT NOT NULL, PRIMARY KEY (entity, paper)
) WITHOUT ROWID;
CREATE TABLE cites (paper INTEGER NOT NULL, cited TEXT NOT NULL, PRIMARY KEY (paper, cited)) WITHOUT ROWID;
CREATE TABLE entity_period (
    by TEXT NOT NULL, period TEXT NOT NULL, entity INTEGER NOT NULL, kind TEXT NOT NULL, papers INTEGER NOT NULL,
    PRIMARY KEY (by, period, entity, kind)
) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS name_name ON name (name);
CREATE INDEX IF NOT EXISTS name_key ON name (key);
CREATE INDEX IF NOT EXISTS name_entity ON name (entity);
CREATE INDEX IF NOT EXISTS relation_paper ON relation (paper, entity);
CREATE INDEX IF NOT EXISTS cites_cited ON cites (cited);
CREATE INDEX IF NOT EXISTS entity_first ON entity (first_start);
CREATE INDEX IF NOT EXISTS entity_period_entity ON entity_period (entity, by);
CREATE INDEX IF NOT EXISTS paper_title ON paper (title COLLATE NOCASE);
"""


@dataclass(slots=True)
class PaperRow:
    """A paper as the index holds it: ``start``/``end`` are the first and last day its date covers, the periods
    those of ``kg.graph.measures.period_of`` (None when its date does not say)."""

    id: str
    title: str
    date: str | None = None
    year: int | None = None
    url: str | None = None
    start: str | None = None
    end: str | None = None
    year_period: str | None = None
    month_period: str | None = None
    references: list[str] = field(default_factory=list)  # ids of the papers of the graph it cites (CITES)
    outside: int = 0  # its references that found no paper of the graph


@dataclass(slots=True)
class EntityRow:
    """An entity: ``names`` and ``keys`` (their folded keys, one each) are what the name lookup matches."""

    id: str
    label: str
    type: str
    names: list[str]
    keys: list[str]
    generic: bool = False
    full_name: str | None = None
    family: str | None = None
    mentions: int = 0
    aliases: dict[str, int] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    curated: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # labels of the entities that are variants of it


@dataclass(slots=True)
class RelationRow:
    paper_id: str
    entity_id: str
    kind: str
    sentence: str
    texts: list[str]  # the entity as written in each evidence, distinct


@dataclass(slots=True)
class Rows:
    """What an index is written from."""

    papers: list[PaperRow] = field(default_factory=list)
    entities: list[EntityRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)


def index_error(path: Path, exc: sqlite3.Error) -> KgError:
    return KgError(
        f"{path}: the query index cannot be read ({exc}); rewrite it with 'kg build INPUT... --out {path.parent}'"
    )


# ---------------------------------------------------------------------------------------------- writing


def write_index(path: Path, rows: Rows, generation: int) -> Path:
    """Write ``path`` from ``rows``: into a temporary file beside it, renamed into place when complete."""
    path = Path(path)
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            _fill(db, rows, generation)
        finally:
            db.close()
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def memory_index(rows: Rows, generation: int = 0) -> QueryIndex:
    """An index in memory (for a graph that has no build folder: ``kg.build(papers)``, a graph.json file)."""
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    _fill(db, rows, generation)
    return QueryIndex(db, Path(":memory:"))


def _fill(db: sqlite3.Connection, rows: Rows, generation: int) -> None:
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.executescript(_SCHEMA)
    db.execute("BEGIN")
    _put_papers(db, rows.papers)
    _put_entities(db, rows.entities, {})
    _put_relations(db, rows.relations)
    for statement in _INDEXES.strip().split(";"):
        if statement.strip():
            db.execute(statement)
    _aggregate(db, generation)
    db.execute("COMMIT")


def update_index(source: Path, target: Path, rows: Rows, paper_ids: Iterable[str], generation: int) -> Path:
    """``target``: a copy of the index ``source`` with the papers ``paper_ids`` (added or changed) replaced by
    those of ``rows``, every entity by ``rows.entities`` (all of them), the counts recomputed. One transaction
    on the copy; ``source`` is not changed."""
    target = Path(target)
    temporary = target.parent / f".{target.name}.{os.getpid()}.tmp"
    shutil.copyfile(source, temporary)
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            if _meta(db, "schema") != SCHEMA_VERSION:
                raise KgError(f"{source}: a query index of another kg version; rebuild with 'kg build'")
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("BEGIN")
            numbers = _paper_numbers(db, paper_ids)
            _delete_where_in(db, "DELETE FROM relation WHERE paper", list(numbers.values()))
            _delete_where_in(db, "DELETE FROM cites WHERE paper", list(numbers.values()))
            _put_papers(db, rows.papers, upsert=True)
            known = dict(db.execute("SELECT id, n FROM entity"))
            db.execute("DELETE FROM entity")
            db.execute("DELETE FROM name")
            _put_entities(db, rows.entities, known)
            _put_relations(db, rows.relations)
            db.execute("DELETE FROM relation WHERE entity NOT IN (SELECT n FROM entity)")
            _aggregate(db, generation)
            db.execute("COMMIT")
        finally:
            db.close()
        _fsync(temporary)
        os.replace(temporary, target)
    except sqlite3.Error as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise index_error(Path(source), exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


def _put_papers(db: sqlite3.Connection, papers: Sequence[PaperRow], upsert: bool = False) -> None:
    sql = (
        "INSERT INTO paper (id, title, date, year, url, seen, start, end, year_period, month_period, refs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    if upsert:
        sql += (
            " ON CONFLICT(id) DO UPDATE SET title=excluded.title, date=excluded.date, year=excluded.year, "
            "url=excluded.url, seen=excluded.seen, start=excluded.start, end=excluded.end, "
            "year_period=excluded.year_period, month_period=excluded.month_period, refs=excluded.refs"
        )
    db.executemany(
        sql,
        (
            (
                p.id,
                p.title,
                p.date,
                p.year,
                p.url,
                p.date or (str(p.year) if p.year is not None else None),
                p.start,
                p.end,
                p.year_period,
                p.month_period,
                p.outside,
            )
            for p in papers
        ),
    )
    numbers = _paper_numbers(db, [p.id for p in papers if p.references])
    db.executemany(
        "INSERT OR IGNORE INTO cites (paper, cited) VALUES (?, ?)",
        ((numbers[p.id], str(ref)) for p in papers if p.references for ref in p.references),
    )


def _put_entities(db: sqlite3.Connection, entities: Sequence[EntityRow], known: dict[str, int]) -> None:
    start = max(known.values(), default=0) + 1
    fresh = iter(range(start, start + len(entities)))
    numbered = [(known.get(e.id) or next(fresh), e) for e in entities]
    db.executemany(
        "INSERT INTO entity (n, id, label, type, generic, full_name, family, mentions, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                n,
                e.id,
                e.label,
                e.type,
                int(e.generic),
                e.full_name,
                e.family,
                e.mentions,
                json.dumps(
                    {
                        "aliases": e.aliases,
                        "external_ids": e.external_ids,
                        "curated": e.curated,
                        "variants": e.variants,
                    },
                    ensure_ascii=False,
                ),
            )
            for n, e in numbered
        ),
    )
    db.executemany(
        "INSERT INTO name (entity, name, key) VALUES (?, ?, ?)",
        ((n, name, key) for n, e in numbered for name, key in zip(e.names, e.keys, strict=True)),
    )


def _put_relations(db: sqlite3.Connection, relations: Sequence[RelationRow]) -> None:
    """In primary-key order (appends, not scattered inserts); of two relations of one paper and entity, the
    strongest (``KINDS``) is kept."""
    papers = _paper_numbers(db, {r.paper_id for r in relations})
    entities = dict(db.execute("SELECT id, n FROM entity"))
    rank = {kind: at for at, kind in enumerate(KINDS)}
    rows = sorted(
        (entities[r.entity_id], papers[r.paper_id], rank.get(r.kind, len(KINDS)), r.kind, r.sentence, r.texts)
        for r in relations
        if r.entity_id in entities and r.paper_id in papers
    )
    db.executemany(
        "INSERT OR IGNORE INTO relation (entity, paper, kind, sentence, texts) VALUES (?, ?, ?, ?, ?)",
        ((entity, paper, kind, sentence, _SEPARATOR.join(texts)) for entity, paper, _, kind, sentence, texts in rows),
    )


def _aggregate(db: sqlite3.Connection, generation: int) -> None:
    """Per entity: papers, first and last seen, the paper that introduced it (the earliest dated paper; of those
    of one date, a proposing one first, then by id); papers per period and relation; the meta. One pass over the
    relations, counted here (a third of the time of the same in SQL's GROUP BY and window functions)."""
    papers: dict[int, int] = {}
    first: dict[int, tuple[str, bool, str, int, str]] = {}  # entity -> (start, not proposing, paper id, n, seen)
    last: dict[int, tuple[str, str, str]] = {}  # entity -> (end, paper id, seen)
    periods: dict[tuple[str, str, int, str], int] = {}
    relations = db.execute(
        "SELECT r.entity, r.kind, p.n, p.id, p.seen, p.start, p.end, p.year_period, p.month_period "
        "FROM relation r JOIN paper p ON p.n = r.paper"
    )
    for entity, kind, n, paper_id, seen, start, end, year, month in relations:
        papers[entity] = papers.get(entity, 0) + 1
        if start is not None:
            key = (start, kind != "PROPOSES", paper_id, n, seen)
            if entity not in first or key < first[entity]:
                first[entity] = key
            known = last.get(entity)
            if known is None or end > known[0] or (end == known[0] and paper_id < known[1]):
                last[entity] = (end, paper_id, seen)
        for by, period in (("year", year), ("month", month)):
            if period is not None:
                for which in (kind, "*"):  # '*': any relation (one relation per paper and entity)
                    at = (by, period, entity, which)
                    periods[at] = periods.get(at, 0) + 1
    db.execute("UPDATE entity SET papers = 0, first_seen = NULL, first_start = NULL, last_seen = NULL")
    db.executemany(
        "UPDATE entity SET papers = ?, first_start = ?, first_paper = ?, first_seen = ?, last_seen = ? WHERE n = ?",
        (
            (
                count,
                *((f[0], f[3], f[4]) if (f := first.get(e)) else (None, None, None)),
                last.get(e, ("",) * 3)[2] or None,
                e,
            )
            for e, count in papers.items()
        ),
    )
    db.execute("DELETE FROM entity_period")
    db.executemany(
        "INSERT INTO entity_period (by, period, entity, kind, papers) VALUES (?, ?, ?, ?, ?)",
        ((*key, count) for key, count in sorted(periods.items())),
    )
    span = db.execute(
        "SELECT COUNT(*), MIN(year_period), MAX(year_period), MIN(month_period), MAX(month_period), "
        "SUM(start IS NULL) FROM paper"
    ).fetchone()
    meta = {
        "schema": SCHEMA_VERSION,
        "generation": str(generation),
        "papers": str(span[0]),
        "span": json.dumps({"year": [span[1], span[2]], "month": [span[3], span[4]]}),
        "undated": str(span[5] or 0),
    }
    db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", meta.items())


def _paper_numbers(db: sqlite3.Connection, ids: Iterable[str]) -> dict[str, int]:
    return dict(_rows_where_in(db, "SELECT id, n FROM paper WHERE id", list(ids)))


def _rows_where_in(db: sqlite3.Connection, select: str, values: Sequence[Any], *more: Any) -> Iterator[tuple]:
    """Rows of ``select IN (values)`` (``select`` ends with the column), asked ``_CHUNK`` values at a time;
    ``more``: parameters after the IN list (``select`` then holds the rest of the query after a ``{}``)."""
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        sql = select.format(f"IN ({marks})") if "{}" in select else f"{select} IN ({marks})"
        yield from db.execute(sql, [*chunk, *more])


def _delete_where_in(db: sqlite3.Connection, delete: str, values: Sequence[Any]) -> None:
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        db.execute(f"{delete} IN ({','.join('?' * len(chunk))})", chunk)


def _meta(db: sqlite3.Connection, name: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb+") as handle:
        os.fsync(handle.fileno())


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class PaperInfo:
    id: str
    title: str
    date: str | None
    year: int | None
    url: str | None


@dataclass(frozen=True, slots=True)
class EntityInfo:
    id: str
    label: str
    type: str
    generic: bool
    full_name: str | None
    family: str | None
    mentions: int
    papers: int
    first_seen: str | None
    last_seen: str | None
    first_paper: PaperInfo | None
    aliases: dict[str, int]
    external_ids: dict[str, str]
    curated: list[str]
    variants: list[str]


_PAPER = "p.id, p.title, p.date, p.year, p.url"
_ENTITY = (
    "e.id, e.label, e.type, e.generic, e.full_name, e.family, e.mentions, e.papers, e.first_seen, e.last_seen, "
    "e.data, f.id, f.title, f.date, f.year, f.url"
)


def _window(low: str | None, high: str | None, alias: str = "p") -> tuple[str, list[str]]:
    """SQL (`` AND ...``) keeping the papers whose date may fall between ``low`` and ``high`` (first and last day,
    as ``kg.sources.dates.within``: undated papers are out as soon as there is a bound)."""
    sql, args = "", []
    if low is not None:
        sql += f" AND {alias}.end >= ?"
        args.append(low)
    if high is not None:
        sql += f" AND {alias}.start <= ?"
        args.append(high)
    return sql, args


class QueryIndex:
    """One open query index (read-only on disk, or in memory)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self._numbers: dict[str, int] = {}

    @classmethod
    def open(cls, path: Path) -> QueryIndex:
        """Open ``path`` read-only; a ``KgError`` when it is not a query index of this kg."""
        path = Path(path)
        uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            schema = _meta(db, "schema")
        except sqlite3.Error as exc:
            raise index_error(path, exc) from None
        if schema != SCHEMA_VERSION:
            db.close()
            raise KgError(
                f"{path}: a query index of another kg version; rewrite it with 'kg build --out {path.parent}'"
            )
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise index_error(self.path, exc) from None

    def meta(self, name: str) -> str | None:
        found = self._all("SELECT value FROM meta WHERE name = ?", (name,))
        return found[0][0] if found else None

    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    def total_papers(self) -> int:
        return int(self.meta("papers") or 0)

    def undated_papers(self) -> int:
        return int(self.meta("undated") or 0)

    def span(self, by: str) -> tuple[str | None, str | None]:
        """The first and last period (``year`` or ``month``) of the corpus's dated papers."""
        found = json.loads(self.meta("span") or "{}").get(by) or [None, None]
        return found[0], found[1]

    # ---- names (the one lookup's data: kg.graph.names)

    def exact(self, name: str) -> list[str]:
        """Ids of the entities with the name ``name`` as written."""
        return [
            r[0]
            for r in self._all(
                "SELECT DISTINCT e.id FROM name n JOIN entity e ON e.n = n.entity WHERE n.name = ?", (name,)
            )
        ]

    def folded(self, key: str) -> list[str]:
        """Ids of the entities with a name whose folded key is ``key``."""
        return [
            r[0]
            for r in self._all(
                "SELECT DISTINCT e.id FROM name n JOIN entity e ON e.n = n.entity WHERE n.key = ?", (key,)
            )
        ]

    def name_keys(self) -> list[tuple[str, str]]:
        """(entity id, folded key) of every name, each key once per entity."""
        return self._all("SELECT DISTINCT e.id, n.key FROM name n JOIN entity e ON e.n = n.entity WHERE n.key != ''")

    def labels(self, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Entity id -> (label, mentions)."""
        return {
            r[0]: (r[1], r[2])
            for r in _rows_where_in(self.db, "SELECT id, label, mentions FROM entity WHERE id", list(ids))
        }

    def label_types(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Entity id -> (label, type)."""
        sql = "SELECT id, label, type FROM entity WHERE id"
        return {r[0]: (r[1], r[2]) for r in _rows_where_in(self.db, sql, list(ids))}

    # ---- entities

    def entities(self, ids: Iterable[str]) -> dict[str, EntityInfo]:
        sql = f"SELECT {_ENTITY} FROM entity e LEFT JOIN paper f ON f.n = e.first_paper WHERE e.id"
        return {row[0]: _entity_info(row) for row in _rows_where_in(self.db, sql, list(ids))}

    def entity_counts(self, ids: Iterable[str]) -> dict[str, int]:
        """Entity id -> papers."""
        return dict(_rows_where_in(self.db, "SELECT id, papers FROM entity WHERE id", list(ids)))

    def _entity_numbers(self, ids: Iterable[str]) -> list[int]:
        wanted = [i for i in ids if i not in self._numbers]
        self._numbers.update(_rows_where_in(self.db, "SELECT id, n FROM entity WHERE id", wanted))
        return [self._numbers[i] for i in ids if i in self._numbers]

    def new_entities(
        self, low: str | None, high: str | None, types: Sequence[str] = (), limit: int | None = None
    ) -> list[tuple[EntityInfo, str | None]]:
        """Entities first seen between ``low`` and ``high`` (days), newest first, with the relation by which
        their first paper names them."""
        sql = (
            f"SELECT {_ENTITY}, (SELECT kind FROM relation WHERE entity = e.n AND paper = e.first_paper) "
            "FROM entity e JOIN paper f ON f.n = e.first_paper WHERE e.first_start IS NOT NULL"
        )
        args: list[Any] = []
        if low is not None:
            sql += " AND e.first_start >= ?"
            args.append(low)
        if high is not None:
            sql += " AND e.first_start <= ?"
            args.append(high)
        if types:
            sql += f" AND e.type IN ({','.join('?' * len(types))})"
            args.extend(types)
        sql += " ORDER BY e.first_start DESC, e.papers DESC, e.label COLLATE NOCASE, e.id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(_entity_info(row[:-1]), row[-1]) for row in self._all(sql, args)]

    # ---- relations

    def relations(
        self,
        ids: Sequence[str],
        kinds: Sequence[str] = KINDS,
        low: str | None = None,
        high: str | None = None,
    ) -> list[tuple[PaperInfo, str, str, str, list[str]]]:
        """(paper, kind, entity id, first evidence sentence, evidence texts) of the entities ``ids``."""
        numbers = self._entity_numbers(ids)
        if not numbers:
            return []
        where, args = _window(low, high)
        sql = (
            f"SELECT {_PAPER}, r.kind, e.id, r.sentence, r.texts FROM relation r JOIN paper p ON p.n = r.paper "
            f"JOIN entity e ON e.n = r.entity WHERE r.kind IN ({','.join('?' * len(kinds))}){where} AND r.entity"
        )
        rows = self._in(sql, numbers, [*kinds, *args])
        return [
            (PaperInfo(*row[:5]), row[5], row[6], row[7], row[8].split(_SEPARATOR) if row[8] else []) for row in rows
        ]

    def _in(self, sql: str, values: Sequence[Any], before: Sequence[Any] = (), tail: str = "") -> list[tuple]:
        """``sql`` (ending with a column) ``IN (values)`` then ``tail``, with ``before`` as the parameters ahead of
        the list, asked ``_CHUNK`` values at a time."""
        found: list[tuple] = []
        try:
            for start in range(0, len(values), _CHUNK):
                chunk = list(values[start : start + _CHUNK])
                found.extend(self.db.execute(f"{sql} IN ({','.join('?' * len(chunk))}){tail}", [*before, *chunk]))
        except sqlite3.Error as exc:
            raise index_error(self.path, exc) from None
        return found

    def papers_count(self, ids: Sequence[str], low: str | None = None, high: str | None = None) -> int:
        """Distinct papers naming any of the entities ``ids`` (between the bounds)."""
        numbers = self._entity_numbers(ids)
        if not numbers:
            return 0
        where, args = _window(low, high)
        sql = (
            f"SELECT COUNT(DISTINCT r.paper) FROM relation r JOIN paper p ON p.n = r.paper WHERE 1{where} AND r.entity"
        )
        if len(numbers) > _CHUNK:
            raise KgError("too many entities in one question")
        return int(self._in(sql, numbers, args)[0][0])

    def together(
        self,
        ids: Sequence[str],
        low: str | None = None,
        high: str | None = None,
        min_support: int = 1,
        kinds: Sequence[str] = KINDS,
        other_kinds: Sequence[str] = KINDS,
        other_types: Sequence[str] = (),
    ) -> dict[str, int]:
        """Other entity id -> papers it shares with the entities ``ids`` (at least ``min_support``): papers that
        name one of ``ids`` with a relation of ``kinds`` and the other with one of ``other_kinds``; only other
        entities of ``other_types`` when given."""
        numbers = self._entity_numbers(ids)
        if not numbers:
            return {}
        where, args = _window(low, high)
        marks = ",".join("?" * len(numbers))
        sql = (
            "SELECT e.id, COUNT(DISTINCT o.paper) FROM relation r JOIN relation o ON o.paper = r.paper "
            f"JOIN entity e ON e.n = o.entity {'JOIN paper p ON p.n = r.paper' if where else ''} "
            f"WHERE r.entity IN ({marks}) AND o.entity NOT IN ({marks}){where}"
        )
        params: list[Any] = [*numbers, *numbers, *args]
        for column, values in (("r.kind", kinds), ("o.kind", other_kinds), ("e.type", other_types)):
            if values and (column == "e.type" or set(values) != set(KINDS)):
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                params.extend(values)
        sql += " GROUP BY o.entity HAVING COUNT(DISTINCT o.paper) >= ?"
        return dict(self._all(sql, [*params, min_support]))

    def counts_between(self, ids: Sequence[str], low: str | None, high: str | None) -> dict[str, int]:
        """Entity id -> its papers between the bounds."""
        numbers = self._entity_numbers(ids)
        where, args = _window(low, high)
        sql = (
            "SELECT e.id, COUNT(*) FROM relation r JOIN paper p ON p.n = r.paper JOIN entity e ON e.n = r.entity "
            f"WHERE 1{where} AND r.entity"
        )
        return dict(self._in(sql, numbers, args, " GROUP BY r.entity"))

    def papers_between(self, low: str | None, high: str | None) -> int:
        where, args = _window(low, high)
        return int(self._all(f"SELECT COUNT(*) FROM paper p WHERE 1{where}", args)[0][0])

    def periods(
        self, ids: Sequence[str], by: str, low: str | None = None, high: str | None = None
    ) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
        """(period, kind, papers) of the entities ``ids`` between the bounds, and per kind the papers whose date
        does not say the period (no date; by month: only a year)."""
        numbers = self._entity_numbers(ids)
        if not numbers:
            return [], {}
        column = "year_period" if by == "year" else "month_period"
        where, args = _window(low, high)
        marks = ",".join("?" * len(numbers))
        rows = self._all(
            f"SELECT p.{column}, r.kind, COUNT(DISTINCT r.paper) FROM relation r JOIN paper p ON p.n = r.paper "
            f"WHERE r.entity IN ({marks}){where} GROUP BY p.{column}, r.kind",
            [*numbers, *args],
        )
        dated = [(period, kind, n) for period, kind, n in rows if period is not None]
        undated: dict[str, int] = {}
        for period, kind, n in rows:
            if period is None:
                undated[kind] = undated.get(kind, 0) + n
        return dated, undated

    def period_totals(
        self, ids: Sequence[str], by: str, low: str | None = None, high: str | None = None
    ) -> tuple[dict[str, int], int]:
        """Period -> distinct papers naming any of ``ids``, and how many such papers have no such period."""
        numbers = self._entity_numbers(ids)
        if not numbers:
            return {}, 0
        column = "year_period" if by == "year" else "month_period"
        where, args = _window(low, high)
        marks = ",".join("?" * len(numbers))
        rows = self._all(
            f"SELECT p.{column}, COUNT(DISTINCT r.paper) FROM relation r JOIN paper p ON p.n = r.paper "
            f"WHERE r.entity IN ({marks}){where} GROUP BY p.{column}",
            [*numbers, *args],
        )
        return {period: n for period, n in rows if period is not None}, sum(n for period, n in rows if period is None)

    def series(
        self, by: str, first: str, last: str, types: Sequence[str] = (), recent: str | None = None, least: int = 0
    ) -> dict[str, dict[str, int]]:
        """Entity id -> period -> papers (any relation) for the periods from ``first`` to ``last``, of the
        entities with at least ``least`` papers from period ``recent`` to ``last``."""
        sql = (
            "WITH c AS (SELECT entity FROM entity_period WHERE by = ? AND period >= ? AND period <= ? AND kind = '*' "
            "GROUP BY entity HAVING SUM(papers) >= ?) "
            "SELECT e.id, ep.period, ep.papers FROM entity_period ep JOIN c ON c.entity = ep.entity "
            "JOIN entity e ON e.n = ep.entity WHERE ep.by = ? AND ep.period >= ? AND ep.period <= ? AND ep.kind = '*'"
        )
        args: list[Any] = [by, recent or first, last, least, by, first, last]
        if types:
            sql += f" AND e.type IN ({','.join('?' * len(types))})"
            args.extend(types)
        found: dict[str, dict[str, int]] = {}
        for entity_id, period, papers in self._all(sql, args):
            found.setdefault(entity_id, {})[period] = int(papers)
        return found

    # ---- papers

    def paper(self, text: str) -> list[PaperInfo]:
        """The paper with id ``text``, else those titled ``text`` (any case)."""
        rows = self._all(f"SELECT {_PAPER} FROM paper p WHERE p.id = ?", (text.strip(),))
        if not rows:
            rows = self._all(
                f"SELECT {_PAPER} FROM paper p WHERE p.title = ? COLLATE NOCASE ORDER BY p.id",
                (" ".join(text.split()),),
            )
        return [PaperInfo(*row) for row in rows]

    def paper_entities(self, paper_id: str) -> list[tuple[str, str, int]]:
        """(entity id, kind, the entity's papers) of a paper."""
        return self._all(
            "SELECT e.id, r.kind, e.papers FROM relation r JOIN entity e ON e.n = r.entity "
            "JOIN paper p ON p.n = r.paper WHERE p.id = ? ORDER BY e.id",
            (paper_id,),
        )

    def sharing(
        self, paper_id: str, weights: dict[str, float], low: str | None = None, high: str | None = None
    ) -> dict[str, tuple[float, list[str]]]:
        """Other paper id -> (sum of ``weights`` of the entities it shares with ``paper_id``, their ids)."""
        if not weights:
            return {}
        numbers = dict(_rows_where_in(self.db, "SELECT id, n FROM entity WHERE id", list(weights)))
        where, args = _window(low, high)
        found: dict[str, tuple[float, list[str]]] = {}
        by_number = {n: entity_id for entity_id, n in numbers.items()}
        sql = f"SELECT p.id, r.entity FROM relation r JOIN paper p ON p.n = r.paper WHERE p.id != ?{where} AND r.entity"
        for other, entity in self._in(sql, list(by_number), [paper_id, *args]):
            score, shared = found.get(other, (0.0, []))
            entity_id = by_number[entity]
            shared.append(entity_id)
            found[other] = (score + weights[entity_id], shared)
        return found

    def outside_references(self, paper_id: str) -> int:
        """How many of the paper's references found no paper of the graph."""
        found = self._all("SELECT refs FROM paper WHERE id = ?", (paper_id,))
        return int(found[0][0]) if found else 0

    def references(self, paper_id: str) -> list[str]:
        """Ids of the papers of the graph that the paper cites."""
        return [
            r[0]
            for r in self._all(
                "SELECT c.cited FROM cites c JOIN paper p ON p.n = c.paper WHERE p.id = ? ORDER BY c.cited", (paper_id,)
            )
        ]

    def dated_between(self, ids: Sequence[str], low: str | None, high: str | None) -> list[str]:
        """The papers of ``ids`` whose date may fall between the bounds (all of them when there are none)."""
        if low is None and high is None:
            return list(ids)
        where, args = _window(low, high)
        return [r[0] for r in self._in(f"SELECT p.id FROM paper p WHERE 1{where} AND p.id", list(ids), args)]

    def papers(self, ids: Iterable[str]) -> dict[str, PaperInfo]:
        return {
            row[0]: PaperInfo(*row)
            for row in _rows_where_in(self.db, f"SELECT {_PAPER} FROM paper p WHERE p.id", list(ids))
        }

    def citing(self, paper_id: str) -> list[PaperInfo]:
        """Papers of the graph that cite ``paper_id``."""
        rows = self._all(
            f"SELECT {_PAPER} FROM cites c JOIN paper p ON p.n = c.paper WHERE c.cited = ? ORDER BY p.id", (paper_id,)
        )
        return [PaperInfo(*row) for row in rows]

    def cited_counts(self, cited: Iterable[str]) -> dict[str, int]:
        """Reference -> how many papers of the graph cite it."""
        return dict(
            _rows_where_in(self.db, "SELECT cited, COUNT(*) FROM cites WHERE cited {} GROUP BY cited", list(cited))
        )

    def co_cited(self, paper_id: str, references: Sequence[str]) -> dict[str, list[str]]:
        """Other paper id -> the references it shares with ``paper_id``."""
        found: dict[str, list[str]] = {}
        sql = "SELECT p.id, c.cited FROM cites c JOIN paper p ON p.n = c.paper WHERE p.id != ? AND c.cited"
        for other, cited in self._in(sql, list(references), [paper_id]):
            found.setdefault(other, []).append(cited)
        return found


def _entity_info(row: Sequence[Any]) -> EntityInfo:
    data = json.loads(row[10])
    first = PaperInfo(*row[11:16]) if row[11] is not None else None
    return EntityInfo(
        id=row[0],
        label=row[1],
        type=row[2],
        generic=bool(row[3]),
        full_name=row[4],
        family=row[5],
        mentions=int(row[6]),
        papers=int(row[7]),
        first_seen=row[8],
        last_seen=row[9],
        first_paper=first,
        aliases=dict(data.get("aliases") or {}),
        external_ids=dict(data.get("external_ids") or {}),
        curated=list(data.get("curated") or []),
        variants=list(data.get("variants") or []),
    )


def state_generation(folder: Path) -> int | None:
    """The generation of ``folder``'s build state (``kg.store.state``), read without loading that module (a query
    pays for nothing it does not use); None when there is no state."""
    path = Path(folder) / "state.sqlite"
    if not path.exists():
        return None
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
        try:
            return int(_meta(db, "generation") or 0)
        finally:
            db.close()
    except (sqlite3.Error, ValueError):
        return None
