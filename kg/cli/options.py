"""The one vocabulary of the ``kg`` command's options: the same thing has the same name everywhere.

Every command module takes its options from here, so that ``--out`` is the build folder in every command that
reads or writes one, ``-g`` is always the gazetteer, ``-f`` always the format, and so on. ``TERMS`` lists them
(docs/cli.md shows the same table); ``DEPRECATED`` lists the old spellings that still work, hidden from the help,
for one release, each with a note on stderr when used. ``tests/test_cli_options.py`` walks every command and
fails when a name means two things or one thing has two names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import UsageError


@dataclass(frozen=True)
class Term:
    """One thing commands take: its parameter name, long option, short flag (or ""), and what it means."""

    dest: str
    long: str
    short: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term("out", "--out", "-o", "the build folder (or, for kg extract and kg fetch, which make none, the output file)"),
    Term("to", "--to", "-t", "write the result here instead of its default place in the build folder (or stdout)"),
    Term("fmt", "--format", "-f", "the format of the command's data: what it reads (build, extract, add) or writes"),
    Term("formats", "--formats", "", "which outputs a build writes (graph, turtle, ntriples, html, site, none)"),
    Term("gazetteer", "--gazetteer", "-g", "extra gazetteer files of your own names"),
    Term("overrides", "--overrides", "", "the curation file (default OUT/overrides.yaml)"),
    Term("as_json", "--json", "", "print JSON instead of text"),
    Term("as_csv", "--csv", "", "print CSV (a header line, then one row per answer) instead of text"),
    Term("limit", "--limit", "-n", "at most this many papers / items"),
    Term("since", "--since", "", "papers from this date on (YYYY, YYYY-MM or YYYY-MM-DD)"),
    Term("until", "--until", "", "papers up to this date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    Term("query", "--query", "-q", "the search query sent to an API"),
    Term("page_size", "--page-size", "", "results per API request"),
    Term("processes", "--processes", "-j", "worker processes (0: one per core)"),
    Term("skip_bad", "--skip-bad", "", "skip bad input records with a counted warning instead of failing"),
    Term("quiet", "--quiet", "", "no progress bar"),
    Term("wait", "--wait", "", "seconds to wait while another kg command writes the build folder"),
    Term("base_iri", "--base-iri", "", "base of the IRIs of papers and entities"),
    Term("min_confidence", "--min-confidence", "", "leave out extracted entities below this confidence"),
    Term("uri", "--uri", "", "Neo4j (Bolt) URI"),
    Term("user", "--user", "-u", "Neo4j user name"),
    Term("password", "--password", "", "Neo4j password"),
    Term("database", "--database", "-d", "Neo4j database"),
    Term("dialect", "--dialect", "", "the Bolt server's dialect (auto, neo4j, falkordb)"),
    Term("host", "--host", "", "the address kg serve listens on (default 127.0.0.1: this machine only)"),
    Term("port", "--port", "", "the TCP port kg serve listens on (0: any free port)"),
    Term("timeout", "--timeout", "", "seconds a query may run before it is stopped"),
)

# old spelling -> (the option it stands for, the commands that still take it). Hidden; a note on stderr when used.
DEPRECATED: dict[str, tuple[str, str]] = {
    "--graph": ("--out", "query, entity, html, sparql, neo4j push"),
    "-g (kg sparql)": ("--out", "sparql"),
    "kg export DIR": ("--out", "export"),
    "--out (with --graph or kg export DIR)": ("--to", "export, sparql, html"),
    "--search": ("--query", "fetch openalex"),
    "--per-page": ("--page-size", "fetch openalex"),
    "--max": ("--limit", "fetch arxiv|openalex|s2"),
    "--max-papers": ("--limit", "entity"),
    "--year": ("--since/--until", "fetch s2"),
}
DEPRECATED_UNTIL = "0.4"

# ---------------------------------------------------------------------------------------------- the options

OUT_DEFAULT = Path("out")
Out = Annotated[
    Path, typer.Option("--out", "-o", metavar="DIR", help="Build folder (written by 'kg build').", show_default=True)
]
Folder = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", metavar="DIR", help="Build folder (written by 'kg build'); default: out.", show_default=False
    ),
]
BuildOut = Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Build folder to write.")]
OutFile = Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="Output file.")]
OldGraph = Annotated[Path | None, typer.Option("--graph", hidden=True, metavar="DIR", help="Deprecated: --out.")]
Inputs = Annotated[
    list[Path],
    typer.Argument(
        metavar="PAPERS",
        help="Input files, folders (read recursively, by suffix) or quoted globs ('data/*.jsonl'); - for stdin. "
        "Formats: listing .txt, .json, .jsonl, .csv, .bib, OpenAlex / Semantic Scholar dumps.",
        show_default=False,
    ),
]
Format = Annotated[
    str,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="auto (by suffix), listing, json, jsonl, csv, bibtex, openalex or s2."
    ),
]
Formats = Annotated[
    str,
    typer.Option(
        "--formats",
        metavar="LIST",
        help="Outputs to write, comma-separated: graph (graph.json), turtle, ntriples (rdf/), oxigraph (the SPARQL "
        "store), index (index.sqlite, for kg query), html (index.html), site; none: the build state alone.",
    ),
]
Gazetteer = Annotated[
    list[Path] | None,
    typer.Option("--gazetteer", "-g", metavar="FILE", help="Extra gazetteer JSONL file(s) of your own names."),
]
Overrides = Annotated[
    Path | None,
    typer.Option(
        "--overrides",
        metavar="FILE",
        help="Curation YAML (same: [a, b], different: [c, d], not-entity: [x], type: {x: benchmark}, "
        "role: [[paper, x, uses]]); default OUT/overrides.yaml.",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Csv = Annotated[bool, typer.Option("--csv", help="Print CSV (a header, then one row per answer) instead of text.")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="At most N papers (0: no limit).")]


def _date_option(option: str) -> Callable[[str | None], str | None]:
    """A callback that refuses a ``--since`` / ``--until`` value that is not a date before the command runs (exit
    2, one line)."""

    def check(value: str | None) -> str | None:
        from kg.api import date_bound

        date_bound(value, option)
        return value

    return check


Since = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DATE",
        callback=_date_option("--since"),
        help="Only papers from DATE on (YYYY, YYYY-MM, YYYY-MM-DD).",
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="DATE",
        callback=_date_option("--until"),
        help="Only papers up to DATE (YYYY, YYYY-MM, YYYY-MM-DD).",
    ),
]
SkipBad = Annotated[
    bool, typer.Option("--skip-bad", help="Skip bad records with a counted warning instead of failing.")
]
Processes = Annotated[
    int,
    typer.Option("--processes", "-j", min=0, metavar="N", help="Worker processes for extraction (0: one per core)."),
]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar on stderr.")]
Wait = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        metavar="SECONDS",
        help="Seconds to wait while another kg command writes the folder; then fail.",
    ),
]
BaseIri = Annotated[str, typer.Option("--base-iri", metavar="IRI", help="Base of the IRIs of papers and entities.")]
MinConfidence = Annotated[
    float | None,
    typer.Option(
        "--min-confidence",
        min=0,
        max=1,
        metavar="X",
        help="Leave out extracted entities below this confidence (0-1); default: overrides.yaml's, else none.",
    ),
]
To = Annotated[Path | None, typer.Option("--to", "-t", metavar="PATH", help="Write here instead.")]
Host = Annotated[
    str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on (0.0.0.0: every interface).")
]
Port = Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="TCP port (0: any free).")]
Timeout = Annotated[
    float, typer.Option("--timeout", min=0.001, metavar="SECONDS", help="Stop a query running longer than this.")
]


# ---------------------------------------------------------------------------------------------- old spellings


def deprecated(old: str, new: str) -> None:
    """One line on stderr: ``note: OLD is deprecated ...; use NEW``."""
    import sys

    sys.stderr.write(f"note: {old} is deprecated and goes in kg {DEPRECATED_UNTIL}; use {new}\n")
    sys.stderr.flush()


def folder_and_target(
    out: Path | None, graph: Path | None, to: Path | None = None, old_positional: Path | None = None
) -> tuple[Path, Path | None]:
    """The build folder and the ``--to`` target of a command that reads a build, from the new options and the
    old ones: ``--graph DIR`` (and ``kg export DIR``) named the folder, and then ``--out`` was the output file;
    both still work, with a note."""
    old = graph if graph is not None else old_positional
    if old is None:
        return (out if out is not None else OUT_DEFAULT), to
    deprecated("--graph DIR" if graph is not None else "'kg export DIR'", "--out DIR")
    if graph is not None and old_positional is not None and graph != old_positional:
        raise UsageError(f"two build folders given: {old_positional} and --graph {graph}")
    if out is not None:
        if to is not None:
            raise UsageError(
                f"--out {out} and --to {to}: with the old --graph / DIR form, --out is the output; use --to"
            )
        deprecated("--out FILE (with --graph or a DIR argument)", "--to FILE")
        return old, out
    return old, to


def renamed(value: object, old_value: object, old: str, new: str) -> object:
    """``old_value`` when the old spelling was used (with a note), else ``value``."""
    if old_value is None:
        return value
    deprecated(old, new)
    return old_value
