"""Output conventions of the ``kg`` command.

- stdout: rich text and tables on a terminal; plain, unwrapped lines (tables as tab-separated rows under a header
  line) when stdout is a pipe or a file, so that ``kg query ... | cut -f1`` works and nothing is cut at 80 columns.
- stderr: errors, warnings, notes, and the progress bar of long steps: a rich bar (count, rate, ETA) when stderr is
  a terminal, nothing otherwise or with ``--quiet``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape

PLAIN_WIDTH = 1_000_000  # "no wrapping" for a console that is not a terminal


def stdout_console() -> Console:
    """A console on stdout: a terminal as rich knows it, else plain and unwrapped."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=PLAIN_WIDTH, soft_wrap=True, no_color=True, highlight=False)
    return console


def stderr_console() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def one_format(as_json: bool, as_csv: bool) -> None:
    """``--json`` and ``--csv`` together are a usage error (exit 2)."""
    if as_json and as_csv:
        from kg.errors import UsageError

        raise UsageError("--json and --csv: choose one")


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV on stdout: a header, then one row each; lists joined with "; ", cells a spreadsheet would run as a
    formula made safe (``kg.api.spreadsheet_safe``), None as an empty cell."""
    import csv

    from kg.api import spreadsheet_safe

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe("; ".join(map(str, v)) if isinstance(v, list | tuple) else v) for v in row])


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[str] = ()) -> None:
    """A table on a terminal; a header line and tab-separated rows (tabs and newlines in cells as spaces)
    elsewhere."""
    console = Console()
    if console.is_terminal:
        from rich.table import Table

        table = Table(title=escape(title) if title else None)
        for column in columns:
            table.add_column(column, justify="right" if column in right else "left")
        for row in rows:
            table.add_row(*(escape("" if cell is None else str(cell)) for cell in row))
        console.print(table)
        return
    out = sys.stdout
    out.write("\t".join(columns) + "\n")
    for row in rows:
        out.write("\t".join(" ".join(("" if cell is None else str(cell)).split()) for cell in row) + "\n")
    out.flush()


# ---------------------------------------------------------------------------------------------- progress

STEP_WORDS = {
    "read": "reading",
    "extract": "extracting",
    "resolve": "resolving",
    "write": "writing",
    "site": "writing the site",
    "rdf": "writing rdf/",
    "push": "pushing",
    "fetch": "fetching",
}


def progress_wanted(quiet: bool) -> bool:
    """A progress bar: only when stderr is a terminal, and not with ``--quiet`` or ``KG_QUIET=1``."""
    if quiet or os.environ.get("KG_QUIET", "") not in ("", "0"):
        return False
    return stderr_console().is_terminal


class _Task:
    def __init__(self, bar: Any, task_id: int, unit: str) -> None:
        self.bar, self.id, self.unit = bar, task_id, unit
        self.done = 0

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        self.bar.update(self.id, advance=amount, unit=self.unit)

    def update(self, completed: int | None = None, total: int | None = None, note: str | None = None) -> None:
        fields: dict[str, Any] = {}
        if completed is not None:
            self.done = completed
            fields["completed"] = completed
        if total is not None:
            fields["total"] = total
        if note is not None:
            fields["note"] = escape(note)
        self.bar.update(self.id, **fields)


class ProgressBar:
    """The listener of ``kg.progress`` for the command line: one rich bar per step, on stderr."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TextColumn("[cyan]{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=Console(stderr=True),
            transient=False,
            refresh_per_second=8,
        )
        self.started: dict[int, float] = {}

    def start(self, name: str, total: int | None, unit: str) -> _Task:
        task_id = self.bar.add_task(STEP_WORDS.get(name, name), total=total, unit=unit, rate="", note="")
        self.started[task_id] = time.perf_counter()
        return _RatedTask(self, task_id, unit)

    def finish(self, task: Any) -> None:
        task_data = self.bar.tasks[[t.id for t in self.bar.tasks].index(task.id)]
        if task_data.total is None:
            self.bar.update(task.id, total=task_data.completed)
        self._rate(task.id, task_data.completed)
        self.bar.stop_task(task.id)

    def _rate(self, task_id: int, done: float) -> None:
        seconds = time.perf_counter() - self.started.get(task_id, time.perf_counter())
        if seconds > 0.05 and done:
            self.bar.update(task_id, rate=f"{done / seconds:,.0f}/s")

    @contextlib.contextmanager
    def shown(self) -> Iterator[ProgressBar]:
        with self.bar:
            yield self


class _RatedTask(_Task):
    def __init__(self, owner: ProgressBar, task_id: int, unit: str) -> None:
        super().__init__(owner.bar, task_id, unit)
        self.owner = owner
        self._last = 0.0

    def advance(self, amount: int = 1) -> None:
        super().advance(amount)
        now = time.perf_counter()
        if now - self._last > 0.25:
            self._last = now
            self.owner._rate(self.id, self.done)


@contextlib.contextmanager
def progress(quiet: bool) -> Iterator[None]:
    """Show the progress of ``kg.progress`` steps while the block runs (see ``progress_wanted``)."""
    from kg.api import reporting

    if not progress_wanted(quiet):
        yield
        return
    bar = ProgressBar()
    with bar.shown(), reporting(bar):
        yield
