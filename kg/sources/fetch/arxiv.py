"""arXiv API (Atom): ``search_query`` paged by ``start``; the cursor is the offset of the next page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.sources.dates import bound
from kg.sources.fetch.convert import arxiv_id_from, canonical_id, collapse, iso_date, normalise_doi, record
from kg.sources.fetch.http import HttpClient, HttpError, Politeness
from kg.sources.fetch.store import FetchStore, FetchSummary, Page, run_fetch

BASE_URL = "https://export.arxiv.org/api/query"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
SORT_BY = {"submitted": "submittedDate", "updated": "lastUpdatedDate", "relevance": "relevance"}
ERROR_ID = "arxiv.org/api/errors"


@dataclass(slots=True)
class Feed:
    total: int
    start: int
    records: list[dict[str, Any]]


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    return collapse(found.text) if found is not None else None


def entry_record(entry: ET.Element) -> dict[str, Any]:
    """One Atom ``<entry>`` as a reader record; ``ValueError`` when it has no arXiv id."""
    abs_url = _text(entry, "atom:id")
    arxiv_id = arxiv_id_from(abs_url)
    if arxiv_id is None:
        raise ValueError(f"entry id {abs_url!r} is not an arXiv abstract URL")
    doi = normalise_doi(_text(entry, "arxiv:doi"))
    date = iso_date(_text(entry, "atom:published"))
    return record(
        id=canonical_id(arxiv_id, None, None),
        title=_text(entry, "atom:title"),
        abstract=_text(entry, "atom:summary") or "",
        date=date,
        year=int(date[:4]) if date else None,
        authors=[name for a in entry.findall("atom:author", NS) if (name := _text(a, "atom:name"))],
        venue=_text(entry, "arxiv:journal_ref") or "arXiv",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        doi=doi,
        arxiv_id=arxiv_id,
    )


def parse_feed(text: str, where: str) -> Feed:
    """Parse one API response; a ``KgError`` for XML that is not an arXiv feed or for an API error entry."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise KgError(f"arXiv: malformed Atom from {where} ({exc}); re-run the same command to resume") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise KgError(f"arXiv: response from {where} is not an Atom feed (root <{root.tag}>)")
    entries = root.findall("atom:entry", NS)
    for entry in entries:
        if ERROR_ID in (_text(entry, "atom:id") or ""):
            raise KgError(f"arXiv rejected the query: {_text(entry, 'atom:summary') or 'unknown error'}")
    total_text = _text(root, "opensearch:totalResults")
    start_text = _text(root, "opensearch:startIndex")
    if total_text is None or not total_text.isdigit():
        raise KgError(f"arXiv: response from {where} lacks opensearch:totalResults")
    records = []
    for number, entry in enumerate(entries, start=1):
        try:
            records.append(entry_record(entry))
        except ValueError as exc:
            raise KgError(f"arXiv: malformed entry {number} from {where}: {exc}") from None
    start = int(start_text) if start_text and start_text.isdigit() else 0
    return Feed(total=int(total_text), start=start, records=records)


def arxiv_pages(
    client: HttpClient,
    query: str,
    start: int,
    page_size: int = 100,
    sort: str = "submitted",
    order: str = "descending",
    empty_retries: int = 3,
) -> Iterator[Page]:
    """Pages from ``start`` on. arXiv sometimes answers an empty page mid-result: that is retried, then an error."""
    offset = start
    while True:
        params = {
            "search_query": query,
            "start": offset,
            "max_results": page_size,
            "sortBy": SORT_BY[sort],
            "sortOrder": order,
        }
        for attempt in range(empty_retries + 1):
            try:
                response = client.get("", params)
            except HttpError as exc:
                if exc.status == 400 and ERROR_ID in exc.body:
                    parse_feed(exc.body, "arXiv")  # raises with the API's own message
                raise
            feed = parse_feed(response.text, f"start={offset}")
            if feed.records or offset >= feed.total:
                break
            if attempt < empty_retries:
                client.back_off(attempt)
        else:
            raise KgError(
                f"arXiv: empty page at start={offset} although it reports {feed.total} results "
                f"(tried {empty_retries + 1} times); re-run the same command later to resume"
            )
        following = offset + len(feed.records)
        last = not feed.records or following >= feed.total
        yield Page(feed.records, cursor=offset, next=None if last else following, total=feed.total)
        if last:
            return
        offset = following


def fetch_arxiv(
    query: str,
    out: Path,
    *,
    max_papers: int | None = 1000,
    page_size: int = 100,
    sort: str = "submitted",
    order: str = "descending",
    base_url: str = BASE_URL,
    politeness: Politeness | None = None,
    restart: bool = False,
    checkpoint_every: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    progress: Callable[[FetchSummary], None] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> FetchSummary:
    """Fetch the papers matching an arXiv ``search_query`` into ``out`` (resumable; see ``kg.sources.fetch.store``);
    ``since`` / ``until`` (YYYY, YYYY-MM or YYYY-MM-DD) bound the submission date."""
    low, high = bound(since, "--since"), bound(until, "--until")
    if low or high:
        start = (low[0] if low else "1991-01-01").replace("-", "")
        end = (high[1] if high else "2999-12-31").replace("-", "")
        query = f"({query}) AND submittedDate:[{start}0000 TO {end}2359]"
    if sort not in SORT_BY:
        raise KgError(f"unknown --sort {sort!r} (choose from {', '.join(SORT_BY)})")
    if order not in ("ascending", "descending"):
        raise KgError(f"unknown --order {order!r} (ascending or descending)")
    politeness = politeness or Politeness(delay=3.0)
    store = FetchStore(
        out, "arxiv", {"query": query, "sort": sort, "order": order}, restart=restart, checkpoint_every=checkpoint_every
    )
    summary = FetchSummary("arxiv", Path(out))
    extra = {"sleep": sleep} if sleep else {}
    with HttpClient(base_url, name="arXiv", politeness=politeness, **extra) as client:
        size = min(page_size, max_papers) if max_papers else page_size
        try:
            run_fetch(
                store,
                lambda cursor: arxiv_pages(client, query, cursor or 0, size, sort, order),
                max_papers,
                summary,
                progress,
            )
        finally:
            summary.requests, summary.retries = client.requests, client.retries
    return summary
