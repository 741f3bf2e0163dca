"""Read CSV (or TSV) files with at least ``title`` and ``abstract`` columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.readers.source import decode_or_fail

REQUIRED_COLUMNS = ("title", "abstract")


def iter_csv_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)``; header names are matched case-insensitively."""
    text = decode_or_fail(path.read_bytes(), path, None).lstrip("\ufeff")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    csv.field_size_limit(10 * 1024 * 1024)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), 1, "empty CSV file (no header row)") from None
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InputError(str(path), 1, f"CSV header lacks column(s) {', '.join(missing)}; found {', '.join(columns)}")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(str(path), reader.line_num, f"malformed CSV: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise InputError(str(path), reader.line_num, f"expected {len(columns)} fields, found {len(row)}")
        yield reader.line_num, dict(zip(columns, row, strict=True))
