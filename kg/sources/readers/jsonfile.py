"""Read JSON Lines, or one JSON array, of paper objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.sources.readers.source import OnBad, decode_or_fail, raise_bad


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def iter_json_records(path: Path, on_bad: OnBad = raise_bad) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, object)`` for a JSON array file or a JSON Lines file (detected from the first byte).

    In JSON Lines a line that is not UTF-8 or not JSON goes to ``on_bad`` (which raises, or lets the reader skip
    the line); in an array the first syntax error ends the file, as nothing after it can be trusted.
    """
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        yield from _iter_array(path)
    else:
        yield from _iter_lines(path, on_bad)


def parse_line(raw: bytes, path: Path, number: int) -> Any:
    """One JSON Lines line (bytes) -> its value, or ``None`` for a blank line; ``InputError`` when it is bad."""
    line = decode_or_fail(raw, path, number).strip()
    if number == 1:
        line = line.lstrip("\ufeff")
    if not line:
        return None
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), number, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise InputError(str(path), number, "not valid JSON: nested too deeply") from None


def _iter_lines(path: Path, on_bad: OnBad) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                value = parse_line(raw, path, number)
            except InputError as exc:
                on_bad(exc)
                continue
            if value is not None:
                yield number, value


def _iter_array(path: Path) -> Iterator[tuple[int, Any]]:
    text = decode_or_fail(path.read_bytes(), path, None).lstrip("\ufeff")
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    length = len(text)
    while True:
        while index < length and text[index] in " \t\r\n,":
            index += 1
        if index >= length:
            raise InputError(str(path), _line_of(text, length), "unterminated JSON array (missing ']')")
        if text[index] == "]":
            rest = text[index + 1 :].strip()
            if rest:
                line = _line_of(text, text.index(rest[0], index + 1))
                raise InputError(str(path), line, "unexpected text after the end of the JSON array")
            return
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise InputError(str(path), _line_of(text, index), "not valid JSON: nested too deeply") from None
        yield _line_of(text, index), value
        index = end
