"""``kg query ...``: questions asked of a built graph."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from kg.cli.common import fail
from kg.cli.options import Folder, Json, Limit, OldGraph, Since, Until, folder_and_target
from kg.cli.output import print_table
from kg.errors import KgError

query_app = typer.Typer(help="Ask questions of a built graph.", no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    """Add the ``query`` group to ``app``."""
    app.add_typer(query_app, name="query")


@query_app.command("papers-using")
def papers_using(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Entity name or any alias, e.g. DPO.", show_default=False)
    ],
    out: Folder = None,
    as_json: Json = False,
    limit: Limit = 0,
    since: Since = None,
    until: Until = None,
    graph: OldGraph = None,
) -> None:
    """List the papers that use or evaluate on NAME (any alias or spelling; a near miss gets "did you mean")."""
    from kg.api import load_graph
    from kg.api import papers_using as find

    try:
        folder, _ = folder_and_target(out, graph)
        hits = find(load_graph(folder, name), name, since=since, until=until, limit=limit or None)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    if as_json:
        for hit in hits:
            sys.stdout.write(json.dumps(asdict(hit), ensure_ascii=False) + "\n")
        return
    rows = [(hit.title, hit.relation, hit.date or hit.year or "") for hit in hits]
    print_table(f"{len(hits)} papers using {name}", ["paper", "relation", "date"], rows, right=("date",))
