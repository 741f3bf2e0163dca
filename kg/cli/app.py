"""The ``kg`` command line: a typer app assembled from one module per command group, a thin layer over the
Python API (``kg.api``). Command modules import their heavy dependencies inside the command functions, so
``kg --help`` stays fast."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from kg.cli import add, build, entity, evaluate, fetch, neo4j, query, rdf, site
from kg.cli.common import error_message, errors
from kg.errors import KgError

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of papers, methods, datasets and benchmarks from paper abstracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command_group in (build, add, evaluate, query, rdf, neo4j, site, fetch, entity):
    command_group.register(app)


def main() -> None:
    """The ``kg`` entry point: any command's KgError, OSError or UnicodeError is one line on stderr and exit 2."""
    try:
        app()
    except (KgError, OSError, UnicodeError) as exc:
        errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
