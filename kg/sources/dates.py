"""Dates as kg keeps them: ISO text as precise as the source gave it (``2024``, ``2024-05`` or ``2024-05-03``),
and the ``--since`` / ``--until`` bounds of queries and fetchers."""

from __future__ import annotations

import calendar
import re

from kg.errors import UsageError

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def date_span(text: str) -> tuple[str, str] | None:
    """The first and last day an ISO date (or year, or month) covers: ``2024-02`` -> (2024-02-01, 2024-02-29);
    None when ``text`` is not one."""
    found = _DATE.fullmatch(str(text).strip())
    if found is None:
        return None
    year, month, day = int(found.group(1)), found.group(2), found.group(3)
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if not 1 <= int(month) <= 12:
        return None
    last = calendar.monthrange(year, int(month))[1]
    if day is None:
        return f"{year:04d}-{month}-01", f"{year:04d}-{month}-{last:02d}"
    if not 1 <= int(day) <= last:
        return None
    return (f"{year:04d}-{month}-{day}",) * 2  # type: ignore[return-value]


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUMERIC = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_MONTH_FIRST = re.compile(r"([A-Za-z]{3,9})\.?\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?(\d{4})")
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})")


def month_number(name: str) -> int | None:
    """1-12 for an English month name or its abbreviation (``Sept.`` included); None otherwise."""
    word = name.strip().rstrip(".").lower()
    if len(word) < 3 or word[:3] not in _MONTH_NAMES:
        return None
    number = _MONTH_NAMES.index(word[:3]) + 1
    full = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december")[number - 1]  # fmt: skip
    return number if full.startswith(word) or word == "sept" else None


def normalise_date(value: object) -> str | None:
    """A source's date as kg keeps it, as precise as given: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; None when it
    is not a real date. Read: ISO dates (a time part is dropped: ``2024-05-03T10:00:00Z``), ``2024/05/03``,
    ``May 3, 2024``, ``3 May 2024`` and ``May 2024`` (English month names or abbreviations)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    year: str | None
    month: int | None = None
    day: int | None = None
    if found := _NUMERIC.fullmatch(text):
        year, month_text, day_text = found.groups()
        month = int(month_text) if month_text else None
        day = int(day_text) if day_text else None
    elif found := _MONTH_FIRST.fullmatch(text):
        year, month, day = found.group(3), month_number(found.group(1)), int(found.group(2) or 0) or None
        if month is None:
            return None
    elif found := _DAY_FIRST.fullmatch(text):
        year, month, day = found.group(3), month_number(found.group(2)), int(found.group(1))
        if month is None:
            return None
    else:
        return None
    iso = year if month is None else f"{year}-{month:02d}" if day is None else f"{year}-{month:02d}-{day:02d}"
    return iso if date_span(iso) is not None and int(year) >= 1 else None


def bound(text: str | None, option: str) -> tuple[str, str] | None:
    """A ``--since`` / ``--until`` value as a span; a ``KgError`` naming the option when it is not a date."""
    if text is None or not str(text).strip():
        return None
    span = date_span(text)
    if span is None:
        raise UsageError(f"{option} {text}: not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    return span


def when(date: str | None, year: int | None) -> str | None:
    """What is known of a paper's date: the date as given, else the year."""
    if date:
        return str(date)
    return str(int(year)) if year is not None else None


def within(date: str | None, year: int | None, since: str | None, until: str | None) -> bool:
    """Whether a paper dated ``date`` (or only ``year``) may fall between the bounds; undated papers are out as
    soon as there is a bound."""
    if since is None and until is None:
        return True
    known = when(date, year)
    span = date_span(known) if known else None
    if span is None:
        return False
    low = bound(since, "--since")
    high = bound(until, "--until")
    return (low is None or span[1] >= low[0]) and (high is None or span[0] <= high[1])
