"""Write files so that a reader never sees half of one: temporary file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def process_alive(pid: int) -> bool:
    """True when process ``pid`` exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` (``.NAME.<pid>.<random>.tmp``) left by writers that were killed
    (``kill -9``, power loss); those of live processes are kept. Returns the removed paths."""
    removed = []
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            parts = name[len(prefix) :].split(".")  # <pid>.<random>.tmp
            if len(parts) != 3 or not parts[0].isdigit() or process_alive(int(parts[0])):
                continue
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success fsync and rename it over ``path``, else remove it.

    The temporary file's name holds the writer's pid, so that one left by a killed writer is removed by the
    next write of the same file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        with os.fdopen(handle, mode, encoding=None if binary else encoding, newline=None if binary else "") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_writer(path) as out:
        out.write(text)


def staging_path(parent: Path, prefix: str) -> Path:
    """A fresh, not yet created folder name in ``parent`` (``prefix`` + random hex).

    Create it with ``mkdir`` inside the ``try`` that removes it on failure: a Ctrl-C that lands right after
    ``tempfile.mkdtemp`` returned, before the ``try`` began, would leave the folder behind."""
    while True:
        path = parent / f"{prefix}{os.urandom(6).hex()}"
        if not path.exists():
            return path
