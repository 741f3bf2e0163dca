"""Semantic Scholar Graph API: bulk search (continuation token, the default) or relevance search (offset,
at most 1,000 results). An API key, if given, goes in the ``x-api-key`` header.

References: the search endpoints do not serve nested data (bulk search says so), so each page's papers are asked
again from ``POST /paper/batch`` with ``fields=references.paperId,references.externalIds`` (500 ids a request);
``references=False`` leaves that out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.sources.dates import bound
from kg.sources.fetch.convert import s2_record, s2_references
from kg.sources.fetch.http import HttpClient, Politeness
from kg.sources.fetch.store import FetchStore, FetchSummary, Page, run_fetch

BASE_URL = "https://api.semanticscholar.org/graph/v1"
FIELDS = "paperId,externalIds,url,title,abstract,venue,publicationVenue,year,publicationDate,authors"
REFERENCE_FIELDS = "references.paperId,references.externalIds"
BATCH_IDS = 500  # ids per /paper/batch request (the API's limit)
RELEVANCE_LIMIT = 1000
MODES = ("bulk", "relevance")


def parse_papers(data: Any, where: str) -> tuple[list[dict[str, Any]], int | None]:
    """Records and total of one search response; ``KgError`` when malformed."""
    if not isinstance(data, Mapping):
        raise KgError(f"Semantic Scholar: malformed response from {where} (not a JSON object)")
    items = data.get("data", [] if data.get("total") == 0 else None)
    if not isinstance(items, list):
        raise KgError(f"Semantic Scholar: malformed response from {where} (no 'data' list)")
    records = []
    for number, paper in enumerate(items, start=1):
        try:
            records.append(s2_record(paper))
        except ValueError as exc:
            raise KgError(f"Semantic Scholar: malformed paper {number} from {where}: {exc}") from None
    total = data.get("total")
    return records, total if isinstance(total, int) else None


def add_references(client: HttpClient, records: list[dict[str, Any]]) -> None:
    """Fill each record's ``references`` from ``POST /paper/batch`` (papers S2 does not return are left as they
    are); ``KgError`` when the answer is not a list of papers."""
    ids = [i[3:] for record in records for i in record.get("alt_ids", []) if i.startswith("s2:") and ":" not in i[3:]]
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), BATCH_IDS):
        chunk = ids[start : start + BATCH_IDS]
        data = client.get_json("/paper/batch", {"fields": REFERENCE_FIELDS}, {"ids": chunk})
        if not isinstance(data, list):
            raise KgError("Semantic Scholar: malformed response from /paper/batch (not a list of papers)")
        for item in data:
            if isinstance(item, Mapping) and isinstance(item.get("paperId"), str):
                found[item["paperId"]] = s2_references(item.get("references"))
    for record in records:
        for alt in record.get("alt_ids", []):
            if alt[3:] in found and found[alt[3:]]:
                record["references"] = found[alt[3:]]


def s2_bulk_pages(
    client: HttpClient,
    query: str,
    year: str | None,
    token: str | None,
    dates: str | None = None,
    references: bool = False,
) -> Iterator[Page]:
    """``/paper/search/bulk`` pages (up to 1,000 papers each) from continuation ``token`` on."""
    current = token
    while True:
        params = {"query": query, "fields": FIELDS, "year": year, "publicationDateOrYear": dates, "token": current}
        data = client.get_json("/paper/search/bulk", params)
        records, total = parse_papers(data, f"token={(current or '-')[:24]}")
        if references and records:
            add_references(client, records)
        following = data.get("token") if records else None
        following = following if isinstance(following, str) and following else None
        yield Page(records, cursor=current, next=following, total=total)
        if following is None:
            return
        current = following


def s2_relevance_pages(
    client: HttpClient,
    query: str,
    year: str | None,
    offset: int,
    limit: int = 100,
    dates: str | None = None,
    references: bool = False,
) -> Iterator[Page]:
    """``/paper/search`` pages by offset; the API serves only the first 1,000 results."""
    current = offset
    while current < RELEVANCE_LIMIT:
        size = min(limit, RELEVANCE_LIMIT - current)
        params = {"query": query, "fields": FIELDS, "year": year, "offset": current, "limit": size}
        params["publicationDateOrYear"] = dates
        data = client.get_json("/paper/search", params)
        records, total = parse_papers(data, f"offset={current}")
        if references and records:
            add_references(client, records)
        following = data.get("next")
        last = not records or not isinstance(following, int) or following >= RELEVANCE_LIMIT
        yield Page(records, cursor=current, next=None if last else following, total=total)
        if last:
            return
        current = following


def fetch_s2(
    query: str,
    out: Path,
    *,
    mode: str = "bulk",
    year: str | None = None,
    max_papers: int | None = 1000,
    page_size: int = 100,
    api_key: str | None = None,
    base_url: str = BASE_URL,
    politeness: Politeness | None = None,
    restart: bool = False,
    checkpoint_every: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    progress: Callable[[FetchSummary], None] | None = None,
    since: str | None = None,
    until: str | None = None,
    references: bool = True,
) -> FetchSummary:
    """Fetch the papers matching ``query`` into ``out`` (resumable); ``since`` / ``until`` (YYYY, YYYY-MM or
    YYYY-MM-DD) bound the publication date; ``references``: ask ``/paper/batch`` for the papers' references."""
    low, high = bound(since, "--since"), bound(until, "--until")
    dates = f"{low[0] if low else ''}:{high[1] if high else ''}" if low or high else None
    if mode not in MODES:
        raise KgError(f"unknown --mode {mode!r} (bulk or relevance)")
    politeness = politeness or Politeness(delay=1.0)
    store = FetchStore(
        out,
        "s2",
        {
            "query": query,
            "mode": mode,
            "year": year,
            **({"dates": dates} if dates else {}),
            **({} if references else {"references": False}),
        },
        restart=restart,
        checkpoint_every=checkpoint_every,
    )
    summary = FetchSummary("s2", Path(out))
    headers = {"x-api-key": api_key} if api_key else {}
    extra = {"sleep": sleep} if sleep else {}
    with HttpClient(base_url, name="Semantic Scholar", politeness=politeness, headers=headers, **extra) as client:

        def pages(cursor: Any) -> Iterator[Page]:
            if mode == "bulk":
                return s2_bulk_pages(client, query, year, cursor, dates, references)
            return s2_relevance_pages(client, query, year, cursor or 0, min(page_size, 100), dates, references)

        try:
            run_fetch(store, pages, max_papers, summary, progress)
        finally:
            summary.requests, summary.retries = client.requests, client.retries
    if mode == "relevance" and summary.complete and (summary.total or 0) > RELEVANCE_LIMIT:
        summary.notes.append(f"relevance search serves only the first {RELEVANCE_LIMIT} results; use --mode bulk")
    return summary
