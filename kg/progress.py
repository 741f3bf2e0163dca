"""Progress of long steps (read, extract, resolve, write, site, push, fetch), told to whoever listens.

Stages call ``step("extract", total=len(todo))`` and ``advance(n)`` on what it returns, or wrap an iterable in
``track``; nothing is shown unless a listener is installed with ``reporting`` (the ``kg`` command installs a
progress bar on stderr when stderr is a terminal). Without one every call is a no-op costing a function call, so
the library stays silent and fast::

    with step("resolve", total=len(papers)) as task:
        for batch in batches:
            ...
            task.advance(len(batch))
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...
    def update(self, completed: int | None = None, total: int | None = None, note: str | None = None) -> None: ...


class Listener(Protocol):
    """What shows progress: ``start`` a named step (``total`` None: unknown), get a ``Task``; ``finish`` it."""

    def start(self, name: str, total: int | None, unit: str) -> Task: ...
    def finish(self, task: Task) -> None: ...


class _Silent:
    def advance(self, amount: int = 1) -> None:
        pass

    def update(self, completed: int | None = None, total: int | None = None, note: str | None = None) -> None:
        pass


SILENT: Task = _Silent()
_listeners: list[Listener] = []


@contextlib.contextmanager
def reporting(listener: Listener | None) -> Iterator[None]:
    """Send the progress of every step run inside the block to ``listener`` (None: stay silent)."""
    if listener is None:
        yield
        return
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def active() -> bool:
    """True when someone listens (so a stage may compute a total that costs something)."""
    return bool(_listeners)


_open: dict[str, Task] = {}  # steps running now, by name: a step of the same name inside one advances it


@contextlib.contextmanager
def step(name: str, total: int | None = None, unit: str = "papers") -> Iterator[Task]:
    """A step of ``total`` units (None: unknown); advance the task it gives as the work gets done. Inside a
    running step of the same name (a build extracts batch by batch), it is that step, and ``total`` is ignored."""
    if not _listeners:
        yield SILENT
        return
    if name in _open:
        yield _open[name]
        return
    listener = _listeners[-1]
    task = listener.start(name, total, unit)
    _open[name] = task
    try:
        yield task
    finally:
        del _open[name]
        listener.finish(task)


def track(items: Iterable[T], name: str, total: int | None = None, unit: str = "papers") -> Iterator[T]:
    """``items`` as they come, counted as the step ``name`` advancing by one each."""
    if not _listeners:
        yield from items
        return
    with step(name, total, unit) as task:
        for item in items:
            yield item
            task.advance()
