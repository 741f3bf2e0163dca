"""Readers: files in, ``Paper`` records out, chosen by ``--format`` or the file's suffix."""

from __future__ import annotations

import contextlib
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError, KgError, warn
from kg.progress import track
from kg.sources.readers.bibtex import iter_bibtex
from kg.sources.readers.csvfile import iter_csv_records
from kg.sources.readers.dumps import DUMP_FORMATS, is_gzip, iter_dump_papers, sniff_dump_format
from kg.sources.readers.inputs import expand_inputs
from kg.sources.readers.jsonfile import iter_json_records
from kg.sources.readers.listing import iter_listing
from kg.sources.readers.records import paper_from_record
from kg.sources.readers.source import not_text_reason
from kg.types import Paper

FORMATS = ("auto", "listing", "json", "jsonl", "csv", "bibtex", "openalex", "s2")
_SUFFIXES = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "listing",
    ".bib": "bibtex",
}


@dataclass
class ReadReport:
    """What reading saw: papers read, duplicates merged, bad records skipped (with their messages)."""

    papers: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


def detect_format(path: Path, fmt: str = "auto") -> str:
    """The reader to use for ``path``: the given format, else one chosen by suffix."""
    if fmt != "auto":
        if fmt not in FORMATS:
            raise InputError(str(path), None, f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".gz":  # works.jsonl.gz: the suffix inside; part_000.gz: by content (OpenAlex / S2 dumps)
        suffix = Path(path.stem).suffix.lower() or ".jsonl"
    chosen = _SUFFIXES.get(suffix)
    if chosen is None:
        raise InputError(str(path), None, f"cannot tell the format from suffix {path.suffix!r}; pass --format")
    return chosen


STDIN = "-"  # an input path that means standard input


def is_stream(path: Path) -> bool:
    """``-`` (standard input), a pipe, a FIFO, ``<(command)``, a character device: read once, as it comes."""
    if str(path) == STDIN:
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def check_inputs(paths: Iterable[str | Path], fmt: str = "auto", content: bool = False) -> list[Path]:
    """Fail fast, before any reading, on what ``skip_bad`` cannot skip: no inputs, a missing file, a folder, a
    format that cannot be told; with ``content``, also an empty or non-text file. Streams (``-``, pipes, FIFOs)
    are not read here: they can be read only once, so their content is checked as it is read. Folders and glob
    patterns are expanded first (``kg.sources.readers.inputs``; what is not a paper file is skipped with one
    warning line). Returns the files."""
    expanded = expand_inputs(paths, fmt)
    if expanded.skipped:
        warn(expanded.note() or "")
    checked = []
    for raw_path in expanded.paths:
        path = Path(raw_path)
        if is_stream(path):
            detect_format(path, fmt)
            checked.append(path)
            continue
        if not path.exists():
            raise InputError(str(path), None, "no such file")
        if path.is_dir():
            raise InputError(str(path), None, "is a directory, not a file")
        detect_format(path, fmt)
        if content:
            _check_content(path)
        checked.append(path)
    if not checked:
        raise KgError("no input files given")
    return checked


def _check_content(path: Path) -> bool:
    """Raise ``InputError`` for an empty or non-text file; True when the file is gzip-compressed."""
    if path.stat().st_size == 0:
        raise InputError(str(path), None, "file is empty")
    if is_gzip(path):
        return True
    reason = not_text_reason(path)
    if reason:
        raise InputError(str(path), None, reason)
    return False


def _iter_file(path: Path, fmt: str, on_bad: Callable[[InputError], None]) -> Iterator[Paper]:
    compressed = _check_content(path)
    kind = detect_format(path, fmt)
    if fmt == "auto" and kind in ("json", "jsonl"):
        kind = sniff_dump_format(path) or kind
    if compressed and kind not in DUMP_FORMATS:
        raise InputError(str(path), None, "gzip input is read only for OpenAlex / S2 dumps (--format openalex|s2)")
    if kind == "listing":
        yield from iter_listing(path, on_bad)
        return
    if kind == "bibtex":
        yield from iter_bibtex(path, on_bad)
        return
    if kind in DUMP_FORMATS:
        yield from iter_dump_papers(path, kind, on_bad)
        return
    records = iter_csv_records(path, on_bad) if kind == "csv" else iter_json_records(path, on_bad)
    for line, record in records:
        try:
            yield paper_from_record(record, str(path), line)
        except InputError as exc:
            on_bad(exc)


def _iter_all(paths: Iterable[str | Path], fmt: str, skip_bad: bool, report: ReadReport) -> Iterator[Paper]:
    """The papers of every file, in order. A bad record raises ``InputError``; with ``skip_bad`` it is counted in
    ``report.skipped``, and so is a file that cannot be read on (empty, binary, broken JSON array or quoting),
    keeping what was read before. Raises ``KgError`` when no paper at all was read."""

    def on_bad(exc: InputError) -> None:
        if not skip_bad:
            raise exc
        report.skipped.append(str(exc))

    files = check_inputs(paths, fmt)
    total = 0
    for path in files:
        count = 0
        try:
            with _spooled(path) as readable:
                for paper in _iter_file(readable, fmt, _renaming(on_bad, readable, path)):
                    if readable != path and paper.source and paper.source.startswith(str(readable)):
                        paper.source = str(path) + paper.source[len(str(readable)) :]
                    count += 1
                    yield paper
        except InputError as exc:
            exc = _renamed(exc, path)
            if not skip_bad:
                raise exc from None
            report.skipped.append(f"{exc} ({'rest of the file' if count else 'whole file'} skipped)")
        total += count
    if total == 0:
        names = ", ".join(str(p) for p in files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
        skipped = f" ({len(report.skipped):,} bad records skipped)" if report.skipped else ""
        raise KgError(f"no papers read from {names}{skipped}")


@contextlib.contextmanager
def _spooled(path: Path) -> Iterator[Path]:
    """A regular file with the content of ``path``: ``path`` itself, or for a stream a temporary copy (the
    readers look at a file's head before reading it, which a stream allows only once); its name keeps the
    stream's suffix, so that ``papers.jsonl`` as a FIFO is read as JSON Lines."""
    if not is_stream(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="kg-stream-") as folder:
        copy = Path(folder) / ("stdin" if str(path) == STDIN else f"stream{path.suffix}")
        try:
            source = sys.stdin.buffer if str(path) == STDIN else path.open("rb")
            with copy.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            if source is not sys.stdin.buffer:
                source.close()
        except OSError as exc:
            raise InputError(str(path), None, f"cannot read ({exc.strerror or exc})") from None
        yield copy


def _renamed(exc: InputError, path: Path) -> InputError:
    """``exc`` naming the stream the user gave rather than its temporary copy."""
    if exc.path == str(path):
        return exc
    return InputError(str(path), exc.line, exc.message)


def _renaming(on_bad: Callable[[InputError], None], copy: Path, path: Path) -> Callable[[InputError], None]:
    if copy == path:
        return on_bad
    return lambda exc: on_bad(_renamed(exc, path) if exc.path == str(copy) else exc)


def iter_papers(
    paths: Iterable[str | Path],
    fmt: str = "auto",
    skip_bad: bool = False,
    report: ReadReport | None = None,
) -> Iterator[Paper]:
    """Stream the papers of every file, each id once (the first occurrence wins; later copies are counted
    in ``report.duplicates`` but not merged). Memory: one set of ids, not the papers. Bad input: as
    ``read_papers``."""
    report = report if report is not None else ReadReport()
    seen: set[str] = set()
    for paper in _iter_all(paths, fmt, skip_bad, report):
        if paper.id in seen:
            report.duplicates += 1
            continue
        seen.add(paper.id)
        report.papers += 1
        yield paper


def read_papers(
    paths: Iterable[str | Path],
    fmt: str = "auto",
    skip_bad: bool = False,
    report: ReadReport | None = None,
) -> list[Paper]:
    """Read every file and return its papers, each paper once (same id: merged, first wins).

    A bad record raises ``InputError`` naming file and line; with ``skip_bad`` it is skipped and counted in
    ``report.skipped`` instead (a file that cannot be read on is skipped from there). A missing file, a folder
    or an unknown format always raise, and so does an input that gives no paper at all (``KgError``).
    """
    report = report if report is not None else ReadReport()
    by_id: dict[str, Paper] = {}
    for paper in track(_iter_all(paths, fmt, skip_bad, report), "read"):
        known = by_id.get(paper.id)
        if known is None:
            by_id[paper.id] = paper
        else:
            report.duplicates += 1
            _fill_missing(known, paper)
    report.papers = len(by_id)
    return list(by_id.values())


def _fill_missing(known: Paper, other: Paper) -> None:
    for name in ("date", "year", "author_count", "organisation", "venue", "url", "doi", "arxiv_id"):
        if getattr(known, name) is None and getattr(other, name) is not None:
            setattr(known, name, getattr(other, name))
    if not known.authors and other.authors:
        known.authors = list(other.authors)
    if not known.references and other.references:  # one source's list: ids of two sources would repeat works
        known.references = list(other.references)
    if set(other.alt_ids) - set(known.alt_ids):  # every id the paper is known by
        known.alt_ids = list(dict.fromkeys([*known.alt_ids, *other.alt_ids]))
    if len(other.abstract) > len(known.abstract):
        known.abstract = other.abstract
