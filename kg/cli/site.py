"""``kg html --out DIR``: (re)write the static site ``DIR/site/`` and the whole-graph page ``DIR/index.html``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.options import Folder, OldGraph, Quiet, Wait, folder_and_target


def register(app: typer.Typer) -> None:
    """Add the ``html`` command to ``app``."""

    @app.command("html")
    def html(
        out: Folder = None,
        to: Annotated[
            Path | None,
            typer.Option("--to", "-t", metavar="DIR", help="Write site/ and index.html here instead of into --out."),
        ] = None,
        max_nodes: Annotated[
            int, typer.Option("--max-nodes", min=10, metavar="N", help="Most nodes drawn in the whole-graph view.")
        ] = 400,
        wait: Wait = 60.0,
        quiet: Quiet = False,
        graph: OldGraph = None,
    ) -> None:
        """Write the browsable offline site (DIR/site/) and the whole-graph page (DIR/index.html)."""
        from kg.api import load_graph, write_graph_page, write_site, writing
        from kg.cli.common import fail
        from kg.cli.output import progress, stdout_console
        from kg.errors import KgError

        console = stdout_console()
        started = time.perf_counter()
        try:
            graph_dir, moved = folder_and_target(out, graph, to)
        except KgError as exc:
            fail(exc)
            return
        target = moved or graph_dir
        with writing(target, wait):  # one writer at a time in a build folder
            try:
                loaded = load_graph(graph_dir)
            except KgError as exc:
                fail(exc)
                return
            with progress(quiet):
                site = write_site(loaded, target, max_nodes=max_nodes)
                page = write_graph_page(loaded, target / "index.html", max_nodes=max_nodes)
        pages = sum(1 for _ in site.rglob("*.html"))
        console.print(f"{pages:,} pages in {site} ({time.perf_counter() - started:.1f} s); whole graph: {page}")
        console.print(f"Open {(site / 'index.html').resolve().as_uri()} in a browser.")
