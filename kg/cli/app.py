"""The ``kg`` command line: a typer app assembled from one module per command group, a thin layer over the
Python API (``kg.api``). Command modules import their heavy dependencies inside the command functions, so
``kg --help`` stays fast."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kg import __version__
from kg.cli import add, build, curate, entity, evaluate, fetch, neo4j, query, rdf, results, serve, site
from kg.cli.common import error_message, errors, one_line
from kg.errors import EXIT_ERROR, KgError, exit_code

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of papers, methods, datasets and benchmarks from paper abstracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text as written: "[a, b]" stays, flags show as flags (docs/cli.md)
)
for command_group in (build, add, curate, evaluate, query, results, rdf, neo4j, site, fetch, entity, serve):
    command_group.register(app)


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"kg {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print kg's version and exit.")
    ] = False,
) -> None:
    pass


def main() -> None:
    """The ``kg`` entry point. Exit codes: 0 done; 1 an error (a ``KgError``, ``OSError`` or ``UnicodeError``: one
    line on stderr); 2 a usage error (a ``UsageError``, or click's own for unknown options); 130 interrupted.
    Anything else (a bug, an unforeseen failure): one line naming the operation and what failed, exit 1, the
    traceback in a log file named in that line (under the build folder, else the temporary folder); with
    ``KG_DEBUG=1`` the traceback is printed as well."""
    try:
        app()
    except (KgError, UnicodeError) as exc:
        errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exit_code(exc))
    except BrokenPipeError:  # the reader of our output went away (kg query ... | head): nothing to say
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as exc:
        errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        errors.print("[bold red]interrupted[/]", highlight=False, soft_wrap=True)
        sys.exit(130)
    except Exception as exc:  # the one place that turns any failure into one line
        errors.print(f"[bold red]error:[/] {escape(unexpected(exc, sys.argv[1:]))}", highlight=False, soft_wrap=True)
        if os.environ.get("KG_DEBUG", "") not in ("", "0"):
            traceback.print_exception(exc, file=sys.stderr)
        sys.exit(1)


_FOLDER_OPTIONS = ("--out", "-o", "--graph", "-g")


def unexpected(exc: BaseException, argv: list[str]) -> str:
    """The one line for an unexpected exception: the operation, what failed, where the traceback was written."""
    words = [word for word in argv if not word.startswith("-")]
    operation = "kg " + " ".join(words[:2] if words[:1] == ["query"] else words[:1]) if words else "kg"
    folder = _build_folder(argv, words)
    log = _write_log(exc, argv, folder)
    where = ""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if f"{os.sep}kg{os.sep}" in frame.filename]
    if frames:
        last = frames[-1]
        where = f" (at {Path(last.filename).parent.name}/{Path(last.filename).name}:{last.lineno})"
    about = f" on {folder}" if folder is not None else ""
    detail = " ".join(str(exc).split())[:200]
    saved = f"the traceback is in {log}" if log is not None else "the traceback could not be saved"
    return one_line(
        f"{operation}{about} failed unexpectedly: {type(exc).__name__}"
        f"{': ' + detail if detail else ''}{where}; {saved} (KG_DEBUG=1 prints it); please report it"
    )


def _build_folder(argv: list[str], words: list[str]) -> Path | None:
    """The build folder the command was given (``--out``/``--graph``, or ``kg export DIR``), if it is a folder."""
    candidates: list[str] = []
    for n, word in enumerate(argv):
        name, eq, value = word.partition("=")
        if name in _FOLDER_OPTIONS:
            if eq:
                candidates.append(value)
            elif n + 1 < len(argv):
                candidates.append(argv[n + 1])
    if words[:1] == ["export"] and len(words) > 1:
        candidates.append(words[1])
    if words[:1] in (["build"], ["add"], ["html"]) and not candidates:
        candidates.append("out")
    for candidate in candidates:
        if Path(candidate).is_dir():
            return Path(candidate)
    return None


def _write_log(exc: BaseException, argv: list[str], folder: Path | None) -> Path | None:
    """Write the traceback to ``FOLDER/logs/`` or the temporary folder; returns the file, None if neither works."""
    name = f"kg-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    text = (
        f"kg {__version__}, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
        f"command: kg {' '.join(argv)}\n\n" + "".join(traceback.format_exception(exc))
    )
    places = [folder / "logs"] if folder is not None else []
    places.append(Path(tempfile.gettempdir()) / "kg-logs")
    for place in places:
        try:
            place.mkdir(parents=True, exist_ok=True)
            path = place / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None
