"""``kg html --graph DIR``: (re)write the static site ``DIR/site/`` and the whole-graph page ``DIR/index.html``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``html`` command to ``app``."""

    @app.command("html")
    def html(
        graph_dir: Annotated[Path, typer.Option("--graph", help="Folder written by 'kg build'.")] = Path("out"),
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write site/ and index.html here instead of into --graph.")
        ] = None,
        max_nodes: Annotated[
            int, typer.Option("--max-nodes", min=10, help="Most nodes drawn in the whole-graph view.")
        ] = 400,
    ) -> None:
        """Write the browsable offline site (DIR/site/) and the whole-graph page (DIR/index.html)."""
        from rich.console import Console

        from kg.api import load_graph, write_graph_page, write_site
        from kg.errors import KgError

        console = Console()
        started = time.perf_counter()
        try:
            graph = load_graph(graph_dir)
        except KgError as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
        target = out or graph_dir
        site = write_site(graph, target, max_nodes=max_nodes)
        page = write_graph_page(graph, target / "index.html", max_nodes=max_nodes)
        pages = sum(1 for _ in site.rglob("*.html"))
        console.print(f"{pages:,} pages in {site} ({time.perf_counter() - started:.1f} s); whole graph: {page}")
        console.print(f"Open {(site / 'index.html').resolve().as_uri()} in a browser.")
