"""Content-hash cache of extractions (SQLite): an incremental build re-extracts only new or changed papers.

The key is a hash of the paper's text and of everything that shapes extraction (gazetteer files, stoplists,
cue words, pipeline config, kg version), so editing a gazetteer invalidates the cache by itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path

from kg import __version__
from kg.extract import extract_papers
from kg.extract.gazetteer import DEFAULT_GAZETTEER_DIR, PIPELINES_DIR, iter_gazetteer_files
from kg.extract.pipeline import paper_text
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
    batches as it is done, so an interrupted first build keeps what it extracted)."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, entities TEXT NOT NULL)")

    def key(self, paper: Paper) -> str:
        text = f"{self.fingerprint}\x00{paper_text(paper)}"
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def get_many(self, papers: Sequence[Paper]) -> dict[str, PaperExtraction]:
        """Cached extractions by paper id, for the papers whose text and pipeline are unchanged (papers with the
        same text share one row)."""
        ids_of: dict[str, list[str]] = defaultdict(list)
        for paper in papers:
            ids_of[self.key(paper)].append(paper.id)
        found: dict[str, PaperExtraction] = {}
        keys = list(ids_of)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, entities in self.db.execute(f"SELECT key, entities FROM extraction WHERE key IN ({marks})", chunk):
                rows = json.loads(entities)
                for paper_id in ids_of[key]:
                    found[paper_id] = PaperExtraction(paper_id, [entity_from_dict(dict(row)) for row in rows])
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
            rows.append((self.key(papers_by_id[extraction.id]), entities_json(extraction.entities)))
            if len(rows) >= BATCH:
                self._write(rows)
                rows = []
            yield extraction
        self._write(rows)

    def _write(self, rows: list[tuple[str, str]]) -> None:
        if rows:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO extraction (key, entities) VALUES (?, ?)", rows)

    def close(self) -> None:
        self.db.close()


def extract_with_cache(
    papers: Sequence[Paper], gazetteer_paths: Sequence[str | Path], n_process: int, cache_dir: Path | None
) -> tuple[list[PaperExtraction], int]:
    """Extractions of ``papers`` in order, re-using cached ones; returns them and how many were new."""
    if cache_dir is None:
        return list(extract_papers(papers, gazetteer_paths, n_process=n_process)), len(papers)
    cache = ExtractionCache(cache_dir / CACHE_FILE, pipeline_fingerprint(gazetteer_paths))
    try:
        known = cache.get_many(papers)
        todo = [paper for paper in papers if paper.id not in known]
        if todo:  # stored as they come, so an interrupted build keeps what it extracted
            fresh = extract_papers(todo, gazetteer_paths, n_process=n_process)
            known.update((e.id, e) for e in cache.put_stream({paper.id: paper for paper in todo}, fresh))
    finally:
        cache.close()
    return [known[paper.id] for paper in papers], len(todo)
