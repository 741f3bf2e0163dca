"""What every command shares: the consoles, option types, one-line errors and output helpers."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from kg.cli.options import Format, Gazetteer, Inputs, Processes, SkipBad
from kg.cli.output import stdout_console
from kg.errors import UsageError, exit_code

__all__ = ["Format", "Gazetteer", "Inputs", "Processes", "SkipBad", "console", "errors"]


class _Stdout:
    """stdout as ``kg.cli.output`` renders it: rich on a terminal, plain and unwrapped into a pipe or a file."""

    def __getattr__(self, name: str) -> object:
        return getattr(stdout_console(), name)


console = _Stdout()
errors = Console(stderr=True)


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


def fail(exc: BaseException) -> None:
    """One line on stderr, then exit: 2 for a usage error, 1 for any other (``kg.errors.exit_code``)."""
    errors.print(f"[bold red]error:[/] {escape(error_message(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=exit_code(exc))


def format_names(formats: str) -> list[str]:
    """``--formats graph, site`` -> ``["graph", "site"]`` (checked by the build)."""
    return [name.strip() for name in formats.split(",") if name.strip()]


def check_extractions_file(path: Path | None) -> None:
    """``--extractions FILE`` must name a file."""
    if path is not None and not path.is_file():
        raise UsageError(f"--extractions {path}: no such file")


def interrupted() -> None:
    errors.print("[bold red]interrupted:[/] nothing was written", highlight=False, soft_wrap=True)
    raise typer.Exit(code=130)


def print_files(files: dict[str, Path]) -> None:
    """The files a command wrote, one line each: ``  name     path``."""
    for name, path in files.items():
        console.print(f"  {name:8} {escape(one_line(str(path)))}", highlight=False, soft_wrap=True)


def warn_skipped(messages: list[str]) -> None:
    for message in messages[:MAX_WARNINGS]:
        errors.print(f"[yellow]skipped:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    if len(messages) > MAX_WARNINGS:
        errors.print(f"[yellow]skipped:[/] … and {len(messages) - MAX_WARNINGS:,} more", soft_wrap=True)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_build_paths(inputs: list[Path], out: Path, fmt: str, skip_bad: bool) -> list[Path]:
    """Usage errors before any heavy import: missing or unreadable inputs, an output that cannot be a folder.
    Returns the files to read (folders and patterns expanded, with one note for what is not a paper)."""
    from kg.api import check_inputs

    files = check_inputs(inputs, fmt, content=not skip_bad)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    check_parents(out)
    return files


def check_extract_paths(inputs: list[Path], out: Path, fmt: str, skip_bad: bool) -> list[Path]:
    """As ``_check_build_paths`` for a single output file, which must not be one of the inputs."""
    from kg.api import check_inputs

    checked = check_inputs(inputs, fmt, content=not skip_bad)
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give a file name such as {out / 'extractions.jsonl'}")
    if out.exists() and any(path.exists() and out.samefile(path) for path in checked):
        raise UsageError(f"--out {out}: is also an input; writing it would replace the papers being read")
    check_parents(out)
    return checked


def check_parents(out: Path) -> None:
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"--out {out}: {parent} is not a folder")
            return
