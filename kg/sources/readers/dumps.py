"""Read OpenAlex and Semantic Scholar bulk dumps: JSON Lines (optionally gzip-compressed, as in the OpenAlex
snapshot and the S2 datasets) or saved API pages, one work / paper per line.

Chosen by ``--format openalex|s2`` or, for ``.json``/``.jsonl`` files, by the first record's shape.
Works without an abstract are kept with an empty one. An S2 ``abstracts`` dataset line (no title) is
reported as a bad record: join it with the ``papers`` dataset by ``corpusid`` first.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.sources.fetch.convert import openalex_record, s2_record
from kg.sources.readers.jsonfile import iter_json_records, parse_line
from kg.sources.readers.records import paper_from_record
from kg.sources.readers.source import OnBad, decode_or_fail, raise_bad
from kg.types import Paper

DUMP_FORMATS = ("openalex", "s2")
_CONVERT = {"openalex": openalex_record, "s2": s2_record}


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _iter_gzip_lines(path: Path, on_bad: OnBad) -> Iterator[tuple[int, Any]]:
    try:
        with gzip.open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    value = parse_line(raw, path, number)
                except InputError as exc:
                    on_bad(exc)
                    continue
                if value is not None:
                    yield number, value
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), None, f"broken gzip data ({exc})") from None


def _iter_text_records(path: Path, on_bad: OnBad) -> Iterator[tuple[int, Any]]:
    """JSON Lines or a JSON array; or one (pretty-printed) JSON object, such as a saved API page."""
    with path.open("rb") as handle:
        first = handle.readline().strip().lstrip(b"\xef\xbb\xbf")
    if first.startswith(b"{"):
        try:
            json.loads(first)
        except ValueError:
            text = decode_or_fail(path.read_bytes(), path, None).lstrip("\ufeff")
            try:
                yield 1, json.loads(text)
                return
            except json.JSONDecodeError as exc:
                raise InputError(str(path), exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
            except RecursionError:
                raise InputError(str(path), 1, "not valid JSON: nested too deeply") from None
    yield from iter_json_records(path, on_bad)


def iter_dump_records(path: Path, on_bad: OnBad = raise_bad) -> Iterator[tuple[int, Any]]:
    """``(line, object)`` for each work/paper; saved API pages (``results`` / ``data`` lists) are unpacked.
    A bad JSON Lines line goes to ``on_bad`` (raise, or skip it)."""
    records = _iter_gzip_lines(path, on_bad) if is_gzip(path) else _iter_text_records(path, on_bad)
    for line, value in records:
        items = _page_items(value)
        if items is None:
            yield line, value
        else:
            for item in items:
                yield line, item


def _page_items(value: Any) -> list[Any] | None:
    if isinstance(value, Mapping):
        if isinstance(value.get("results"), list) and isinstance(value.get("meta"), Mapping):
            return value["results"]
        if isinstance(value.get("data"), list) and ("total" in value or "token" in value or "next" in value):
            return value["data"]
    return None


def classify(value: Any) -> str | None:
    """``openalex``, ``s2`` or ``None`` from one record's shape."""
    items = _page_items(value)
    if items is not None:
        return classify(items[0]) if items else None
    if not isinstance(value, Mapping):
        return None
    work_id = value.get("id")
    if "abstract_inverted_index" in value or (isinstance(work_id, str) and work_id.startswith("https://openalex.org/")):
        return "openalex"
    if any(key in value for key in ("paperId", "corpusid", "corpusId")):
        return "s2"
    return None


def sniff_dump_format(path: Path) -> str | None:
    """The dump format of ``path`` from its first record, or ``None`` (not a dump, or unreadable)."""
    try:
        for _, value in iter_dump_records(path):
            return classify(value)
    except InputError:
        return None
    return None


def iter_dump_papers(path: Path, fmt: str, on_bad: Callable[[InputError], None]) -> Iterator[Paper]:
    """Yield a Paper per work/paper of an OpenAlex (``fmt='openalex'``) or S2 (``fmt='s2'``) dump."""
    convert = _CONVERT[fmt]
    for line, value in iter_dump_records(path, on_bad):
        try:
            if fmt == "s2" and isinstance(value, Mapping) and "title" not in value and "abstract" in value:
                raise InputError(
                    str(path), line, "an S2 abstracts-dataset line (no title): join it with the papers dataset first"
                )
            try:
                converted = convert(value)
            except ValueError as exc:
                raise InputError(str(path), line, f"not a {fmt} record: {exc}") from None
            yield paper_from_record(converted, str(path), line)
        except InputError as exc:
            on_bad(exc)
