"""OpenAlex ``/works`` with cursor paging; abstracts rebuilt from ``abstract_inverted_index``; the cited works
from ``referenced_works`` (``openalex:W…`` ids)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.sources.dates import bound
from kg.sources.fetch.convert import openalex_record
from kg.sources.fetch.http import HttpClient, Politeness
from kg.sources.fetch.store import FetchStore, FetchSummary, Page, run_fetch

BASE_URL = "https://api.openalex.org"
SELECT = (
    "id,doi,title,display_name,publication_date,publication_year,ids,authorships,"
    "primary_location,locations,abstract_inverted_index,referenced_works"
)


def parse_works(data: Any, where: str) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """Records, next cursor and total count of one ``/works`` response; ``KgError`` when malformed."""
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), list):
        raise KgError(f"OpenAlex: malformed response from {where} (no 'results' list)")
    meta = data.get("meta") if isinstance(data.get("meta"), Mapping) else {}
    records = []
    for number, work in enumerate(data["results"], start=1):
        try:
            records.append(openalex_record(work))
        except ValueError as exc:
            raise KgError(f"OpenAlex: malformed work {number} from {where}: {exc}") from None
    cursor = meta.get("next_cursor")
    count = meta.get("count")
    return records, cursor if isinstance(cursor, str) and cursor else None, count if isinstance(count, int) else None


def openalex_pages(
    client: HttpClient,
    search: str | None,
    filters: str | None,
    cursor: str | None,
    per_page: int = 100,
    api_key: str | None = None,
    mailto: str | None = None,
) -> Iterator[Page]:
    """Pages from ``cursor`` (``*`` for the first); the last page is the one without a ``next_cursor``."""
    current = cursor or "*"
    while True:
        params = {
            "search": search,
            "filter": filters,
            "per_page": per_page,
            "cursor": current,
            "select": SELECT,
            "api_key": api_key,
            "mailto": mailto,
        }
        records, following, count = parse_works(client.get_json("/works", params), f"cursor={current[:24]}")
        following = following if records else None
        yield Page(records, cursor=current, next=following, total=count)
        if following is None:
            return
        current = following


def fetch_openalex(
    out: Path,
    *,
    search: str | None = None,
    filters: str | None = None,
    max_papers: int | None = 1000,
    per_page: int = 100,
    api_key: str | None = None,
    mailto: str | None = None,
    base_url: str = BASE_URL,
    politeness: Politeness | None = None,
    restart: bool = False,
    checkpoint_every: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    progress: Callable[[FetchSummary], None] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> FetchSummary:
    """Fetch the works matching ``search`` and/or ``filters`` (OpenAlex filter syntax) into ``out``; ``since`` /
    ``until`` (YYYY, YYYY-MM or YYYY-MM-DD) bound the publication date."""
    low, high = bound(since, "--since"), bound(until, "--until")
    dated = [f"from_publication_date:{low[0]}"] if low else []
    dated += [f"to_publication_date:{high[1]}"] if high else []
    if dated:
        filters = ",".join([*([filters] if filters else []), *dated])
    if not search and not filters:
        raise KgError("OpenAlex: give --query and/or --filter")
    politeness = politeness or Politeness(delay=0.2)
    store = FetchStore(
        out, "openalex", {"search": search, "filter": filters}, restart=restart, checkpoint_every=checkpoint_every
    )
    summary = FetchSummary("openalex", Path(out))
    if not api_key:
        summary.notes.append("no OpenAlex API key (OPENALEX_API_KEY): the keyless daily allowance is tiny")
    extra = {"sleep": sleep} if sleep else {}
    size = min(per_page, max_papers) if max_papers else per_page
    with HttpClient(base_url, name="OpenAlex", politeness=politeness, **extra) as client:
        try:
            run_fetch(
                store,
                lambda cursor: openalex_pages(client, search, filters, cursor, size, api_key, mailto),
                max_papers,
                summary,
                progress,
            )
        finally:
            summary.requests, summary.retries = client.requests, client.retries
    return summary
