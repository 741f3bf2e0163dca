"""Read BibTeX / BibLaTeX libraries (bibtexparser v2): title, abstract, authors, date, venue, DOI, arXiv id.

Entries without an ``abstract`` field are kept with an empty abstract (entities are still found in titles).
LaTeX is decoded to Unicode (``M{\\"u}ller`` -> ``Müller``, ``\\emph{x}`` -> ``x``); math is kept verbatim.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.sources.fetch.convert import arxiv_id_from, canonical_id, collapse, iso_date, normalise_doi, record
from kg.sources.readers.records import paper_from_record
from kg.sources.readers.source import decode_or_fail
from kg.types import Paper

logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}  # fmt: skip
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "series", "howpublished", "publisher", "school")
_ARXIV_VENUE = re.compile(r"^\s*(?:arxiv\b|corr\s*$)", re.I)


@cache
def _latex() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text  # installed with bibtexparser, which uses it

    return LatexNodes2Text(math_mode="verbatim")


def _decode(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return collapse(_latex().latex_to_text(value))
    except Exception:  # pylatexenc gives up on some malformed LaTeX: keep the raw text, without braces
        return collapse(value.replace("{", "").replace("}", ""))


def _month(value: Any) -> int | None:
    if not isinstance(value, str):
        return value if isinstance(value, int) and 1 <= value <= 12 else None
    word = value.strip().strip("{}.").lower()
    if word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    return _MONTHS.get(word)


def _date(fields: dict[str, Any]) -> tuple[str | None, int | None]:
    date = iso_date(fields.get("date"))
    year_text = str(fields.get("year") or "").strip()
    year = int(year_text[:4]) if year_text[:4].isdigit() else (int(date[:4]) if date else None)
    if date is None and year is not None:
        month = _month(fields.get("month"))
        day = str(fields.get("day") or "").strip().strip("{}")
        if month and day.isdigit():
            date = iso_date(f"{year:04d}-{month:02d}-{int(day):02d}")
        date = date or (f"{year:04d}-{month:02d}" if month else f"{year:04d}")
    return date, year


def _arxiv_id(fields: dict[str, Any]) -> str | None:
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
    if prefix == "arxiv":
        found = arxiv_id_from(fields.get("eprint"))
        if found:
            return found
    for name in ("journal", "volume", "url", "doi", "note", "howpublished"):
        found = arxiv_id_from(fields.get(name)) if name != "volume" else arxiv_id_from(f" {fields.get(name) or ''}")
        if found:
            return found
    return None


def entry_record(fields: dict[str, Any]) -> dict[str, Any]:
    """One entry's fields (lower-cased keys; ``author`` a list of names) as a reader record."""
    arxiv_id = _arxiv_id(fields)
    doi = normalise_doi(fields.get("doi")) or normalise_doi(fields.get("url"))
    venue = next((v for name in _VENUE_FIELDS if (v := _decode(fields.get(name)))), None)
    if venue and _ARXIV_VENUE.match(venue):
        venue = "arXiv"
    date, year = _date(fields)
    authors = fields.get("author") or []
    url = fields.get("url") if isinstance(fields.get("url"), str) else None
    return record(
        id=canonical_id(arxiv_id, doi, None),
        title=_decode(fields.get("title")),
        abstract=_decode(fields.get("abstract")) or "",
        date=date,
        year=year,
        authors=[name for a in authors if (name := _decode(a))] if isinstance(authors, list) else [],
        venue=venue,
        url=collapse(url)
        or (f"https://doi.org/{doi}" if doi else None)
        or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None),
        doi=doi,
        arxiv_id=arxiv_id,
    )


def iter_bibtex(path: Path, on_bad: Callable[[InputError], None]) -> Iterator[Paper]:
    """Yield a Paper per entry; unparsable blocks and entries without a title go to ``on_bad``."""
    import bibtexparser
    from bibtexparser.middlewares import MergeNameParts, SeparateCoAuthors, SplitNameParts
    from bibtexparser.model import Entry, ParsingFailedBlock

    text = decode_or_fail(path.read_bytes(), path, None).lstrip("\ufeff")
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts(), MergeNameParts(style="first")]
    )
    if not library.entries and not library.failed_blocks:
        raise InputError(str(path), None, "no BibTeX entries found")
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, Entry):
            # a duplicate key or field, or names the middleware could not split: the entry is still a paper
            block = block.ignore_error_block
        elif isinstance(block, ParsingFailedBlock):
            error = block.error
            reason = " ".join(str(getattr(error, "abort_reason", "") or error).split()) or type(error).__name__
            on_bad(InputError(str(path), line, f"unparsable BibTeX block: {reason[:200]}"))
            continue
        if not isinstance(block, Entry):
            continue
        fields = {name.lower(): value for name, value in ((f.key, f.value) for f in block.fields)}
        if isinstance(fields.get("author"), str):  # an author field the name middleware could not split
            names = [n.strip() for n in re.split(r"\s+and\s+", fields["author"]) if n.strip()]
            fields["author"] = [" ".join(reversed(n.split(",", 1))) if n.count(",") == 1 else n for n in names]
        try:
            yield paper_from_record(entry_record(fields), str(path), line)
        except InputError as exc:
            on_bad(InputError(exc.path, exc.line, f"@{block.entry_type}{{{block.key}}}: {exc.message}"))
