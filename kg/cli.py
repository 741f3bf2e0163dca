"""The ``kg`` command line: a thin layer over the Python API."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kg.commands import register_all
from kg.errors import KgError

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of papers, methods, datasets and benchmarks from paper abstracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
query_app = typer.Typer(help="Ask questions of a built graph.", no_args_is_help=True)
app.add_typer(query_app, name="query")

console = Console()
errors = Console(stderr=True)

Inputs = Annotated[
    list[Path],
    typer.Argument(help="Input files: listing .txt, .json, .jsonl, .csv, .bib, OpenAlex / Semantic Scholar dumps."),
]
Format = Annotated[
    str, typer.Option("--format", "-f", help="auto (by suffix), listing, json, jsonl, csv, bibtex, openalex or s2.")
]
Gazetteer = Annotated[
    list[Path] | None, typer.Option("--gazetteer", "-g", help="Extra gazetteer JSONL file(s) of your own names.")
]
SkipBad = Annotated[
    bool, typer.Option("--skip-bad", help="Skip bad records with a counted warning instead of failing.")
]
Processes = Annotated[
    int, typer.Option("--processes", "-j", min=0, help="Worker processes for extraction (0: one per core).")
]


def _fail(exc: Exception) -> None:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def build(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    fmt: Format = "auto",
    gazetteer: Gazetteer = None,
    base_iri: Annotated[str, typer.Option(help="Base IRI of the RDF export.")] = "https://w3id.org/kg-ml/",
    skip_bad: SkipBad = False,
    processes: Processes = 0,
    overrides: Annotated[
        Path | None,
        typer.Option(help="YAML of merges/splits (same: [a, b], different: [c, d]); default OUT/overrides.yaml."),
    ] = None,
    cache: Annotated[bool, typer.Option(help="Re-use cached extractions of unchanged papers (OUT/cache/).")] = True,
) -> None:
    """Read papers, extract entities, resolve them; write graph.json, graph.ttl, index.html and site/."""
    from kg.build import build as run_build

    try:
        with console.status("building the graph…"):
            result = run_build(inputs, out, fmt, gazetteer or [], base_iri, skip_bad, processes, overrides, cache)
    except KgError as exc:
        _fail(exc)
        return
    for message in result.read_report.skipped:
        errors.print(f"[yellow]skipped:[/] {message}", highlight=False)
    console.print(
        f"[bold]{result.papers}[/] papers, [bold]{result.entities}[/] entities, "
        f"[bold]{result.relations}[/] relations"
        + (f" ({len(result.read_report.skipped)} bad records skipped)" if result.read_report.skipped else "")
    )
    for name, path in result.files.items():
        console.print(f"  {name:7} {path}")
    console.print(f"Open {result.files['html'].resolve().as_uri()} in a browser.")


@app.command()
def extract(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL file, one line per paper.")],
    fmt: Format = "auto",
    gazetteer: Gazetteer = None,
    skip_bad: SkipBad = False,
    processes: Processes = 0,
) -> None:
    """Extract named methods, models, datasets, benchmarks and metrics with roles and evidence."""
    from kg.build import write_extractions
    from kg.extract import extract_papers
    from kg.readers import ReadReport, iter_papers

    try:
        report = ReadReport()
        papers = iter_papers(inputs, fmt=fmt, skip_bad=skip_bad, report=report)
        count = write_extractions(extract_papers(papers, gazetteer or [], n_process=processes), out)
    except KgError as exc:
        _fail(exc)
        return
    for message in report.skipped:
        errors.print(f"[yellow]skipped:[/] {message}", highlight=False)
    console.print(f"{count} papers -> {out}")


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL in the annotation guidelines' format.")],
    pred: Annotated[Path, typer.Argument(help="Predictions: the JSONL written by 'kg extract'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_errors: Annotated[
        bool, typer.Option("--errors", help="List missed, spurious and mislabelled entities.")
    ] = False,
) -> None:
    """Score predictions against gold: P/R/F1 per type, type and role accuracy."""
    from kg.evaluate import evaluate_files

    try:
        result = evaluate_files(gold, pred)
    except (KgError, OSError) as exc:
        _fail(exc)
        return
    data = result.to_dict()
    if show_errors:
        data["errors"] = result.errors
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{data['papers']} papers")
    for column in ("type", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for name, scores in data["scores"].items():
        table.add_row(
            name,
            f"{scores['precision']:.3f}",
            f"{scores['recall']:.3f}",
            f"{scores['f1']:.3f}",
            str(scores["gold"]),
            str(scores["predicted"]),
        )
    console.print(table)
    console.print(
        f"type accuracy {data['type_accuracy']:.3f}, role accuracy {data['role_accuracy']:.3f} "
        f"on {data['matched']} matched entities"
    )
    if data.get("clustering"):
        c = data["clustering"]
        console.print(
            f"resolution (pairwise, across papers): precision {c['precision']:.3f}, recall {c['recall']:.3f}, "
            f"F1 {c['f1']:.3f} over {c['mentions']} found mentions"
        )
    if data["missing_papers"]:
        console.print(f"[yellow]{len(data['missing_papers'])} gold papers had no prediction[/]")
    if show_errors:
        for error in result.errors:
            console.print(json.dumps(error, ensure_ascii=False), highlight=False)


@query_app.command("papers-using")
def papers_using(
    name: Annotated[str, typer.Argument(help="Entity name or any alias, e.g. DPO.")],
    graph_dir: Annotated[Path, typer.Option("--graph", help="Folder written by 'kg build'.")] = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the papers that use or evaluate on NAME."""
    from kg.graph import load_graph
    from kg.query import papers_using as find

    try:
        hits = find(load_graph(graph_dir), name)
    except KgError as exc:
        _fail(exc)
        return
    if as_json:
        for hit in hits:
            sys.stdout.write(json.dumps(asdict(hit), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(hits)} papers using {name}")
    table.add_column("paper")
    table.add_column("relation")
    table.add_column("year", justify="right")
    for hit in hits:
        table.add_row(hit.title, hit.relation, str(hit.year or ""))
    console.print(table)


register_all(app)


def main() -> None:
    app()
