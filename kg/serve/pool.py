"""Worker processes that answer tasks with a time limit.

A pyoxigraph query cannot be cancelled from another thread, and it has no timeout of its own, so each task runs
in a worker process (``kg.serve.worker``) that holds the store open; a task that is not answered within the
limit is stopped by killing its process (SIGKILL: the kernel frees its memory and its shared lock), and a new
worker takes its place. The server waits for an answer in a thread, so its event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.serve.worker import ANSWER_LIMIT, Answer, main, text_answer

START_SECONDS = 120.0  # a worker that does not report ready in this time is taken for broken


class _Slot:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        self.process: Any = None
        self.connection: Any = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # not fork: the server has threads
        parent, child = context.Pipe()
        process = context.Process(target=main, args=(child, str(self.folder), self.limit), daemon=True)
        process.start()
        child.close()
        self.process, self.connection = process, parent

    def ready(self) -> None:
        """Wait for the worker's first message: ready, or the one line saying why it cannot answer."""
        if not self.connection.poll(START_SECONDS):
            self.stop()
            raise KgError(f"a kg serve worker did not start within {START_SECONDS:g} s")
        try:
            kind, detail = self.connection.recv()
        except (EOFError, OSError):
            kind, detail = "error", f"a kg serve worker exited at start (exit code {self.process.exitcode})"
        if kind != "ready":
            self.stop()
            raise KgError(str(detail))

    def ask(self, task: tuple[Any, ...], timeout: float) -> Answer | None:
        """The worker's answer, or None when it took longer than ``timeout`` (the worker is then stopped)."""
        self.connection.send(task)
        if self.connection.poll(timeout):
            try:
                return self.connection.recv()  # type: ignore[no-any-return]
            except (EOFError, OSError):
                self.stop()
                code = self.process.exitcode if self.process is not None else None
                return text_answer(400, f"the query stopped the query process (exit code {code}); not answered")
        self.stop()
        return None

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            with contextlib.suppress(OSError):
                os.kill(self.process.pid, 9)
        if self.process is not None:
            self.process.join(5)
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()


class Pool:
    """``size`` workers over the build in ``folder``; ``run`` answers a task within ``timeout`` seconds."""

    def __init__(self, folder: Path, size: int, timeout: float, limit: int = ANSWER_LIMIT) -> None:
        self.folder = Path(folder)
        self.size = max(1, size)
        self.timeout = timeout
        self.limit = limit
        self.slots = [_Slot(self.folder, limit) for _ in range(self.size)]
        self._idle: asyncio.Queue[_Slot] | None = None
        self._lock = threading.Lock()
        self.stopped = 0  # tasks stopped at the time limit

    def start(self) -> None:
        """Start every worker and wait until each has opened the store (raises ``KgError`` when one cannot)."""
        try:
            for slot in self.slots:
                slot.start()
            for slot in self.slots:
                slot.ready()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for slot in self.slots:
            slot.stop()

    async def run(self, task: tuple[Any, ...]) -> Answer:
        """Answer ``task`` in an idle worker (waiting for one when all are busy); 503 when it ran over time."""
        import anyio.to_thread

        if self._idle is None:
            self._idle = asyncio.Queue()
            for slot in self.slots:
                self._idle.put_nowait(slot)
        try:
            slot = await asyncio.wait_for(self._idle.get(), self.timeout + START_SECONDS)
        except TimeoutError:
            return text_answer(503, "every kg serve worker is busy or could not be started again; try again later")
        replace = False
        try:
            answer = await anyio.to_thread.run_sync(slot.ask, task, self.timeout)
            replace = not slot.alive
        except BaseException:
            slot.stop()  # cancelled (the client went away) or broken: the worker may still be busy
            replace = True
            raise
        finally:
            if replace:
                asyncio.get_running_loop().create_task(self._replace(slot))
            else:
                self._idle.put_nowait(slot)
        if answer is None:
            self.stopped += 1
            return text_answer(
                503, f"the query ran over the time limit of {self.timeout:g} s and was stopped (kg serve --timeout)"
            )
        return answer

    async def _replace(self, slot: _Slot) -> None:
        """A new worker in the place of a stopped one, started off the event loop."""
        import anyio.to_thread

        def restart() -> None:
            slot.start()
            slot.ready()

        try:
            await anyio.to_thread.run_sync(restart)
        except KgError:
            pass  # the store went away: the slot stays out; the other workers say why on their next task
        else:
            assert self._idle is not None
            self._idle.put_nowait(slot)
