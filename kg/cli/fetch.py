"""``kg fetch arxiv|openalex|s2``: search an API and write papers as JSONL for ``kg build`` (resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from kg.cli.common import fail
from kg.cli.options import Quiet, Since, Until, deprecated, renamed

Out = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        metavar="FILE",
        help="Output JSONL; re-running with the same --out resumes where it stopped.",
        show_default=False,
    ),
]
Limit = Annotated[
    int, typer.Option("--limit", "-n", min=0, metavar="N", help="Stop once --out holds N papers (0: no limit).")
]
OldMax = Annotated[int | None, typer.Option("--max", min=0, hidden=True, help="Deprecated: --limit.")]
Retries = Annotated[
    int, typer.Option("--retries", min=0, metavar="N", help="Retries per request on 429, 5xx and broken responses.")
]
Restart = Annotated[bool, typer.Option("--restart", help="Overwrite --out instead of resuming it.")]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1,
        metavar="SECONDS",
        help="Seconds for one request, retries and their waits included; then fail (unreachable servers fail at once).",
    ),
]
Backoff = Annotated[
    float,
    typer.Option(
        "--backoff", min=0, metavar="SECONDS", help="Seconds before the first retry, doubled for each next one."
    ),
]
BaseUrl = Annotated[str, typer.Option("--base-url", metavar="URL", help="API endpoint.")]


def _delay(why: str) -> Any:
    return Annotated[
        float, typer.Option("--delay", min=0, metavar="SECONDS", help=f"Seconds between requests ({why}).")
    ]


def _run(fetch: Any, **kwargs: Any) -> None:
    """Run a fetcher with a progress bar on stderr (a terminal only); one-line errors, exit 2 on errors and 130
    when interrupted."""
    from kg.api import Politeness, progress_step
    from kg.cli.output import progress, stderr_console, stdout_console
    from kg.errors import KgError

    console, errors = stdout_console(), stderr_console()
    kwargs["politeness"] = Politeness(
        delay=kwargs.pop("delay"),
        retries=kwargs.pop("retries"),
        backoff=kwargs.pop("backoff"),
        timeout=kwargs.pop("timeout"),
    )
    limit = kwargs.pop("limit")
    old_max = kwargs.pop("old_max", None)
    if old_max is not None:
        deprecated("--max", "--limit")
        limit = old_max
    kwargs["max_papers"] = limit or None
    quiet = kwargs.pop("quiet")
    out = kwargs["out"]
    with progress(quiet), progress_step("fetch", total=limit or None) as task:

        def report(summary: Any) -> None:
            total = min(x for x in (limit or None, summary.total) if x is not None) if limit or summary.total else None
            task.update(completed=summary.papers, total=total, note=f"in {out}")

        try:
            summary = fetch(progress=report, **kwargs)
        except KgError as exc:
            fail(exc)
            return
        except KeyboardInterrupt:
            errors.print(
                f"interrupted; what was fetched is in {escape(str(out))}; re-run the same command to resume",
                highlight=False,
            )
            raise typer.Exit(code=130) from None
    of = f" of {summary.total:,} matching" if summary.total is not None else ""
    console.print(
        f"{summary.source}: [bold]{summary.new:,}[/] new, [bold]{summary.papers:,}[/] papers in "
        f"{escape(str(out))}{of} ({summary.stopped or 'stopped'}; {summary.requests} requests, "
        f"{summary.retries} retries)",
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
        errors.print(f"[yellow]note:[/] {escape(note)}", highlight=False)


def register(app: typer.Typer) -> None:
    fetch_app = typer.Typer(
        help="Fetch papers from arXiv, OpenAlex or Semantic Scholar into JSONL for 'kg build'.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    app.add_typer(fetch_app, name="fetch")

    @fetch_app.command("arxiv")
    def arxiv(
        query: Annotated[
            str,
            typer.Option("--query", "-q", metavar="QUERY", help="arXiv search_query, e.g. 'cat:cs.CL AND abs:GRPO'."),
        ],
        out: Out,
        limit: Limit = 1000,
        since: Since = None,
        until: Until = None,
        sort: Annotated[str, typer.Option(metavar="ORDER", help="submitted, updated or relevance.")] = "submitted",
        order: Annotated[
            str, typer.Option(metavar="DIRECTION", help="descending (newest first) or ascending.")
        ] = "descending",
        page_size: Annotated[
            int, typer.Option("--page-size", min=1, max=2000, metavar="N", help="Results per request.")
        ] = 100,
        delay: _delay("arXiv asks for one request every 3 s") = 3.0,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 120.0,
        base_url: BaseUrl = "https://export.arxiv.org/api/query",
        restart: Restart = False,
        quiet: Quiet = False,
        old_max: OldMax = None,
    ) -> None:
        """Search the arXiv API (Atom) and write one JSON line per paper."""
        from kg.api import fetch_arxiv

        _run(
            fetch_arxiv,
            query=query,
            out=out,
            limit=limit,
            old_max=old_max,
            since=since,
            until=until,
            sort=sort,
            order=order,
            page_size=page_size,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            restart=restart,
            quiet=quiet,
        )

    @fetch_app.command("openalex")
    def openalex(
        out: Out,
        query: Annotated[
            str | None, typer.Option("--query", "-q", metavar="QUERY", help="Full-text search, e.g. 'GRPO'.")
        ] = None,
        filters: Annotated[
            str | None,
            typer.Option(
                "--filter", metavar="FILTER", help="OpenAlex filter, e.g. 'publication_year:2025,type:article'."
            ),
        ] = None,
        limit: Limit = 1000,
        since: Since = None,
        until: Until = None,
        page_size: Annotated[
            int, typer.Option("--page-size", min=1, max=200, metavar="N", help="Results per request.")
        ] = 100,
        api_key: Annotated[
            str | None,
            typer.Option("--api-key", envvar="OPENALEX_API_KEY", metavar="KEY", show_default=False, help="API key."),
        ] = None,
        mailto: Annotated[
            str | None,
            typer.Option(
                "--mailto", envvar="OPENALEX_MAILTO", metavar="EMAIL", help="Contact e-mail sent with requests."
            ),
        ] = None,
        delay: _delay("OpenAlex allows at most 100 per second") = 0.2,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 120.0,
        base_url: BaseUrl = "https://api.openalex.org",
        restart: Restart = False,
        quiet: Quiet = False,
        old_max: OldMax = None,
        search: Annotated[str | None, typer.Option("--search", hidden=True, help="Deprecated: --query.")] = None,
        per_page: Annotated[
            int | None, typer.Option("--per-page", hidden=True, help="Deprecated: --page-size.")
        ] = None,
    ) -> None:
        """Search OpenAlex works (abstracts rebuilt from the inverted index) and write one JSON line per paper."""
        from kg.api import fetch_openalex

        _run(
            fetch_openalex,
            out=out,
            search=renamed(query, search, "--search", "--query"),
            filters=filters,
            limit=limit,
            old_max=old_max,
            since=since,
            until=until,
            per_page=renamed(page_size, per_page, "--per-page", "--page-size"),
            api_key=api_key,
            mailto=mailto,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            restart=restart,
            quiet=quiet,
        )

    @fetch_app.command("s2")
    def s2(
        query: Annotated[
            str,
            typer.Option("--query", "-q", metavar="QUERY", help="Search text, e.g. 'GRPO reinforcement learning'."),
        ],
        out: Out,
        mode: Annotated[
            str,
            typer.Option(
                metavar="MODE", help="bulk (token paging, no ranking, boolean syntax) or relevance (first 1,000)."
            ),
        ] = "bulk",
        limit: Limit = 1000,
        since: Since = None,
        until: Until = None,
        page_size: Annotated[
            int, typer.Option("--page-size", min=1, max=100, metavar="N", help="Relevance mode page size.")
        ] = 100,
        api_key: Annotated[
            str | None,
            typer.Option(
                "--api-key", envvar="S2_API_KEY", metavar="KEY", show_default=False, help="API key (x-api-key)."
            ),
        ] = None,
        delay: _delay("one per second with an API key") = 1.0,
        retries: Retries = 5,
        backoff: Backoff = 2.0,
        timeout: Timeout = 120.0,
        base_url: BaseUrl = "https://api.semanticscholar.org/graph/v1",
        references: Annotated[
            bool,
            typer.Option(
                "--references/--no-references", help="Ask /paper/batch for each page's references (citations)."
            ),
        ] = True,
        restart: Restart = False,
        quiet: Quiet = False,
        old_max: OldMax = None,
        year: Annotated[str | None, typer.Option("--year", hidden=True, help="Deprecated: --since/--until.")] = None,
    ) -> None:
        """Search the Semantic Scholar Graph API and write one JSON line per paper."""
        from kg.api import fetch_s2

        if year is not None:
            deprecated("--year", "--since/--until")
        _run(
            fetch_s2,
            query=query,
            out=out,
            mode=mode,
            year=year,
            limit=limit,
            old_max=old_max,
            since=since,
            until=until,
            page_size=page_size,
            api_key=api_key,
            delay=delay,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            base_url=base_url,
            references=references,
            restart=restart,
            quiet=quiet,
        )
