"""``kg build``, ``kg extract``: read, extract and resolve papers into a build folder or an extraction file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from kg.cli.common import (
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
from kg.cli.options import (
    OUT_DEFAULT,
    BaseIri,
    BuildOut,
    Format,
    Formats,
    Gazetteer,
    Inputs,
    MinConfidence,
    Processes,
    Quiet,
    SkipBad,
    Wait,
)
from kg.cli.options import Overrides as OverridesFile
from kg.cli.output import progress
from kg.errors import KgError, UsageError

if TYPE_CHECKING:
    from kg.api import ReadReport


def register(app: typer.Typer) -> None:
    """Add ``build`` and ``extract`` to ``app``."""
    app.command()(build)
    app.command()(extract)


def build(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PAPERS",
            help="Input files, folders (read recursively, by suffix) or quoted globs ('data/*.jsonl'); - for stdin. "
            "Formats: listing .txt, .json, .jsonl, .csv, .bib, OpenAlex / Semantic Scholar dumps. None: rebuild "
            "OUT from the papers it holds (applies a 'kg curate' edit).",
            show_default=False,
        ),
    ] = None,
    out: BuildOut = OUT_DEFAULT,
    fmt: Format = "auto",
    gazetteer: Gazetteer = None,
    base_iri: BaseIri = "https://w3id.org/kg-ml/",
    skip_bad: SkipBad = False,
    processes: Processes = 0,
    overrides: OverridesFile = None,
    min_confidence: MinConfidence = None,
    cache: Annotated[bool, typer.Option(help="Re-use cached extractions of unchanged papers (OUT/cache/).")] = True,
    formats: Formats = "graph,turtle,ntriples,oxigraph,index,html,site",
    extractions: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Use these extractions ('kg extract' output of the same inputs) instead of extracting.",
        ),
    ] = None,
    wait: Wait = 60.0,
    quiet: Quiet = False,
) -> None:
    """Read papers, extract entities, resolve them; write the build state, graph.json, graph.ttl, rdf/, index.html
    and site/. 'kg add' then adds papers without a rebuild; 'kg build --out OUT' alone rebuilds OUT from its own
    papers (after 'kg curate')."""
    try:
        if not inputs:
            from kg.api import rebuild

            with progress(quiet):
                result = rebuild(
                    out,
                    gazetteer or None,
                    processes,
                    overrides,
                    cache,
                    format_names(formats),
                    wait,
                    min_confidence,
                    None if base_iri == "https://w3id.org/kg-ml/" else base_iri,
                )
        else:
            files = check_build_paths(inputs, out, fmt, skip_bad)
            check_extractions_file(extractions)
            from kg.api import build_folder as run_build

            with progress(quiet):
                result = run_build(
                    files,
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
                    wait=wait,
                    min_confidence=min_confidence,
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
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="Output JSONL file, one line per paper.")],
    fmt: Format = "auto",
    gazetteer: Gazetteer = None,
    skip_bad: SkipBad = False,
    processes: Processes = 0,
    engine: Annotated[
        str, typer.Option(metavar="ENGINE", help="local (this machine's cores) or dask (partitions on a Dask cluster).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Dask scheduler address (tcp://host:8786); none: a local cluster of --processes workers.",
        ),
    ] = None,
    partition_size: Annotated[
        str, typer.Option(metavar="SIZE", help="With --engine dask: bytes of JSON Lines per partition (e.g. 32MiB).")
    ] = "32MiB",
    quiet: Quiet = False,
) -> None:
    """Extract named methods, models, datasets, benchmarks and metrics with roles and evidence."""
    from kg.api import ReadReport, iter_papers

    report = ReadReport()
    try:
        if engine not in ("local", "dask"):
            raise UsageError(f"--engine {engine}: choose local or dask")
        files = check_extract_paths(inputs, out, fmt, skip_bad)
        from kg.api import write_lines

        with progress(quiet):
            if engine == "dask":
                count = _extract_on_dask(
                    files, out, fmt, gazetteer or [], skip_bad, processes, scheduler, partition_size, report
                )
            else:
                from kg.api import extract_lines, track

                papers = iter_papers(files, fmt=fmt, skip_bad=skip_bad, report=report)
                lines = track(extract_lines(papers, gazetteer or [], n_process=processes), "extract")
                count = write_lines(lines, out)
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
        raise UsageError(f"--partition-size {partition_size}: not a size (e.g. 32MiB)") from None
    client, cluster = connect(scheduler, processes)
    try:
        lines = extract_lines_distributed(inputs, client, fmt, gazetteer, skip_bad, report, partition_bytes)
        return write_lines(lines, out)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
