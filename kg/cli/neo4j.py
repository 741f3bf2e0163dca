"""``kg neo4j push`` and ``kg cypher``: write the graph to a Bolt server and query it."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from kg.cli.options import Folder, OldGraph, Quiet, folder_and_target
from kg.cli.output import progress
from kg.errors import KgError, UsageError, exit_code

Uri = Annotated[str | None, typer.Option("--uri", envvar="NEO4J_URI", help="bolt:// or neo4j:// URI.")]
User = Annotated[str | None, typer.Option("--user", "-u", envvar="NEO4J_USERNAME", help="User name.")]
Password = Annotated[
    str | None,
    typer.Option("--password", envvar="NEO4J_PASSWORD", show_default=False, help="Password (never printed)."),
]
Database = Annotated[
    str | None,
    typer.Option("--database", "-d", envvar="NEO4J_DATABASE", help="Database name."),
]
DialectOption = Annotated[
    str, typer.Option("--dialect", help="auto (detected by a probe), neo4j or falkordb.", show_default=True)
]


def _fail(exc: Exception) -> None:
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=exit_code(exc))


def _cell(value: Any) -> str:
    """A driver value as table text: nodes and relationships by their name, lists joined."""
    from neo4j.graph import Node, Path, Relationship

    if value is None:
        return ""
    if isinstance(value, Node):
        labels = ":".join(sorted(value.labels))
        return f"({labels} {value.get('name') or value.get('paper_id') or value.get('entity_id') or ''})"
    if isinstance(value, Relationship):
        return f"[:{value.type}]"
    if isinstance(value, Path):
        return " ".join(_cell(node) for node in value.nodes)
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _plain(value: Any) -> Any:
    """A driver value as JSON-ready data."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, "properties": dict(value)}
    if isinstance(value, Path):
        return [_plain(node) for node in value.nodes]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _params(pairs: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {pair!r}: expected NAME=VALUE")
        params[key] = value
    return params


def register(app: typer.Typer) -> None:
    """Add the ``neo4j`` group (``push``) and the top-level ``cypher`` command."""
    group = typer.Typer(
        help="Write the graph to Neo4j (or another Bolt server).", no_args_is_help=True, rich_markup_mode=None
    )
    app.add_typer(group, name="neo4j")

    @group.command("push")
    def push(
        out: Folder = None,
        uri: Uri = None,
        user: User = None,
        password: Password = None,
        database: Database = None,
        batch_size: Annotated[
            int, typer.Option("--batch-size", "-b", min=1, help="Rows per UNWIND batch (one transaction each).")
        ] = 1000,
        evidence: Annotated[
            bool, typer.Option("--evidence/--no-evidence", help="Store all evidence as evidence_json on edges.")
        ] = True,
        dialect: DialectOption = "auto",
        prune: Annotated[
            bool,
            typer.Option("--prune", help="Also delete the papers and entities on the server that this build lacks."),
        ] = False,
        quiet: Quiet = False,
        graph: OldGraph = None,
    ) -> None:
        """Write all papers, entities and relationships (MERGE: pushing again updates, never duplicates)."""
        from rich.console import Console

        from kg.api import Target, load_graph
        from kg.api import push as run_push

        console = Console()
        try:
            graph_dir, _ = folder_and_target(out, graph)
            target = Target.from_env(uri, user, password, database, dialect)
            with progress(quiet):
                report = run_push(load_graph(graph_dir), target, batch_size=batch_size, evidence=evidence, prune=prune)
        except KgError as exc:
            _fail(exc)
            return
        console.print(
            f"{target.shown} ({report.dialect}): [bold]{report.nodes}[/] nodes, "
            f"[bold]{report.relationships}[/] relationships in {report.queries} queries, "
            f"{report.seconds:.1f} s ({report.relationships_per_second:,.0f} relationships/s)"
            + (f"; removed {report.removed} stale relationships" if report.removed else "")
            + (f"; deleted {report.deleted} papers and entities not in the build" if prune else ""),
            highlight=False,
        )

    @app.command("cypher")
    def cypher(
        query: Annotated[str, typer.Argument(help='A read query, e.g. "MATCH (p:Paper) RETURN p.title LIMIT 5".')],
        uri: Uri = None,
        user: User = None,
        password: Password = None,
        database: Database = None,
        param: Annotated[
            list[str] | None, typer.Option("--param", "-p", help="Query parameter NAME=VALUE (a string); repeatable.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
        dialect: DialectOption = "auto",
    ) -> None:
        """Run a read-only Cypher query against a Bolt server and print the rows as a table."""
        from rich.console import Console
        from rich.table import Table

        from kg.api import Target
        from kg.api import cypher as run_cypher

        try:
            target = Target.from_env(uri, user, password, database, dialect)
            columns, rows = run_cypher(target, query, **_params(param))
        except KgError as exc:
            _fail(exc)
            return
        if as_json:
            for row in rows:
                record = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
                sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            return
        table = Table(title=f"{len(rows)} rows")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        Console().print(table)
