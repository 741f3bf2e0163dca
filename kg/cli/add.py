"""``kg add NEW... --out OUT``: add papers to a build without rebuilding it (``kg.workflow.add.add``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.options import OUT_DEFAULT, BuildOut, Format, Processes, Quiet, SkipBad, Wait
from kg.cli.output import progress, stdout_console


def register(app: typer.Typer) -> None:
    """Add the ``add`` command to ``app``."""

    @app.command("add")
    def add(
        inputs: Annotated[
            list[Path],
            typer.Argument(
                metavar="PAPERS",
                help="New input files, folders or quoted globs (any format 'kg build' reads); - for stdin.",
                show_default=False,
            ),
        ],
        out: BuildOut = OUT_DEFAULT,
        fmt: Format = "auto",
        skip_bad: SkipBad = False,
        processes: Processes = 0,
        cache: Annotated[bool, typer.Option(help="Re-use cached extractions (OUT/cache/).")] = True,
        formats: Annotated[
            str,
            typer.Option(
                "--formats",
                metavar="LIST",
                help="Whole-graph outputs to keep current: graph, turtle, html, site (comma-separated; default: "
                "those the build has), or none (leave them stale; queries read the state).",
            ),
        ] = "",
        extractions: Annotated[
            Path | None, typer.Option(metavar="FILE", help="'kg extract' output of the new inputs: skip extraction.")
        ] = None,
        timings: Annotated[bool, typer.Option("--timings", help="Print wall and CPU seconds per step.")] = False,
        wait: Wait = 60.0,
        quiet: Quiet = False,
    ) -> None:
        """Add papers to a build: extract and resolve only them; the state, rdf/ and every output the build has
        are brought up to date in proportion to what was added."""
        from kg.cli.common import check_extractions_file, fail, format_names, interrupted, print_files, warn_skipped
        from kg.errors import KgError

        console = stdout_console()
        try:
            from kg.api import check_inputs

            files = check_inputs(inputs, fmt, content=not skip_bad)
            check_extractions_file(extractions)
            from kg.api import add as run_add

            with progress(quiet):
                result = run_add(
                    files,
                    out,
                    fmt,
                    skip_bad,
                    processes,
                    cache,
                    format_names(formats),
                    extractions,
                    wait=wait,
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
            if result.updated:
                how = ", ".join(f"{name} {what}" for name, what in result.updated.items())
                console.print(f"  outputs: {how}", highlight=False, soft_wrap=True)
        if result.stale:
            console.print(
                f"  not rewritten: {', '.join(result.stale)} (queries read the state; the next kg add without "
                f"--formats none rewrites them)",
                highlight=False,
            )
