"""The ``kg`` command line: a thin layer over the Python API."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.commands import register_all
from kg.commands.add import register as register_add
from kg.errors import KgError

if TYPE_CHECKING:
    from kg.readers import ReadReport

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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_WARNINGS = 50  # skipped-record warnings printed one per line; the rest are counted


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks become spaces, other control characters ``\\xNN``."""
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r\u2028\u2029" else f"\\x{ord(m.group()):02x}", text)


def error_message(exc: BaseException) -> str:
    """The one line a user sees for ``exc``: an OSError names its file(s) and says what went wrong."""
    if isinstance(exc, OSError) and exc.strerror:
        files = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        return one_line(f"{files}: {exc.strerror}" if files else exc.strerror)
    return one_line(str(exc) or type(exc).__name__)


def _fail(exc: BaseException, code: int = 2) -> None:
    errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def format_names(formats: str) -> list[str]:
    """``--formats graph, site`` -> ``["graph", "site"]`` (checked by the build)."""
    return [name.strip() for name in formats.split(",") if name.strip()]


def check_extractions_file(path: Path | None) -> None:
    """``--extractions FILE`` must name a file."""
    if path is not None and not path.is_file():
        raise KgError(f"--extractions {path}: no such file")


def _interrupted() -> None:
    errors.print("[bold red]interrupted:[/] nothing was written", highlight=False, soft_wrap=True)
    raise typer.Exit(code=130)


def print_files(files: dict[str, Path]) -> None:
    """The files a command wrote, one line each: ``  name     path``."""
    for name, path in files.items():
        console.print(f"  {name:8} {escape(one_line(str(path)))}", highlight=False, soft_wrap=True)


def _warn_skipped(messages: list[str]) -> None:
    for message in messages[:MAX_WARNINGS]:
        errors.print(f"[yellow]skipped:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    if len(messages) > MAX_WARNINGS:
        errors.print(f"[yellow]skipped:[/] … and {len(messages) - MAX_WARNINGS:,} more", soft_wrap=True)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _check_build_paths(inputs: list[Path], out: Path, fmt: str, skip_bad: bool) -> None:
    """Usage errors before any heavy import: missing or unreadable inputs, an output that cannot be a folder."""
    from kg.readers import check_inputs

    check_inputs(inputs, fmt, content=not skip_bad)
    if out.exists() and not out.is_dir():
        raise KgError(f"--out {out}: exists and is not a folder")
    _check_parents(out)


def _check_extract_paths(inputs: list[Path], out: Path, fmt: str, skip_bad: bool) -> None:
    """As ``_check_build_paths`` for a single output file, which must not be one of the inputs."""
    from kg.readers import check_inputs

    checked = check_inputs(inputs, fmt, content=not skip_bad)
    if out.is_dir():
        raise KgError(f"--out {out}: is a folder; give a file name such as {out / 'extractions.jsonl'}")
    if out.exists() and any(out.samefile(path) for path in checked):
        raise KgError(f"--out {out}: is also an input; writing it would replace the papers being read")
    _check_parents(out)


def _check_parents(out: Path) -> None:
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise KgError(f"--out {out}: {parent} is not a folder")
            return


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
    formats: Annotated[
        str,
        typer.Option(
            help="Outputs to write, comma-separated: graph (graph.json), turtle, ntriples (rdf/), html (index.html), "
            "site; none: the build state alone."
        ),
    ] = "graph,turtle,ntriples,html,site",
    extractions: Annotated[
        Path | None,
        typer.Option(help="Use these extractions ('kg extract' output of the same inputs) instead of extracting."),
    ] = None,
) -> None:
    """Read papers, extract entities, resolve them; write the build state, graph.json, graph.ttl, rdf/, index.html
    and site/. 'kg add' then adds papers without a rebuild."""
    try:
        _check_build_paths(inputs, out, fmt, skip_bad)
        check_extractions_file(extractions)
        from kg.build import build as run_build

        with console.status("building the graph…"):
            result = run_build(
                inputs,
                out,
                fmt,
                gazetteer or [],
                base_iri,
                skip_bad,
                processes,
                overrides,
                cache,
                format_names(formats),
                extractions,
            )
    except (KgError, OSError, UnicodeError) as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted()
        return
    _warn_skipped(result.read_report.skipped)
    console.print(
        f"[bold]{result.papers}[/] papers, [bold]{result.entities}[/] entities, "
        f"[bold]{result.relations}[/] relations"
        + (f" ({_plural(len(result.read_report.skipped), 'bad record')} skipped)" if result.read_report.skipped else "")
    )
    print_files(result.files)
    if "html" in result.files:
        page = escape(result.files["html"].resolve().as_uri())
        console.print(f"Open {page} in a browser.", highlight=False, soft_wrap=True)


@app.command()
def extract(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL file, one line per paper.")],
    fmt: Format = "auto",
    gazetteer: Gazetteer = None,
    skip_bad: SkipBad = False,
    processes: Processes = 0,
    engine: Annotated[
        str, typer.Option(help="local (this machine's cores) or dask (partitions on a Dask cluster).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (tcp://host:8786); none: a local cluster of --processes workers."),
    ] = None,
    partition_size: Annotated[
        str, typer.Option(help="With --engine dask: bytes of JSON Lines per partition (e.g. 32MiB).")
    ] = "32MiB",
) -> None:
    """Extract named methods, models, datasets, benchmarks and metrics with roles and evidence."""
    from kg.readers import ReadReport, iter_papers

    report = ReadReport()
    try:
        if engine not in ("local", "dask"):
            raise KgError(f"--engine {engine}: choose local or dask")
        _check_extract_paths(inputs, out, fmt, skip_bad)
        from kg.build import write_lines

        if engine == "dask":
            count = _extract_on_dask(
                inputs, out, fmt, gazetteer or [], skip_bad, processes, scheduler, partition_size, report
            )
        else:
            from kg.extract.pipeline import extract_lines

            papers = iter_papers(inputs, fmt=fmt, skip_bad=skip_bad, report=report)
            count = write_lines(extract_lines(papers, gazetteer or [], n_process=processes), out)
    except (KgError, OSError, UnicodeError) as exc:
        _warn_skipped(report.skipped)
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted()
        return
    _warn_skipped(report.skipped)
    skipped = f" ({_plural(len(report.skipped), 'bad record')} skipped)" if report.skipped else ""
    console.print(f"{count} papers -> {escape(one_line(str(out)))}{skipped}", highlight=False, soft_wrap=True)


def _extract_on_dask(
    inputs: list[Path],
    out: Path,
    fmt: str,
    gazetteer: list[Path],
    skip_bad: bool,
    processes: int,
    scheduler: str | None,
    partition_size: str,
    report: ReadReport,
) -> int:
    """``kg extract --engine dask``: extract on the cluster at ``scheduler`` (or a local one), write ``out``."""
    from dask.utils import parse_bytes

    from kg.build import write_lines
    from kg.distributed import connect, extract_lines_distributed

    try:
        partition_bytes = parse_bytes(partition_size)
    except ValueError:
        raise KgError(f"--partition-size {partition_size}: not a size (e.g. 32MiB)") from None
    client, cluster = connect(scheduler, processes)
    try:
        lines = extract_lines_distributed(inputs, client, fmt, gazetteer, skip_bad, report, partition_bytes)
        return write_lines(lines, out)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


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
    except (KgError, OSError, UnicodeError) as exc:
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
        hits = find(load_graph(graph_dir, name), name)
    except (KgError, OSError, UnicodeError) as exc:
        _fail(exc)
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


register_all(app)
register_add(app)


def main() -> None:
    """The ``kg`` entry point: any command's KgError, OSError or UnicodeError is one line on stderr and exit 2."""
    try:
        app()
    except (KgError, OSError, UnicodeError) as exc:
        errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
