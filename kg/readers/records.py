"""Turn one loosely-typed record (a JSON object or CSV row) into a ``Paper``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kg.errors import InputError
from kg.ids import paper_id
from kg.types import Paper

MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d|21\d\d)\b")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z\-]+/[0-9]{7})", re.I)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        parts = re.split(r"\s*;\s*|\s+and\s+", value) if ";" in value or " and " in value else value.split(",")
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(item.strip())
            elif isinstance(item, Mapping):
                name = item.get("name") or item.get("display_name")
                if isinstance(name, str):
                    names.append(name.strip())
        return [n for n in names if n]
    return []


def clean_text(text: str) -> str:
    """Normalise line breaks and drop NUL and other C0 control characters (tab and newline kept)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch >= " " or ch in "\n\t")


def paper_from_record(record: Any, path: str, line: int) -> Paper:
    """Validate a record and build a Paper; raise ``InputError`` naming ``path:line`` when unusable."""
    if not isinstance(record, Mapping):
        raise InputError(path, line, f"expected an object with 'title' and 'abstract', got {type(record).__name__}")
    title = _text(record.get("title"))
    if title is None:
        raise InputError(path, line, "missing or empty 'title'")
    abstract_value = record.get("abstract")
    if abstract_value is None or not isinstance(abstract_value, str):
        raise InputError(path, line, "missing 'abstract' (a string is required)")
    title = clean_text(title)
    abstract = clean_text(abstract_value.strip())
    if len(title) > MAX_TITLE_CHARS:
        raise InputError(path, line, f"title is {len(title):,} characters (limit {MAX_TITLE_CHARS:,})")
    if len(abstract) > MAX_ABSTRACT_CHARS:
        raise InputError(path, line, f"abstract is {len(abstract):,} characters (limit {MAX_ABSTRACT_CHARS:,})")
    date = _text(record.get("date") or record.get("published") or record.get("publication_date"))
    year_value = record.get("year") or record.get("publication_year")
    year: int | None = None
    if isinstance(year_value, int) and not isinstance(year_value, bool):
        year = year_value
    elif isinstance(year_value, str) and year_value.strip().isdigit():
        year = int(year_value.strip())
    elif date:
        found = _YEAR.search(date)
        year = int(found.group(1)) if found else None
    url = _text(record.get("url"))
    arxiv_id = _text(record.get("arxiv_id"))
    if arxiv_id is None and url:
        found_arxiv = _ARXIV_URL.search(url)
        arxiv_id = found_arxiv.group(1) if found_arxiv else None
    return Paper(
        id=paper_id(title, _text(record.get("id"))),
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
    )
