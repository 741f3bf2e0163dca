"""``kg query ...``: questions asked of a built graph."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import console, fail
from kg.errors import KgError

query_app = typer.Typer(help="Ask questions of a built graph.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``query`` group to ``app``."""
    app.add_typer(query_app, name="query")


@query_app.command("papers-using")
def papers_using(
    name: Annotated[str, typer.Argument(help="Entity name or any alias, e.g. DPO.")],
    graph_dir: Annotated[Path, typer.Option("--graph", help="Folder written by 'kg build'.")] = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the papers that use or evaluate on NAME."""
    from kg.api import load_graph
    from kg.api import papers_using as find

    try:
        hits = find(load_graph(graph_dir, name), name)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    if as_json:
        for hit in hits:
            sys.stdout.write(json.dumps(asdict(hit), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(hits)} papers using {escape(name)}")
    table.add_column("paper")
    table.add_column("relation")
    table.add_column("year", justify="right")
    for hit in hits:
        table.add_row(escape(hit.title), hit.relation, str(hit.year or ""))
    console.print(table)
