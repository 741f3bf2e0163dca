"""``kg fetch arxiv|openalex|s2``: search an API and write papers as JSONL for ``kg build`` (resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

Out = Annotated[
    Path, typer.Option("--out", "-o", help="Output JSONL; re-running with the same --out resumes where it stopped.")
]
Max = Annotated[int, typer.Option("--max", min=0, help="Stop once --out holds this many papers (0: no limit).")]
Retries = Annotated[int, typer.Option("--retries", min=0, help="Retries per request on 429, 5xx and network errors.")]
Restart = Annotated[bool, typer.Option("--restart", help="Overwrite --out instead of resuming it.")]
Timeout = Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for one response.")]
Backoff = Annotated[
    float, typer.Option("--backoff", min=0, help="Seconds before the first retry, doubled for each next one.")
]


def _delay(why: str) -> Any:
    return Annotated[float, typer.Option("--delay", min=0, help=f"Seconds between requests ({why}).")]


def _run(fetch: Any, **kwargs: Any) -> None:
    """Run a fetcher with a progress line; one-line errors, exit 2 on errors and 130 when interrupted."""
    from rich.console import Console

    from kg.api import Politeness
    from kg.errors import KgError

    console, errors = Console(), Console(stderr=True)
    kwargs["politeness"] = Politeness(
        delay=kwargs.pop("delay"),
        retries=kwargs.pop("retries"),
        backoff=kwargs.pop("backoff"),
        timeout=kwargs.pop("timeout"),
    )
    kwargs["max_papers"] = kwargs.pop("max_papers") or None
    out = kwargs["out"]
    with errors.status("fetching…") as status:

        def progress(summary: Any) -> None:
            of = f" of {summary.total:,}" if summary.total is not None else ""
            status.update(f"{summary.source}: {summary.papers:,}{of} papers in {out}")

        try:
            summary = fetch(progress=progress, **kwargs)
        except KgError as exc:
            status.stop()
            errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            status.stop()
            errors.print(f"interrupted; what was fetched is in {out}; re-run the same command to resume")
            raise typer.Exit(code=130) from None
    of = f" of {summary.total:,} matching" if summary.total is not None else ""
    console.print(
        f"{summary.source}: [bold]{summary.new:,}[/] new, [bold]{summary.papers:,}[/] papers in {out}{of}"
        f" ({summary.stopped or 'stopped'}; {summary.requests} requests, {summary.retries} retries)",
        highlight=False,
    )
    extras = [
        f"{summary.no_abstract} without abstract" if summary.no_abstract else "",
        f"{summary.no_title} without title skipped" if summary.no_title else "",
        f"{summary.duplicates} duplicates dropped" if summary.duplicates else "",
    ]
    if any(extras):
        console.print("  " + ", ".join(e for e in extras if e), highlight=False)
    for note in summary.notes:
        errors.print(f"[yellow]note:[/] {note}", highlight=False)


def register(app: typer.Typer) -> None:
    fetch_app = typer.Typer(
        help="Fetch papers from arXiv, OpenAlex or Semantic Scholar into JSONL for 'kg build'.", no_args_is_help=True
    )
    app.add_typer(fetch_app, name="fetch")

    @fetch_app.command("arxiv")
    def arxiv(
        query: Annotated[str, typer.Option("--query", "-q", help="arXiv search_query, e.g. 'cat:cs.CL AND abs:GRPO'.")],
        out: Out,
        max_papers: Max = 1000,
        sort: Annotated[str, typer.Option(help="submitted, updated or relevance.")] = "submitted",
        order: Annotated[str, typer.Option(help="descending (newest first) or ascending.")] = "descending",
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=2000, help="Results per request.")] = 100,
        delay: _delay("arXiv asks for one request every 3 s") = 3.0,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 60.0,
        base_url: Annotated[
            str, typer.Option("--base-url", help="API endpoint.")
        ] = "https://export.arxiv.org/api/query",
        restart: Restart = False,
    ) -> None:
        """Search the arXiv API (Atom) and write one JSON line per paper."""
        from kg.api import fetch_arxiv

        _run(
            fetch_arxiv,
            query=query,
            out=out,
            max_papers=max_papers,
            sort=sort,
            order=order,
            page_size=page_size,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            restart=restart,
        )

    @fetch_app.command("openalex")
    def openalex(
        out: Out,
        search: Annotated[str | None, typer.Option("--search", "-q", help="Full-text search, e.g. 'GRPO'.")] = None,
        filters: Annotated[
            str | None, typer.Option("--filter", help="OpenAlex filter, e.g. 'publication_year:2025,type:article'.")
        ] = None,
        max_papers: Max = 1000,
        per_page: Annotated[int, typer.Option("--per-page", min=1, max=200, help="Results per request.")] = 100,
        api_key: Annotated[
            str | None, typer.Option("--api-key", envvar="OPENALEX_API_KEY", show_default=False, help="API key.")
        ] = None,
        mailto: Annotated[
            str | None, typer.Option("--mailto", envvar="OPENALEX_MAILTO", help="Contact e-mail sent with requests.")
        ] = None,
        delay: _delay("OpenAlex allows at most 100 per second") = 0.2,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 60.0,
        base_url: Annotated[str, typer.Option("--base-url", help="API root.")] = "https://api.openalex.org",
        restart: Restart = False,
    ) -> None:
        """Search OpenAlex works (abstracts rebuilt from the inverted index) and write one JSON line per paper."""
        from kg.api import fetch_openalex

        _run(
            fetch_openalex,
            out=out,
            search=search,
            filters=filters,
            max_papers=max_papers,
            per_page=per_page,
            api_key=api_key,
            mailto=mailto,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            restart=restart,
        )

    @fetch_app.command("s2")
    def s2(
        query: Annotated[str, typer.Option("--query", "-q", help="Search text, e.g. 'GRPO reinforcement learning'.")],
        out: Out,
        mode: Annotated[
            str, typer.Option(help="bulk (token paging, no ranking, boolean syntax) or relevance (first 1,000).")
        ] = "bulk",
        year: Annotated[str | None, typer.Option(help="Year or range, e.g. 2024 or 2023-2025.")] = None,
        max_papers: Max = 1000,
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=100, help="Relevance mode page size.")] = 100,
        api_key: Annotated[
            str | None, typer.Option("--api-key", envvar="S2_API_KEY", show_default=False, help="API key (x-api-key).")
        ] = None,
        delay: _delay("one per second with an API key") = 1.0,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 60.0,
        base_url: Annotated[
            str, typer.Option("--base-url", help="Graph API root.")
        ] = "https://api.semanticscholar.org/graph/v1",
        restart: Restart = False,
    ) -> None:
        """Search the Semantic Scholar Graph API and write one JSON line per paper."""
        from kg.api import fetch_s2

        _run(
            fetch_s2,
            query=query,
            out=out,
            mode=mode,
            year=year,
            max_papers=max_papers,
            page_size=page_size,
            api_key=api_key,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            restart=restart,
        )
