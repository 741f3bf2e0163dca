"""Byte-level helpers shared by the readers: decoding with a clear error, telling text from binary data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.errors import InputError

OnBad = Callable[[InputError], None]

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def raise_bad(exc: InputError) -> None:
    """The default ``on_bad`` of the readers: a bad record is an error."""
    raise exc


def decode_or_fail(raw: bytes, path: Path, line: int | None) -> str:
    """Decode UTF-8 or raise an ``InputError`` naming the file and line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = line if line is not None else raw.count(b"\n", 0, exc.start) + 1
        raise InputError(str(path), where, f"invalid UTF-8 at byte {exc.start} (is this a text file?)") from None


def not_text_reason(path: Path) -> str | None:
    """Why ``path`` is not a UTF-8 text file, judged from its first 8 KiB (NUL bytes, a UTF-16 mark), or None."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(_UTF16_BOMS):
        return "UTF-16 text; save it as UTF-8"
    if b"\x00" in head:
        return "binary data, not a text file"
    return None


def looks_binary(path: Path) -> bool:
    """True when the first 8 KiB hold NUL bytes (or a UTF-16 mark): not a UTF-8 text file."""
    return not_text_reason(path) is not None
