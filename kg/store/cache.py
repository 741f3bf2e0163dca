"""Content-hash cache of extractions (SQLite): an incremental build re-extracts only new or changed papers.

The key is a hash of the paper's text and of everything that shapes extraction (gazetteer files, stoplists,
cue words, pipeline config, kg version), so editing a gazetteer invalidates the cache by itself.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path

from kg import __version__
from kg.errors import warn
from kg.extract.gazetteer import DEFAULT_GAZETTEER_DIR, PIPELINES_DIR, iter_gazetteer_files
from kg.progress import step, track
from kg.types import ExtractedEntity, Mention, Paper, PaperExtraction

CACHE_FILE = "extractions.sqlite"


def pipeline_fingerprint(gazetteer_paths: Sequence[str | Path] = ()) -> str:
    """A hash of the code version and every data file the extractor reads."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    files = iter_gazetteer_files([DEFAULT_GAZETTEER_DIR, *gazetteer_paths])
    files += sorted(  # stoplists, cue words, word lists, the pipeline config: every data file but the gazetteer
        path for path in PIPELINES_DIR.rglob("*") if path.is_file() and DEFAULT_GAZETTEER_DIR not in path.parents
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_MENTION_FIELDS = tuple(f.name for f in fields(Mention))
_ENTITY_FIELDS = tuple(f.name for f in fields(ExtractedEntity))
BATCH = 2_000  # rows per SQL statement batch and per commit while extracting


def entities_json(entities: Sequence[ExtractedEntity]) -> str:
    """The cached form of a paper's entities: the JSON of ``dataclasses.asdict`` of each (written field by field:
    ``asdict`` deep-copies recursively and cost as much as extracting)."""
    rows = []
    for entity in entities:
        mentions = [{name: getattr(m, name) for name in _MENTION_FIELDS} for m in entity.mentions]
        rows.append({name: mentions if name == "mentions" else getattr(entity, name) for name in _ENTITY_FIELDS})
    return json.dumps(rows, ensure_ascii=False)


def entity_from_dict(data: dict) -> ExtractedEntity:
    """The inverse of one row of ``entities_json`` (``data`` is consumed)."""
    mentions = [Mention(**m) for m in data.pop("mentions")]
    return ExtractedEntity(mentions=mentions, **data)


class ExtractionCache:
    """``get``/``put`` PaperExtractions by content hash; one SQLite file, safe to interrupt (work is committed in
    batches as it is done, so an interrupted first build keeps what it extracted).

    It is a cache, so it heals: a file SQLite cannot read is replaced by an empty one, and an entry whose checksum,
    JSON or offsets (``field[start:end] == text`` for every mention, against the paper asked for) do not hold is
    dropped; either way with one warning line, and the papers are extracted again. Nothing here stops a build."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.db: sqlite3.Connection | None = None
        self.legacy = False
        self._open()

    def _open(self, retry: bool = True) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path)
            self.db.text_factory = bytes  # decoded here: a damaged row is one bad entry, not a failed query
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (key TEXT PRIMARY KEY, entities TEXT NOT NULL)")
            legacy = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            self.legacy = self.db.execute(legacy, (_LEGACY,)).fetchone() is not None  # rows of kg before 0.2
        except (sqlite3.Error, OSError) as exc:
            self._close_quietly()
            if retry and self._remove_files(exc):
                self._open(retry=False)
            else:
                warn(f"{self.path}: cannot use the extraction cache ({_reason(exc)}); extracting without it")

    def _remove_files(self, exc: BaseException) -> bool:
        """Throw the damaged cache away (with its WAL); False when it cannot be removed."""
        warn(f"{self.path}: the extraction cache is damaged ({_reason(exc)}); starting a new one")
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                target = Path(f"{self.path}{suffix}")
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        target.unlink()
        except OSError:
            return False
        return True

    def _reset(self, exc: BaseException) -> None:
        self._close_quietly()
        if self._remove_files(exc):
            self._open(retry=False)

    def _close_quietly(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None

    def key(self, paper: Paper) -> str:
        from kg.extract.pipeline import paper_text  # spaCy is imported when extracting, not by every query

        text = f"{self.fingerprint}\x00{paper_text(paper)}"
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def get_many(self, papers: Sequence[Paper]) -> dict[str, PaperExtraction]:
        """Cached extractions by paper id, for the papers whose text and pipeline are unchanged (papers with the
        same text share one row). Damaged entries are dropped (one warning) and missing from the answer."""
        ids_of: dict[str, list[str]] = defaultdict(list)
        paper_of: dict[str, Paper] = {}
        for paper in papers:
            key = self.key(paper)
            ids_of[key].append(paper.id)
            paper_of.setdefault(key, paper)
        found: dict[str, PaperExtraction] = {}
        if self.db is None:
            return found
        bad: dict[tuple[str, str], str] = {}
        migrated: list[tuple[str, str]] = []
        try:
            tables = [(_TABLE, True), (_LEGACY, False)] if self.legacy else [(_TABLE, True)]
            for table, sealed in tables:
                keys = [key for key in ids_of if ids_of[key][0] not in found]
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    for raw_key, raw in self.db.execute(
                        f"SELECT key, entities FROM {table} WHERE key IN ({marks})", chunk
                    ):
                        key = raw_key.decode("ascii", "replace") if isinstance(raw_key, bytes) else str(raw_key)
                        if key not in ids_of:
                            continue
                        try:
                            entities, text = _checked_entities(key, raw, paper_of[key], sealed)
                        except _DAMAGE as exc:
                            bad[(table, key)] = _reason(exc)
                            continue
                        if not sealed:  # an older kg's row, its offsets checked: kept, with a checksum from now on
                            migrated.append((key, _sealed(key, text)))
                        for n, paper_id in enumerate(ids_of[key]):
                            found[paper_id] = PaperExtraction(paper_id, copy.deepcopy(entities) if n else entities)
        except sqlite3.Error as exc:
            self._reset(exc)
            return {}
        if bad:
            first = next(iter(bad.values()))
            warn(f"{self.path}: {len(bad):,} damaged cache entries dropped ({first}); those papers are extracted again")
        if bad or migrated:
            try:
                with self.db:
                    for table in {table for table, _ in bad}:
                        self.db.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for t, k in bad if t == table])
                    if migrated:
                        self.db.executemany(f"INSERT OR REPLACE INTO {_TABLE} (key, entities) VALUES (?, ?)", migrated)
                        self.db.executemany(f"DELETE FROM {_LEGACY} WHERE key = ?", [(key,) for key, _ in migrated])
            except sqlite3.Error as exc:
                self._reset(exc)
        return found

    def put_many(self, papers_by_id: dict[str, Paper], extractions: Iterable[PaperExtraction]) -> None:
        """Store extractions (of papers in ``papers_by_id``), committing every ``BATCH``."""
        for _ in self.put_stream(papers_by_id, extractions):
            pass

    def put_stream(
        self, papers_by_id: dict[str, Paper], extractions: Iterable[PaperExtraction]
    ) -> Iterator[PaperExtraction]:
        """Pass ``extractions`` through, storing each (a commit every ``BATCH``)."""
        rows: list[tuple[str, str]] = []
        for extraction in extractions:
            key = self.key(papers_by_id[extraction.id])
            rows.append((key, _sealed(key, entities_json(extraction.entities))))
            if len(rows) >= BATCH:
                self._write(rows)
                rows = []
            yield extraction
        self._write(rows)

    def _write(self, rows: list[tuple[str, str]]) -> None:
        if not rows or self.db is None:
            return
        for attempt in (1, 2):
            try:
                with self.db:
                    self.db.executemany(f"INSERT OR REPLACE INTO {_TABLE} (key, entities) VALUES (?, ?)", rows)
                return
            except sqlite3.Error as exc:
                if attempt == 2 or self.db is None:
                    warn(f"{self.path}: cannot store extractions ({_reason(exc)}); going on without the cache")
                    self._close_quietly()
                    return
                self._reset(exc)
                if self.db is None:
                    return

    def close(self) -> None:
        self._close_quietly()


_TABLE = "extraction_v2"  # rows: key, "<checksum> <entities JSON>"
_LEGACY = "extraction"  # rows of kg before checksums: key, entities JSON (read, checked, moved to _TABLE)
_DAMAGE = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def _checksum(key: str, entities: str) -> str:
    return hashlib.blake2b(f"{key}\x00{entities}".encode(), digest_size=8).hexdigest()


def _sealed(key: str, entities: str) -> str:
    """The stored form of an entry: its checksum, a space, the entities' JSON."""
    return f"{_checksum(key, entities)} {entities}"


def _checked_entities(
    key: str, raw: bytes | str, paper: Paper, sealed: bool = True
) -> tuple[list[ExtractedEntity], str]:
    """The entities of one stored entry and their JSON, or ``ValueError`` (and kin) when it is damaged: not UTF-8,
    a wrong checksum (``sealed``: rows of this kg; an older kg's rows have none), JSON of the wrong shape, or a
    mention whose offsets do not give its text in ``paper``."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    if sealed:
        digest, _, entities = text.partition(" ")
        if digest != _checksum(key, entities):
            raise ValueError("checksum mismatch")
    else:
        entities = text
    found = [entity_from_dict(dict(row)) for row in json.loads(entities)]
    for entity in found:
        for mention in entity.mentions:
            field = getattr(paper, mention.field) if mention.field in ("title", "abstract") else None
            if not isinstance(field, str) or field[mention.start : mention.end] != mention.text:
                raise ValueError(f"offsets {mention.start}:{mention.end} do not give {mention.text[:40]!r}")
    return found, entities


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def extract_with_cache(
    papers: Sequence[Paper], gazetteer_paths: Sequence[str | Path], n_process: int, cache_dir: Path | None
) -> tuple[list[PaperExtraction], int]:
    """Extractions of ``papers`` in order, re-using cached ones; returns them and how many were new."""
    from kg.extract import extract_papers

    if cache_dir is None:
        return list(track(extract_papers(papers, gazetteer_paths, n_process=n_process), "extract")), len(papers)
    cache = ExtractionCache(cache_dir / CACHE_FILE, pipeline_fingerprint(gazetteer_paths))
    try:
        known = cache.get_many(papers)
        todo = [paper for paper in papers if paper.id not in known]
        with step("extract", total=len(papers)) as task:  # a build's one bar, when it is running already
            task.advance(len(papers) - len(todo))
            if todo:  # stored as they come, so an interrupted build keeps what it extracted
                fresh = track(extract_papers(todo, gazetteer_paths, n_process=n_process), "extract")
                known.update((e.id, e) for e in cache.put_stream({paper.id: paper for paper in todo}, fresh))
    finally:
        cache.close()
    return [known[paper.id] for paper in papers], len(todo)
