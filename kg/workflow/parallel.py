"""One output written in a forked child while the build writes the others (both cores of a 2-core machine).

The outputs of a build are independent once the graph is built: the site (a third of a 100k build's CPU time,
``docs/performance.md``) is written by a child process that shares the graph copy-on-write, while this process
writes graph.json, Turtle, the parts and the stores. The child is silent (no progress), reports its outcome
through a pipe and leaves with ``os._exit``; an error in it is raised here as a ``KgError`` with its message, and
when this process fails first (an error, Ctrl-C) the child is stopped. Where ``fork`` is missing or one core is
all there is, the job simply runs here when its result is asked for.
"""

from __future__ import annotations

import contextlib
import os
import signal
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

                progress._listeners.clear()  # the parent shows progress; the child says nothing
                message = "ok:" + str(job())
            except BaseException as exc:
                code = 1
                text = str(exc) if isinstance(exc, KgError) else f"{type(exc).__name__}: {exc}"
                message = "error:" + text
            with contextlib.suppress(OSError):
                os.write(write, message.encode("utf-8", "replace"))
            os._exit(code)
        os.close(write)
        self._pid, self._read, self._job = pid, read, None

    def result(self) -> Path:
        if self._job is not None:
            job, self._job = self._job, None
            return job()
        chunks = []
        while chunk := os.read(self._read, 65536):
            chunks.append(chunk)
        os.close(self._read)
        os.waitpid(self._pid, 0)
        self._pid = 0
        message = b"".join(chunks).decode("utf-8", "replace")
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
