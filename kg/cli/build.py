"""``kg build``, ``kg extract``: read, extract and resolve papers into a build folder or an extraction file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from kg.cli.common import (
    Format,
    Gazetteer,
    Inputs,
    Processes,
    SkipBad,
    check_build_paths,
    check_extract_paths,
    check_extractions_file,
    console,
    fail,
    format_names,
    interrupted,
    one_line,
    plural,
    print_files,
    warn_skipped,
)
from kg.errors import KgError

if TYPE_CHECKING:
    from kg.api import ReadReport


def register(app: typer.Typer) -> None:
    """Add ``build`` and ``extract`` to ``app``."""
    app.command()(build)
    app.command()(extract)


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
        check_build_paths(inputs, out, fmt, skip_bad)
        check_extractions_file(extractions)
        from kg.api import build_folder as run_build

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
        fail(exc)
        return
    except KeyboardInterrupt:
        interrupted()
        return
    warn_skipped(result.read_report.skipped)
    console.print(
        f"[bold]{result.papers}[/] papers, [bold]{result.entities}[/] entities, "
        f"[bold]{result.relations}[/] relations"
        + (f" ({plural(len(result.read_report.skipped), 'bad record')} skipped)" if result.read_report.skipped else "")
    )
    print_files(result.files)
    if "html" in result.files:
        page = escape(result.files["html"].resolve().as_uri())
        console.print(f"Open {page} in a browser.", highlight=False, soft_wrap=True)


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
    from kg.api import ReadReport, iter_papers

    report = ReadReport()
    try:
        if engine not in ("local", "dask"):
            raise KgError(f"--engine {engine}: choose local or dask")
        check_extract_paths(inputs, out, fmt, skip_bad)
        from kg.api import write_lines

        if engine == "dask":
            count = _extract_on_dask(
                inputs, out, fmt, gazetteer or [], skip_bad, processes, scheduler, partition_size, report
            )
        else:
            from kg.api import extract_lines

            papers = iter_papers(inputs, fmt=fmt, skip_bad=skip_bad, report=report)
            count = write_lines(extract_lines(papers, gazetteer or [], n_process=processes), out)
    except (KgError, OSError, UnicodeError) as exc:
        warn_skipped(report.skipped)
        fail(exc)
        return
    except KeyboardInterrupt:
        interrupted()
        return
    warn_skipped(report.skipped)
    skipped = f" ({plural(len(report.skipped), 'bad record')} skipped)" if report.skipped else ""
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

    from kg.api import connect, extract_lines_distributed, write_lines

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


