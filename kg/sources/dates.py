"""Dates as kg keeps them: ISO text as precise as the source gave it (``2024``, ``2024-05`` or ``2024-05-03``),
and the ``--since`` / ``--until`` bounds of queries and fetchers."""

from __future__ import annotations

import calendar
import re

from kg.errors import KgError

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


def bound(text: str | None, option: str) -> tuple[str, str] | None:
    """A ``--since`` / ``--until`` value as a span; a ``KgError`` naming the option when it is not a date."""
    if text is None or not str(text).strip():
        return None
    span = date_span(text)
    if span is None:
        raise KgError(f"{option} {text}: not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
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
