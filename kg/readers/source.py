"""Byte-level helpers shared by the readers: decoding with a clear error."""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError


def decode_or_fail(raw: bytes, path: Path, line: int | None) -> str:
    """Decode UTF-8 or raise an ``InputError`` naming the file and line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = line if line is not None else raw.count(b"\n", 0, exc.start) + 1
        raise InputError(str(path), where, f"invalid UTF-8 at byte {exc.start} (is this a text file?)") from None


def looks_binary(path: Path) -> bool:
    """True when the first 8 KiB hold NUL bytes: a binary file, not text."""
    with path.open("rb") as handle:
        return b"\x00" in handle.read(8192)
