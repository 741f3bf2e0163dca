"""Content-hash cache of extractions (SQLite): an incremental build re-extracts only new or changed papers.

The key is a hash of the paper's text and of everything that shapes extraction (gazetteer files, stoplists,
cue words, pipeline config, kg version), so editing a gazetteer invalidates the cache by itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from kg import __version__
from kg.extract.gazetteer import DEFAULT_GAZETTEER_DIR, PIPELINES_DIR, iter_gazetteer_files
from kg.extract.pipeline import paper_text
from kg.types import ExtractedEntity, Mention, Paper, PaperExtraction

CACHE_FILE = "extractions.sqlite"


def pipeline_fingerprint(gazetteer_paths: Sequence[str | Path] = ()) -> str:
    """A hash of the code version and every data file the extractor reads."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    files = iter_gazetteer_files([DEFAULT_GAZETTEER_DIR, *gazetteer_paths])
    files += sorted((PIPELINES_DIR / "stoplists").glob("*.txt")) + sorted((PIPELINES_DIR / "rules").glob("*.json"))
    files.append(PIPELINES_DIR / "extract.cfg")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _entity_from_dict(data: dict) -> ExtractedEntity:
    mentions = [Mention(**m) for m in data.pop("mentions")]
    return ExtractedEntity(mentions=mentions, **data)


class ExtractionCache:
    """``get``/``put`` PaperExtractions by content hash; one SQLite file, safe to interrupt."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, entities TEXT NOT NULL)")

    def key(self, paper: Paper) -> str:
        text = f"{self.fingerprint}\x00{paper_text(paper)}"
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def get_many(self, papers: Sequence[Paper]) -> dict[str, PaperExtraction]:
        """Cached extractions by paper id, for the papers whose text and pipeline are unchanged."""
        keys = {self.key(paper): paper.id for paper in papers}
        found: dict[str, PaperExtraction] = {}
        items = list(keys)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, entities in self.db.execute(f"SELECT key, entities FROM extraction WHERE key IN ({marks})", chunk):
                paper_id = keys[key]
                found[paper_id] = PaperExtraction(paper_id, [_entity_from_dict(e) for e in json.loads(entities)])
        return found

    def put_many(self, papers_by_id: dict[str, Paper], extractions: Iterable[PaperExtraction]) -> None:
        rows = (
            (self.key(papers_by_id[e.id]), json.dumps([asdict(x) for x in e.entities], ensure_ascii=False))
            for e in extractions
        )
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO extraction (key, entities) VALUES (?, ?)", rows)

    def close(self) -> None:
        self.db.close()
