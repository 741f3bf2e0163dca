"""Turn one loosely-typed record (a JSON object or CSV row) into a ``Paper``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kg.errors import InputError
from kg.ids import paper_id
from kg.sources.dates import month_number
from kg.sources.fetch.convert import iso_date, reference_ids
from kg.types import Paper

MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000
MAX_ID_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_UNWRITABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")  # lone surrogates (no UTF-8), XML-forbidden noncharacters
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20)])
_UNWRITABLE_UTF8 = re.compile(rb"\xed[\xa0-\xbf]|\xef\xbf[\xbe\xbf]")  # the same, encoded with surrogatepass
DATE_KEYS = ("date", "published", "publication_date", "publicationDate", "published_date", "issued", "created")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d|21\d\d)\b")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z\-]+/[0-9]{7})", re.I)


def _text(value: Any) -> str | None:
    """A one-line string field (numbers as text), cleaned; None when absent or empty."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    return clean_line(value) or None


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        parts = re.split(r"\s*;\s*|\s+and\s+", value) if ";" in value or " and " in value else value.split(",")
        return [name for p in parts if (name := clean_line(p))]
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(clean_line(item))
            elif isinstance(item, Mapping):
                name = item.get("name") or item.get("display_name")
                if isinstance(name, str):
                    names.append(clean_line(name))
        return [n for n in names if n]
    return []


def clean_text(text: str) -> str:
    """Normalise line breaks, drop NUL and other C0 control characters (tab and newline kept), and replace what
    no sink can write with U+FFFD: lone surrogates (``\\ud800`` in JSON; not UTF-8) and U+FFFE/U+FFFF (not XML);
    surrounding whitespace is removed."""
    if text.isprintable():  # no line break, control character, surrogate or non-character: only the strip to do
        return text.strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Both are rare: find them in the UTF-8 bytes (C loops over bytes, several times faster than the regex
    # character classes over the string), and only then rewrite. No byte of a multi-byte sequence is below 0x80.
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        text = _CONTROL.sub("", text)
    if (b"\xed" in encoded or b"\xef\xbf" in encoded) and _UNWRITABLE_UTF8.search(encoded):
        text = _UNWRITABLE.sub("\ufffd", text)
    return text.strip()


def clean_line(text: str) -> str:
    """``clean_text`` on one line: every run of whitespace (line breaks included) becomes one space."""
    return " ".join(clean_text(text).split())


def check_lengths(title: str, abstract: str, path: str, line: int, abstract_line: int | None = None) -> None:
    """Raise ``InputError`` for an empty title or a title or abstract over the limits (nothing is truncated)."""
    if not title:
        raise InputError(path, line, "missing or empty 'title'")
    if len(title) > MAX_TITLE_CHARS:
        raise InputError(path, line, f"title is {len(title):,} characters (limit {MAX_TITLE_CHARS:,})")
    if len(abstract) > MAX_ABSTRACT_CHARS:
        where = abstract_line or line
        raise InputError(path, where, f"abstract is {len(abstract):,} characters (limit {MAX_ABSTRACT_CHARS:,})")


def paper_from_record(record: Any, path: str, line: int) -> Paper:
    """Validate a record and build a Paper; raise ``InputError`` naming ``path:line`` when unusable."""
    if not isinstance(record, Mapping):
        raise InputError(path, line, f"expected an object with 'title' and 'abstract', got {type(record).__name__}")
    title = _text(record.get("title")) or ""
    if not title:
        raise InputError(path, line, "missing or empty 'title'")
    abstract_value = record.get("abstract")
    if abstract_value is None or not isinstance(abstract_value, str):
        raise InputError(path, line, "missing 'abstract' (a string is required)")
    abstract = clean_text(abstract_value)
    check_lengths(title, abstract, path, line)
    given_id = _text(record.get("id"))
    if given_id is not None and len(given_id) > MAX_ID_CHARS:
        raise InputError(path, line, f"id is {len(given_id):,} characters (limit {MAX_ID_CHARS:,})")
    written = _text(next((record[k] for k in DATE_KEYS if record.get(k)), None))
    date = iso_date(written)  # 2024-05-03T10:00:00Z -> 2024-05-03, "May 3, 2024" too; None for what is no date
    year_value = record.get("year") or record.get("publication_year")
    year: int | None = None
    if isinstance(year_value, int) and not isinstance(year_value, bool):
        year = year_value
    elif isinstance(year_value, str) and year_value.strip().isascii() and year_value.strip().isdigit():
        year = int(year_value.strip()[:9])
    elif date:
        year = int(date[:4])
    elif written:
        found = _YEAR.search(written)  # "Spring 2020": no date, but the year
        year = int(found.group(1)) if found else None
    if year is not None and not 1 <= year <= 9999:
        year = None  # not a year: left out rather than carried into every sink
    if year is not None and (date is None or date == str(year)):
        date = _date_of_parts(year, record.get("month"), record.get("day")) or date
    url = _text(record.get("url"))
    arxiv_id = _text(record.get("arxiv_id"))
    if arxiv_id is None and url:
        found_arxiv = _ARXIV_URL.search(url)
        arxiv_id = found_arxiv.group(1) if found_arxiv else None
    return Paper(
        id=paper_id(title, given_id),
        title=title,
        abstract=abstract,
        date=date,
        year=year,
        authors=_authors(record.get("authors")),
        venue=_text(record.get("venue")),
        url=url,
        doi=_text(record.get("doi")),
        arxiv_id=arxiv_id,
        source=f"{path}:{line}",
        references=reference_ids(record.get("references")),
        alt_ids=reference_ids(record.get("alt_ids")),
    )


def _date_of_parts(year: int, month: Any, day: Any) -> str | None:
    """``YYYY-MM-DD`` / ``YYYY-MM`` from separate ``month`` (number or name) and ``day`` fields; None when there is
    no month or the parts are not a real date."""
    number = _month_of(month)
    if number is None:
        return None
    text = _text(day)
    if text and text.isdigit():
        return iso_date(f"{year:04d}-{number:02d}-{int(text):02d}")
    return iso_date(f"{year:04d}-{number:02d}")


def _month_of(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return month_number(text)
