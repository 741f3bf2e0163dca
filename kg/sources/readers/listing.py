"""Read the paper-listing text dumps ("save as text" of a daily-papers page).

A page header, then per paper: a title paragraph, the abstract paragraph, and optional metadata lines
(author count, organisation, a "·" line, a date with an optional upvote count). One kind of file has no
metadata at all: titles and abstracts simply alternate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kg.errors import InputError
from kg.ids import paper_id
from kg.sources.readers.records import check_lengths, clean_line, clean_text
from kg.sources.readers.source import OnBad, decode_or_fail, raise_bad
from kg.types import Paper

HEADER_LINES = frozenset(
    {"new", "get trending papers in your email inbox!", "subscribe", "daily papers", "byak and the research community"}
)
_AUTHORS = re.compile(r"^\s*[•·]?\s*([0-9]{1,6})\s+authors?\s*$", re.I)
_DOT = re.compile(r"^\s*[·•]\s*$")
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_DATE = re.compile(r"^\s*([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?(?: (\d+))?\s*$")


@dataclass(slots=True)
class _Line:
    number: int
    text: str


def _is_date(text: str) -> re.Match[str] | None:
    found = _DATE.match(text)
    return found if found and found.group(1).lower() in _MONTHS else None


def _is_metadata(text: str) -> bool:
    return bool(_AUTHORS.match(text) or _DOT.match(text) or _is_date(text))


def _paragraphs(path: Path) -> list[_Line]:
    lines = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = clean_text(decode_or_fail(raw, path, number).lstrip("\ufeff"))
            if text:
                lines.append(_Line(number, text))
    return lines


def iter_listing(path: Path, on_bad: OnBad = raise_bad) -> Iterator[Paper]:
    """Yield the papers of one listing dump in file order; a bad paper goes to ``on_bad`` (raise, or skip it)."""
    lines = _paragraphs(path)
    index = 0
    while index < len(lines) and (lines[index].text.lower() in HEADER_LINES or _is_metadata(lines[index].text)):
        index += 1
    while index < len(lines):
        current = lines[index]
        if _is_metadata(current.text):
            index += 1
            continue
        if index + 1 >= len(lines) or _is_metadata(lines[index + 1].text):
            on_bad(InputError(str(path), current.number, f"title without an abstract: {current.text[:60]!r}"))
            index += 1
            continue
        title, abstract = current, lines[index + 1]
        index += 2
        try:
            paper = _new_paper(path, title, abstract)
        except InputError as exc:
            on_bad(exc)
            continue
        # metadata: an optional organisation line (a non-metadata line followed by metadata), then metadata lines
        if index + 1 < len(lines) and not _is_metadata(lines[index].text) and _is_metadata(lines[index + 1].text):
            paper.organisation = clean_line(lines[index].text)
            index += 1
        while index < len(lines) and _is_metadata(lines[index].text):
            _apply_metadata(paper, lines[index].text)
            index += 1
        yield paper


def _new_paper(path: Path, title: _Line, abstract: _Line) -> Paper:
    title_text = clean_line(title.text)
    check_lengths(title_text, abstract.text, str(path), title.number, abstract.number)
    return Paper(id=paper_id(title_text), title=title_text, abstract=abstract.text, source=f"{path}:{title.number}")


def _apply_metadata(paper: Paper, text: str) -> None:
    if found := _AUTHORS.match(text):
        paper.author_count = int(found.group(1))
    elif found := _is_date(text):
        month, day, year = _MONTHS[found.group(1).lower()], int(found.group(2)), found.group(3)
        if year:
            try:
                paper.date = date(int(year), month, day).isoformat()
                paper.year = int(year)
            except ValueError:
                pass
