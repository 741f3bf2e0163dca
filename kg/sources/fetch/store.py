"""Resumable output: JSONL papers written atomically, plus a ``<out>.fetch.json`` sidecar with the cursor.

A checkpoint rewrites ``out`` through a temporary file (old lines + new lines, then rename) and only then
writes the sidecar, so the file never holds half a record and the cursor never runs ahead of the papers
(after a crash the last page is fetched again and its papers are deduplicated by id).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.atomic import atomic_writer, write_text_atomic
from kg.errors import KgError
from kg.ids import paper_id

STATE_SUFFIX = ".fetch.json"


def state_path(out: Path) -> Path:
    return out.with_name(out.name + STATE_SUFFIX)


@dataclass(slots=True)
class Page:
    """One response: its records, the cursor that fetched it, the cursor of the next page (``None``: last)."""

    records: list[dict[str, Any]]
    cursor: Any
    next: Any
    total: int | None = None


@dataclass(slots=True)
class FetchSummary:
    source: str
    out: Path
    new: int = 0
    papers: int = 0
    no_title: int = 0
    no_abstract: int = 0
    duplicates: int = 0
    total: int | None = None
    complete: bool = False
    stopped: str = ""
    requests: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)


class FetchStore:
    """The papers fetched so far (ids on disk, new lines in memory) and the cursor to continue from."""

    def __init__(
        self,
        out: Path,
        source: str,
        query: dict[str, Any],
        *,
        restart: bool = False,
        checkpoint_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = Path(out)
        self.state_file = state_path(self.out)
        self.source = source
        self.query = query
        self.checkpoint_every = checkpoint_every
        self.clock = clock
        self.ids: set[str] = set()
        self.pending: list[str] = []
        self.cursor: Any = None
        self.complete = False
        self.total: int | None = None
        self.resumed = False
        self._on_disk = False
        self._last_checkpoint = clock()
        if not restart and self.out.exists():
            self._resume()

    def _resume(self) -> None:
        if self.out.is_dir():
            raise KgError(f"{self.out}: is a directory; --out must be a file")
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KgError(
                f"{self.out} exists but was not written by 'kg fetch' (no {self.state_file.name}); "
                "pass --restart to overwrite it or choose another --out"
            ) from None
        except (OSError, ValueError) as exc:
            raise KgError(f"{self.state_file}: unreadable fetch state ({exc}); pass --restart to start over") from None
        if not isinstance(state, dict) or state.get("source") != self.source or state.get("query") != self.query:
            was = f"{state.get('source')} {json.dumps(state.get('query'))}" if isinstance(state, dict) else "?"
            raise KgError(
                f"{self.out} holds a different fetch ({was}); pass --restart to overwrite it or choose another --out"
            )
        with self.out.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    self.ids.add(json.loads(line)["id"])
                except (ValueError, KeyError, TypeError):
                    message = "not a line written by 'kg fetch'; pass --restart to start over"
                    raise KgError(f"{self.out}:{number}: {message}") from None
        self.cursor = state.get("next")
        self.complete = bool(state.get("complete"))
        self.total = state.get("total")
        self.resumed = True
        self._on_disk = True

    @property
    def count(self) -> int:
        return len(self.ids)

    def add(self, record: dict[str, Any]) -> bool:
        """Keep ``record`` unless its id is already stored; ``True`` when kept."""
        if record["id"] in self.ids:
            return False
        self.ids.add(record["id"])
        self.pending.append(json.dumps(record, ensure_ascii=False))
        return True

    def advance(self, cursor: Any, complete: bool, total: int | None) -> None:
        self.cursor = cursor
        self.complete = complete
        if total is not None:
            self.total = total

    def checkpoint(self, force: bool = False) -> None:
        """Write the papers and then the cursor, at most every ``checkpoint_every`` seconds unless forced."""
        if not force and self.clock() - self._last_checkpoint < self.checkpoint_every:
            return
        if not self._on_disk and not self.pending and self.cursor is None and not self.complete:
            return  # nothing fetched yet: leave no file behind (a failed first request can be fixed and re-run)
        with atomic_writer(self.out) as handle:
            if self._on_disk:
                with self.out.open(encoding="utf-8", newline="") as old:
                    shutil.copyfileobj(old, handle)
            for line in self.pending:
                handle.write(line + "\n")
        self._on_disk = True
        self.pending.clear()
        state = {
            "source": self.source,
            "query": self.query,
            "next": self.cursor,
            "complete": self.complete,
            "total": self.total,
            "papers": self.count,
        }
        write_text_atomic(self.state_file, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
        self._last_checkpoint = self.clock()


def run_fetch(
    store: FetchStore,
    pages: Callable[[Any], Iterator[Page]],
    max_papers: int | None,
    summary: FetchSummary,
    progress: Callable[[FetchSummary], None] | None = None,
) -> FetchSummary:
    """Store pages from ``pages(cursor)`` until the source is exhausted or ``max_papers`` are stored.

    Records without a title are skipped (counted); records without an abstract are kept (counted).
    The store is checkpointed after each page (throttled) and always on the way out, errors included.
    """
    summary.papers = store.count
    if store.complete:
        summary.complete, summary.stopped, summary.total = True, "already complete", store.total
        return summary
    if max_papers is not None and store.count >= max_papers:
        summary.stopped = f"already holds {store.count} papers (--limit {max_papers})"
        return summary
    try:
        for page in pages(store.cursor):
            whole_page = True
            for item in page.records:
                if max_papers is not None and store.count >= max_papers:
                    whole_page = False
                    break
                if not item.get("title"):
                    summary.no_title += 1
                    continue
                item["id"] = item.get("id") or paper_id(item["title"])  # no source id: the readers' title hash
                if store.add(item):
                    summary.new += 1
                    summary.no_abstract += not item.get("abstract")
                else:
                    summary.duplicates += 1
            if whole_page:
                store.advance(page.next, page.next is None, page.total)
            else:
                store.advance(page.cursor, False, page.total)
            summary.papers, summary.total, summary.complete = store.count, store.total, store.complete
            if progress:
                progress(summary)
            store.checkpoint()
            if store.complete:
                summary.stopped = "source exhausted"
                break
            if max_papers is not None and store.count >= max_papers:
                summary.stopped = f"reached --limit {max_papers}"
                break
    finally:
        store.checkpoint(force=True)
        summary.papers, summary.total, summary.complete = store.count, store.total, store.complete
    return summary
