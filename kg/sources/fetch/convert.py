"""Source records (arXiv, OpenAlex, Semantic Scholar, BibTeX) to the JSON reader's record format.

A record is a dict with ``id, title, abstract, date, year, authors, venue, url, doi, arxiv_id`` (and, when the
source gives them, ``references`` and ``alt_ids``). Ids are canonical across sources so that the readers' dedupe
merges the same paper: ``arxiv:<id without version>``, else ``doi:<lowercased DOI>``, else a source id
(``openalex:W…``, ``s2:…``). References (the works a paper cites) are named the same way (``reference_id``), and
``alt_ids`` keep a paper's source ids, so that a reference by OpenAlex W-id or S2 paperId finds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kg.sources.dates import normalise_date

RECORD_KEYS = ("id", "title", "abstract", "date", "year", "authors", "venue", "url", "doi", "arxiv_id")
LIST_KEYS = ("references", "alt_ids")  # in a record only when not empty

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v\d+)?"
_BARE_ARXIV = re.compile(rf"^\s*(?:arxiv:\s*)?{_ID}\s*$", re.I)
_ARXIV_IN_TEXT = re.compile(rf"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|\barxiv:\s*|\babs/){_ID}(?![\d.])", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_OPENALEX_WORK = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:works/)?|openalex:)?(W\d+)$", re.I)
_S2_PAPER = re.compile(r"^[0-9a-f]{40}$")
_PREFIXED = re.compile(r"^(arxiv|doi|openalex|s2):", re.I)


def collapse(text: str | None) -> str | None:
    """Collapse every whitespace run to one space; ``None`` for empty."""
    if not isinstance(text, str):
        return None
    return " ".join(text.split()) or None


def arxiv_id_from(value: Any) -> str | None:
    """The versionless arXiv id in a bare id, an ``arXiv:`` tag, an arxiv.org URL or an arXiv DOI."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = _BARE_ARXIV.match(value) or _ARXIV_IN_TEXT.search(value)
    return found.group("id") if found else None


def normalise_doi(value: Any) -> str | None:
    """``https://doi.org/10.X/Y`` or ``doi:10.X/Y`` -> ``10.x/y`` (DOIs are case-insensitive); else ``None``."""
    if not isinstance(value, str):
        return None
    doi = _DOI_PREFIX.sub("", value.strip()).strip().lower()
    return doi if doi.startswith("10.") and "/" in doi else None


def canonical_id(arxiv_id: str | None, doi: str | None, fallback: str | None) -> str | None:
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if doi:
        return f"doi:{doi}"
    return fallback


def iso_date(value: Any) -> str | None:
    """``2024-02-05T18:59:59Z`` -> ``2024-02-05``; ``2024-02`` and ``2024`` are kept as they are; None for what is
    not a real date (``kg.sources.dates.normalise_date``)."""
    return normalise_date(value)


def reference_id(value: Any) -> str | None:
    """A cited work's id, normalised as paper ids are: an arXiv id or URL -> ``arxiv:<id>``, a DOI (bare, ``doi:``
    or a doi.org URL) -> ``doi:<lowercased>``, an OpenAlex work (``W123``, its URL) -> ``openalex:W123``, a 40-hex
    S2 paperId -> ``s2:<id>``; other ``arxiv:``/``doi:``/``openalex:``/``s2:`` ids and any other text (an id given
    in the input) are kept as they are; None for an empty value."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if found := _OPENALEX_WORK.match(text):
        return f"openalex:{found.group(1).upper()}"
    doi = normalise_doi(text)
    arxiv = arxiv_id_from(doi) if doi else arxiv_id_from(text)
    if arxiv and (doi or _BARE_ARXIV.match(text) or "arxiv" in text.lower()):
        return f"arxiv:{arxiv}"
    if doi:
        return f"doi:{doi}"
    if _S2_PAPER.match(text):
        return f"s2:{text}"
    if prefix := _PREFIXED.match(text):
        return prefix.group(1).lower() + ":" + text[len(prefix.group(0)) :]
    return text


def reference_ids(values: Any) -> list[str]:
    """``reference_id`` of each item of a list (or of a string split at spaces, commas and semicolons), each once,
    in order."""
    if isinstance(values, str):
        values = re.split(r"[\s,;]+", values)
    if not isinstance(values, list):
        return []
    return list(dict.fromkeys(found for item in values if (found := reference_id(item))))


def year_of(date: str | None, year: Any = None) -> int | None:
    if isinstance(year, int) and not isinstance(year, bool):
        return year
    if isinstance(year, str) and year.strip().isdigit():
        return int(year.strip())
    return int(date[:4]) if date else None


def rebuild_abstract(index: Any) -> str:
    """Rebuild text from OpenAlex's ``abstract_inverted_index`` (``{word: [positions]}``); ``""`` for none.

    Raises ``ValueError`` when the index is not a mapping of words to lists of integer positions.
    """
    if index is None:
        return ""
    if not isinstance(index, Mapping):
        raise ValueError(f"abstract_inverted_index is a {type(index).__name__}, not an object")
    placed: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in positions
        ):
            raise ValueError(f"abstract_inverted_index[{word!r}] is not a list of positions")
        for position in positions:
            placed[position] = word
    return " ".join(placed[p] for p in sorted(placed))


def record(**fields: Any) -> dict[str, Any]:
    """A record with every reader key, in the reader's order (``references`` and ``alt_ids`` when not empty)."""
    found = {key: fields.get(key) if key != "authors" else list(fields.get("authors") or []) for key in RECORD_KEYS}
    found.update({key: list(fields[key]) for key in LIST_KEYS if fields.get(key)})
    return found


def _names(items: Any, *path: str) -> list[str]:
    names = []
    for item in items if isinstance(items, list) else []:
        value: Any = item
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        name = collapse(value)
        if name:
            names.append(name)
    return names


def openalex_record(work: Any) -> dict[str, Any]:
    """One OpenAlex work (API result or snapshot line) as a reader record; ``ValueError`` when malformed."""
    if not isinstance(work, Mapping):
        raise ValueError(f"expected a work object, got {type(work).__name__}")
    openalex_url = work.get("id") if isinstance(work.get("id"), str) else None
    short = openalex_url.rsplit("/", 1)[-1] if openalex_url else None
    ids = work.get("ids") if isinstance(work.get("ids"), Mapping) else {}
    doi = normalise_doi(work.get("doi") or ids.get("doi"))
    primary = work.get("primary_location") if isinstance(work.get("primary_location"), Mapping) else {}
    source = primary.get("source") if isinstance(primary.get("source"), Mapping) else {}
    locations = [loc for loc in work.get("locations") or [] if isinstance(loc, Mapping)]
    arxiv_id = arxiv_id_from(doi)
    for location in [primary, *locations]:
        arxiv_id = arxiv_id or arxiv_id_from(location.get("landing_page_url")) or arxiv_id_from(location.get("pdf_url"))
    date = iso_date(work.get("publication_date"))
    landing = primary.get("landing_page_url") if isinstance(primary.get("landing_page_url"), str) else None
    return record(
        id=canonical_id(arxiv_id, doi, f"openalex:{short}" if short else None),
        title=collapse(work.get("title") or work.get("display_name")),
        abstract=collapse(rebuild_abstract(work.get("abstract_inverted_index"))) or "",
        date=date,
        year=year_of(date, work.get("publication_year")),
        authors=_names(work.get("authorships"), "author", "display_name")
        or _names(work.get("authorships"), "raw_author_name"),
        venue=collapse(source.get("display_name")),
        url=(f"https://doi.org/{doi}" if doi else None) or landing or openalex_url,
        doi=doi,
        arxiv_id=arxiv_id,
        references=reference_ids(work.get("referenced_works")),
        alt_ids=[f"openalex:{short}"] if short and _OPENALEX_WORK.match(short) else [],
    )


def s2_record(paper: Any) -> dict[str, Any]:
    """One Semantic Scholar paper (Graph API JSON or a ``papers`` dataset line) as a reader record."""
    if not isinstance(paper, Mapping):
        raise ValueError(f"expected a paper object, got {type(paper).__name__}")
    external = paper.get("externalIds") or paper.get("externalids") or {}
    if not isinstance(external, Mapping):
        raise ValueError("externalIds is not an object")
    lowered = {str(k).lower(): v for k, v in external.items()}
    arxiv_id = arxiv_id_from(lowered.get("arxiv"))
    doi = normalise_doi(lowered.get("doi"))
    paper_id = paper.get("paperId") or paper.get("paperid")
    corpus_id = paper.get("corpusId") or paper.get("corpusid") or lowered.get("corpusid")
    fallback = f"s2:{paper_id}" if paper_id else (f"s2:corpus:{corpus_id}" if corpus_id else None)
    date = iso_date(paper.get("publicationDate") or paper.get("publicationdate"))
    venue_info = paper.get("publicationVenue") or paper.get("journal") or {}
    venue = collapse(paper.get("venue")) or (
        collapse(venue_info.get("name")) if isinstance(venue_info, Mapping) else None
    )
    url = paper.get("url") if isinstance(paper.get("url"), str) else None
    return record(
        id=canonical_id(arxiv_id, doi, fallback),
        title=collapse(paper.get("title")),
        abstract=collapse(paper.get("abstract")) or "",
        date=date,
        year=year_of(date, paper.get("year")),
        authors=_names(paper.get("authors"), "name"),
        venue=venue,
        url=url or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None),
        doi=doi,
        arxiv_id=arxiv_id,
        references=s2_references(paper.get("references")),
        alt_ids=[
            i for i in (f"s2:{paper_id}" if paper_id else None, f"s2:corpus:{corpus_id}" if corpus_id else None) if i
        ],
    )


def s2_reference(item: Any) -> str | None:
    """One entry of an S2 ``references`` list (``{"paperId", "externalIds"}``) named as its paper would be: arXiv id,
    else DOI, else ``s2:<paperId>``; None for an entry S2 could not match to a paper (``paperId`` null)."""
    if not isinstance(item, Mapping):
        return None
    external = item.get("externalIds") or item.get("externalids") or {}
    lowered = {str(k).lower(): v for k, v in external.items()} if isinstance(external, Mapping) else {}
    paper_id = item.get("paperId") or item.get("paperid")
    fallback = f"s2:{paper_id}" if isinstance(paper_id, str) and paper_id else None
    if fallback is None and lowered.get("corpusid"):
        fallback = f"s2:corpus:{lowered['corpusid']}"
    return canonical_id(arxiv_id_from(lowered.get("arxiv")), normalise_doi(lowered.get("doi")), fallback)


def s2_references(items: Any) -> list[str]:
    """The ids of an S2 ``references`` list, each once, in order (unmatched entries left out)."""
    if not isinstance(items, list):
        return []
    return list(dict.fromkeys(found for item in items if (found := s2_reference(item))))
