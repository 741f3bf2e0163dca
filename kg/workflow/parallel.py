"""One output written in a forked child while the build writes the others (both cores of a 2-core machine).

The outputs of a build are independent once the graph is built: the site (a third of a 100k build's CPU time,
``docs/performance.md``) is written by a child process that shares the graph copy-on-write, while this process
writes graph.json, Turtle, the parts and the stores. The child tells its progress and its outcome through a pipe
(JSON lines), shown here as this process's own progress once it waits for the result, and leaves with
``os._exit``; an error in it is raised here as a ``KgError`` with its message, and
when this process fails first (an error, Ctrl-C) the child is stopped. Where ``fork`` is missing or one core is
all there is, the job simply runs here when its result is asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from kg.errors import KgError


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Background:
    """``job`` (which returns the path it wrote) running in a forked child from construction; ``result()`` waits."""

    def __init__(self, job: Callable[[], Path]) -> None:
        self._job: Callable[[], Path] | None = job
        self._pid = 0
        if not hasattr(os, "fork") or usable_cores() < 2:
            return  # run in result()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read)
            code, message = 0, ""
            try:
                from kg import progress

                if progress._listeners:  # the parent shows progress: tell it through the pipe
                    progress._listeners[:] = [_PipeListener(write)]
                message = "ok:" + str(job())
            except BaseException as exc:
                code = 1
                text = str(exc) if isinstance(exc, KgError) else f"{type(exc).__name__}: {exc}"
                message = "error:" + text
            with contextlib.suppress(OSError):
                _send(write, {"result": message})
            os._exit(code)
        os.close(write)
        self._pid, self._read, self._job = pid, read, None

    def result(self) -> Path:
        if self._job is not None:
            job, self._job = self._job, None
            return job()
        message = ""
        with contextlib.ExitStack() as shown:
            task = None
            for event in _events(self._read):
                if "result" in event:
                    message = str(event["result"])
                elif "start" in event:
                    from kg.progress import step

                    task = shown.enter_context(step(event["start"], event.get("total"), event.get("unit", "")))
                elif task is not None and "advance" in event:
                    task.advance(int(event["advance"]))
                elif task is not None and "update" in event:
                    task.update(**event["update"])
        os.close(self._read)
        os.waitpid(self._pid, 0)
        self._pid = 0
        if message.startswith("ok:"):
            return Path(message[3:])
        raise KgError(message.removeprefix("error:") or "a child process writing an output died")

    def stop(self) -> None:
        """Stop the child when its result will not be asked for (this process failed first)."""
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
                os.close(self._read)
            self._pid = 0


def _send(fd: int, event: dict) -> None:
    data = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data) :]


def _events(fd: int):  # type: ignore[no-untyped-def]
    """The JSON lines the child sends, as they arrive, until it closes the pipe."""
    pending = b""
    while chunk := os.read(fd, 65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            with contextlib.suppress(ValueError):
                yield json.loads(line)


class _PipeTask:
    """A step of the child's, told to the parent: advances are summed and sent at most every 0.2 s."""

    def __init__(self, fd: int) -> None:
        self.fd, self.pending, self.sent = fd, 0, time.monotonic()

    def advance(self, amount: int = 1) -> None:
        self.pending += amount
        if time.monotonic() - self.sent >= 0.2:
            self.flush()

    def update(self, completed: int | None = None, total: int | None = None, note: str | None = None) -> None:
        self.flush()
        _send(self.fd, {"update": {"completed": completed, "total": total, "note": note}})

    def flush(self) -> None:
        if self.pending:
            _send(self.fd, {"advance": self.pending})
            self.pending = 0
        self.sent = time.monotonic()


class _PipeListener:
    """The child's progress listener: each step it starts becomes the parent's (kg.progress)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def start(self, name: str, total: int | None, unit: str) -> _PipeTask:
        _send(self.fd, {"start": name, "total": total, "unit": unit})
        return _PipeTask(self.fd)

    def finish(self, task: _PipeTask) -> None:
        task.flush()
