"""Read CSV (or TSV) files with at least ``title`` and ``abstract`` columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.sources.readers.source import OnBad, decode_or_fail, raise_bad

REQUIRED_COLUMNS = ("title", "abstract")
MAX_FIELD_BYTES = 10 * 1024 * 1024


def iter_csv_records(path: Path, on_bad: OnBad = raise_bad) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)``, ``line`` being where the row starts; header names are matched case-insensitively.

    A row with the wrong number of fields goes to ``on_bad`` (raise, or skip it); broken quoting ends the file.
    """
    text = decode_or_fail(path.read_bytes(), path, None).lstrip("\ufeff")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    csv.field_size_limit(MAX_FIELD_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), 1, "empty CSV file (no header row)") from None
    except csv.Error as exc:
        raise InputError(str(path), 1, f"malformed CSV header: {exc}") from None
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        found = ", ".join(repr(c[:40]) for c in columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise InputError(str(path), 1, f"CSV header lacks column(s) {', '.join(missing)}; found {found}")
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(str(path), start, f"malformed CSV: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            on_bad(InputError(str(path), start, f"expected {len(columns)} fields, found {len(row)}"))
            continue
        yield start, dict(zip(columns, row, strict=True))
