"""``kg add NEW... --out OUT``: add papers to a build without rebuilding it (``kg.workflow.add.add``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``add`` command to ``app``."""

    @app.command("add")
    def add(
        inputs: Annotated[list[Path], typer.Argument(help="New input files (any format 'kg build' reads).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder of an earlier 'kg build'.")] = Path("out"),
        fmt: Annotated[str, typer.Option("--format", "-f", help="auto (by suffix) or a reader name.")] = "auto",
        skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad records instead of failing.")] = False,
        processes: Annotated[int, typer.Option("--processes", "-j", min=0, help="Extraction workers.")] = 0,
        cache: Annotated[bool, typer.Option(help="Re-use cached extractions (OUT/cache/).")] = True,
        formats: Annotated[
            str,
            typer.Option(help="Whole-graph outputs to rewrite as well: graph, turtle, html, site (comma-separated)."),
        ] = "",
        extractions: Annotated[
            Path | None, typer.Option(help="'kg extract' output of the new inputs: skip extraction.")
        ] = None,
        timings: Annotated[bool, typer.Option("--timings", help="Print wall and CPU seconds per step.")] = False,
    ) -> None:
        """Add papers to a build: extract and resolve only them, update the state and rdf/ in seconds."""
        from rich.console import Console

        from kg.cli.common import check_extractions_file, fail, format_names, interrupted, print_files, warn_skipped
        from kg.errors import KgError

        console = Console()
        try:
            from kg.api import check_inputs

            check_inputs(inputs, fmt, content=not skip_bad)
            check_extractions_file(extractions)
            from kg.api import add as run_add

            with console.status("adding papers…"):
                result = run_add(
                    inputs,
                    out,
                    fmt,
                    skip_bad,
                    processes,
                    cache,
                    format_names(formats),
                    extractions,
                )
        except (KgError, OSError, UnicodeError) as exc:
            fail(exc)
            return
        except KeyboardInterrupt:
            interrupted()
            return
        warn_skipped(result.read_report.skipped)
        console.print(
            f"[bold]{result.added:,}[/] papers added, {result.changed:,} changed, {result.duplicates:,} already there "
            f"({result.extracted:,} extracted, {result.rekeyed:,} other papers re-resolved); "
            f"now {result.papers:,} papers, {result.entities:,} entities"
        )
        print_files(result.files)
        if timings:
            steps = ", ".join(f"{name} {wall:.2f}/{cpu:.2f}" for name, (wall, cpu) in result.timings.items())
            console.print(f"  timings (wall/CPU s): {steps}", highlight=False, soft_wrap=True)
        if result.stale:
            console.print(
                f"  not rewritten: {', '.join(result.stale)} (queries read the state; --formats rewrites them)",
                highlight=False,
            )
