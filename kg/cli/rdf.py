"""``kg export`` (turtle, ntriples, jsonld, graphml, csv, neo4j-csv) and ``kg sparql``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.options import BaseIri, Folder, OldGraph, Wait, deprecated, folder_and_target
from kg.cli.output import stdout_console

DEFAULT_BASE = "https://w3id.org/kg-ml/"  # kg.sinks.rdf.DEFAULT_BASE, repeated so that kg --help imports no rdflib


class ExportFormat(StrEnum):
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    graphml = "graphml"
    csv = "csv"
    neo4j_csv = "neo4j-csv"


class AnswerFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


ANSWER_SUFFIXES = (".csv", ".tsv", ".json", ".txt", ".srj", ".srx")  # old `--out FILE`: the answer, not the graph


def _fail(exc: Exception) -> None:
    from kg.cli.common import fail

    fail(exc)


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_command(
        old_dir: Annotated[
            Path | None, typer.Argument(hidden=True, metavar="[DIR]", help="Deprecated: --out.", show_default=False)
        ] = None,
        out: Folder = None,
        fmt: Annotated[
            ExportFormat, typer.Option("--format", "-f", metavar="FORMAT", help="Output format.")
        ] = ExportFormat.turtle,
        to: Annotated[
            Path | None,
            typer.Option(
                "--to",
                "-t",
                metavar="PATH",
                help="Output file (a folder for csv and neo4j-csv); default OUT/graph.<ext>. "
                "A .gz suffix compresses turtle, ntriples and jsonld.",
            ),
        ] = None,
        base_iri: BaseIri = DEFAULT_BASE,
        validate: Annotated[
            bool, typer.Option("--validate", help="Check the RDF against schema/shapes.ttl (needs pySHACL).")
        ] = False,
        wait: Wait = 60.0,
        graph: OldGraph = None,
    ) -> None:
        """Write the graph as Turtle, N-Triples, JSON-LD, GraphML or CSV, with stable IRIs under --base-iri."""
        import contextlib

        from rich.console import Console

        from kg.api import default_output, export, load_graph, writing
        from kg.errors import KgError

        console, errors = stdout_console(), Console(stderr=True)
        try:
            graph_dir, to = folder_and_target(out, graph, to, old_dir)
            target = to or default_output(graph_dir, fmt.value)
            into = graph_dir.is_dir() and target.resolve().is_relative_to(graph_dir.resolve())
            with writing(graph_dir, wait) if into else contextlib.nullcontext():  # writes into the build folder
                graph = load_graph(graph_dir)
                result = export(graph, fmt.value, target, base_iri)
            if validate:
                from kg.api import to_rdf
                from kg.api import validate as shacl_validate

                report = shacl_validate(to_rdf(graph, base_iri))
        except (KgError, OSError) as exc:
            _fail(exc)
            return
        count = f"{result.triples:,} triples -> " if result.triples is not None else ""
        console.print(f"{fmt.value}: {count}{', '.join(str(p) for p in result.paths)}", highlight=False, soft_wrap=True)
        if validate:
            for warning in report.warnings:
                errors.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
            if not report.conforms:
                errors.print(report.report, highlight=False, markup=False)
                _fail(KgError(f"the graph does not conform to the SHACL shapes ({report.violations} violations)"))
            console.print(f"SHACL: conforms ({len(report.warnings)} warnings)", highlight=False, soft_wrap=True)

    @app.command("sparql")
    def sparql_command(
        query: Annotated[
            str,
            typer.Argument(
                metavar="QUERY",
                help="A SPARQL 1.1 query, or @FILE / FILE.rq to read it from a file.",
                show_default=False,
            ),
        ],
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                metavar="DIR",
                help="Build folder (written by 'kg build'), or an RDF file (.ttl, .nt, ...); default: out.",
                show_default=False,
            ),
        ] = None,
        fmt: Annotated[
            AnswerFormat, typer.Option("--format", "-f", metavar="FORMAT", help="Answer format.")
        ] = AnswerFormat.table,
        to: Annotated[
            Path | None, typer.Option("--to", "-t", metavar="FILE", help="Write the answer to this file.")
        ] = None,
        base_iri: BaseIri = DEFAULT_BASE,
        graph: Annotated[Path | None, typer.Option("--graph", "-g", hidden=True, help="Deprecated: --out.")] = None,
    ) -> None:
        """Answer a SPARQL 1.1 query over the graph, as a table, CSV, TSV or JSON.

        Prefixes kg:, skos:, dcterms:, prov:, schema:, paper:, method: ... are predeclared; the ontology is in
        GRAPH <https://w3id.org/kg-ml/ontology>. Examples: docs/sparql.md.
        """
        import io

        from kg.api import atomic_writer, read_query, sparql_store, write_answer
        from kg.errors import KgError

        try:
            if graph is None and out is not None and out.suffix.lower() in ANSWER_SUFFIXES and not out.is_dir():
                deprecated(f"--out {out} (the answer file)", f"--to {out}")  # kg sparql Q --out answer.csv
                out, to = None, out
            source_dir, to = folder_and_target(out, graph, to)
            text, source = read_query(query)
            with sparql_store(source_dir, base_iri) as endpoint:  # the answer is read while the store is held
                result = endpoint.query(text, source)
                if fmt is AnswerFormat.table:
                    data = _table(result, endpoint.prefixes, base_iri)
                else:
                    buffer = io.BytesIO()
                    write_answer(result, buffer, fmt.value, base_iri)
                    data = buffer.getvalue()
            if not data.endswith(b"\n"):
                data += b"\n"
            if to is not None:
                with atomic_writer(to, "wb") as handle:
                    handle.write(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
        except (KgError, OSError) as exc:
            _fail(exc)


def _table(result: object, names: dict[str, str], base: str) -> bytes:
    """A SELECT answer as a text table (IRIs shortened with the prefixes); ASK as true/false; a graph as Turtle."""
    import io

    import pyoxigraph as ox
    from rich.console import Console
    from rich.table import Table

    from kg.api import compact

    if isinstance(result, ox.QueryBoolean):
        return b"true\n" if bool(result) else b"false\n"
    if isinstance(result, ox.QueryTriples):
        from kg.api import serialize_triples

        buffer = io.BytesIO()
        serialize_triples(result, buffer, "turtle", base)
        return buffer.getvalue()
    assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    rows = [[compact(solution[name], names) for name in variables] for solution in result]
    table = Table(*variables, caption=f"{len(rows)} rows", caption_justify="left")
    for row in rows:
        table.add_row(*row)
    text = io.StringIO()
    Console(file=text, width=200, highlight=False, markup=False).print(table)
    return text.getvalue().encode("utf-8")
