"""The build folder's locks: one writer at a time, and readers that never see a half-swapped folder.

Two advisory ``flock`` files in the build folder, both empty and never rewritten:

- ``OUT/.kg-lock``, the **writer lock**: every command that writes the folder (``kg build``, ``kg add``,
  ``kg html``, ``kg export`` into it) holds it exclusively for the whole command. A second writer waits for it
  (``--wait SECONDS``, default ``DEFAULT_WAIT``), then fails with one line naming the holder's pid and command.
- ``OUT/.kg-swap``, the **swap lock**: readers (``kg query``, ``kg entity``, ``kg sparql``, ``kg export``) hold
  it shared while they load the folder; a writer holds it exclusively only while it makes its new files visible
  (the state's commit and the renames of the swap), so a reader sees the folder before or after, never between.

The kernel releases both when a process dies (``kill -9`` included), so a lock is never left stale. The holder
of a lock is found in ``/proc/locks`` (Linux), which is why the lock files hold nothing.

**Swaps**, so that a kill at any moment leaves the folder before or after, never between. A writer (``kg build``,
``kg add``) writes everything into a staging folder beside ``OUT`` (``.OUT.kg-build-<pid>-<random>``). Then,
holding the swap lock, it writes the journal ``OUT/.kg-journal`` (atomically: the staging folder's name, the kind
of swap and, for ``kg add``, a token that the same add writes into the state's ``meta`` inside its transaction),
commits, moves the files in and removes the journal. Whoever next finds a journal, a writer or a reader,
holding the swap lock exclusively:

- ``kg build``: the staging folder was complete when the journal was written: the move is finished (roll
  forward);
- ``kg add``: finished when the state holds the journal's token (the commit happened), else undone (the state
  is the old one; the staged files are dropped).

So a reader sees the files of one state, old or new, never some of each. Done in ``recover``; the moves are
idempotent (a file already moved is no longer in the staging folder).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from kg.atomic import write_text_atomic
from kg.errors import KgError, LockTimeout, ReadOnlyBuild

LOCK_FILE = ".kg-lock"
SWAP_FILE = ".kg-swap"
DEFAULT_WAIT = 60.0  # seconds a writer waits for another writer (and for readers) before giving up
_POLL = 0.05
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def fault(point: str) -> None:
    """Fault injection for the crash and concurrency tests: ``KG_FAULT=POINT`` kills this process with SIGKILL
    when it reaches ``point`` (``before-swap``, ``mid-swap``, ``before-commit``, ``after-commit``, ...);
    ``KG_FAULT=POINT=SECONDS`` pauses there instead. Several, comma-separated."""
    spec = os.environ.get("KG_FAULT")
    if not spec:
        return
    for item in spec.split(","):
        name, _, seconds = item.strip().partition("=")
        if name != point:
            continue
        if seconds:
            time.sleep(float(seconds))
        else:
            os.kill(os.getpid(), signal.SIGKILL)


class _Held:
    """A lock this process holds: its file descriptor, mode and how many nested holders share it."""

    def __init__(self, fd: int, exclusive: bool) -> None:
        self.fd = fd
        self.exclusive = exclusive
        self.count = 1


_held: dict[str, _Held] = {}
_registry = threading.Lock()


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _open(path: Path, create: bool) -> int | None:
    """A descriptor to flock ``path``; None when the file is missing and cannot be made (read-only folder)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno not in _READ_ONLY:
            raise
        if create:
            raise ReadOnlyBuild(
                f"{path.parent}: the build folder is read-only ({exc.strerror}); this command writes it"
            ) from None
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None


def holder(path: Path) -> str:
    """Who holds a flock on ``path``: ``pid 123: kg add b.jsonl --out out`` (Linux ``/proc/locks``), else ''."""
    try:
        info = os.stat(path)
        wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted and fields[4].isdigit():
            pid = int(fields[4])
            if pid == os.getpid():
                continue
            return f"pid {pid}: {_command_of(pid)}"
    return ""


def _command_of(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "(command unknown)"
    words = [word.decode("utf-8", "replace") for word in argv if word]
    if len(words) >= 2 and "python" in Path(words[0]).name:  # python -m kg / .venv/bin/kg run by python
        words = words[1:]
    if words:
        words[0] = Path(words[0]).name
    text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
    return text if len(text) <= 160 else text[:159] + "…"


@contextlib.contextmanager
def _flock(path: Path, exclusive: bool, wait: float, create: bool, what: str) -> Iterator[bool]:
    """Hold a flock on ``path`` (re-entrant within this process); yields False when there is no lock file and
    none can be made (a read-only folder: nobody can write it, so there is nothing to wait for)."""
    key = _key(path)
    with _registry:
        held = _held.get(key)
        if held is not None and (held.exclusive or not exclusive):
            held.count += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield True
        finally:
            with _registry:
                held.count -= 1  # type: ignore[union-attr]
        return
    if held is not None:  # shared held here, exclusive wanted: not supported (it would deadlock on itself)
        raise KgError(f"{path}: lock already held shared by this process")
    fd = _open(path, create)
    if fd is None:
        yield False
        return
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            _acquire(fd, path, exclusive, max(0.0, deadline - time.monotonic()), what, wait)
            if _same_file(fd, path):
                break
            os.close(fd)  # the file was removed (a failed first build took its folder away): lock the new one
            fd = -1
            fd = _open(path, create)
            if fd is None:
                yield False
                return
        with _registry:
            _held[key] = _Held(fd, exclusive)
        try:
            yield True
        finally:
            with _registry:
                _held.pop(key, None)
    finally:
        if fd is not None and fd >= 0:
            os.close(fd)  # releases the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _acquire(fd: int, path: Path, exclusive: bool, wait: float, what: str, asked: float) -> None:
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            who = holder(path) or "another process"
            raise LockTimeout(
                f"{path.parent}: {what} ({who}); waited {asked:g} s; try again later or pass --wait SECONDS"
            ) from None
        time.sleep(_POLL)


@contextlib.contextmanager
def writing(folder: str | Path, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the writer lock of ``folder`` (made if missing) for the block, after completing or undoing what a
    killed writer left half-swapped (``recover``). A folder made here that holds only the lock files when the
    block fails is removed again: a failed first build leaves nothing behind."""
    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _flock(folder / LOCK_FILE, True, wait, True, "another kg command is writing this build"):
            recover(folder, wait)
            try:
                yield
            except BaseException:
                if made:
                    _remove_if_only_locks(folder)
                raise
    except ReadOnlyBuild:
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _remove_if_only_locks(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if {item.name for item in folder.iterdir()} <= {LOCK_FILE, SWAP_FILE}:
            for name in (SWAP_FILE, LOCK_FILE):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder / name)
            folder.rmdir()


@contextlib.contextmanager
def swapping(folder: str | Path, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the swap lock exclusively: no reader is loading ``folder`` while new files are made visible."""
    folder = Path(folder)
    with _flock(folder / SWAP_FILE, True, wait, True, "readers are loading this build"):
        yield


@contextlib.contextmanager
def reading(folder: str | Path, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the swap lock shared while loading ``folder`` (a build folder; anything else is read unlocked). A
    swap that a killed writer left half-done is completed first, or refused in one line when it cannot be."""
    folder = Path(folder)
    if not any((folder / name).exists() for name in (SWAP_FILE, LOCK_FILE, "state.sqlite", "graph.json")):
        yield  # not a build folder (nothing to lock, and no lock file is left in it)
        return
    for _ in range(3):
        with _flock(folder / SWAP_FILE, False, wait, False, "a kg command is swapping new files into this build"):
            if not needs_recovery(folder):
                yield
                return
        with _flock(folder / SWAP_FILE, True, wait, False, "a kg command is swapping new files into this build"):
            recover(folder, wait, reader=True)
    raise KgError(f"{folder}: the build keeps changing while it is read; try again")


def holds_writer_lock(folder: str | Path) -> bool:
    """True when this process holds ``folder``'s writer lock."""
    with _registry:
        held = _held.get(_key(Path(folder) / LOCK_FILE))
    return held is not None and held.exclusive


# ---------------------------------------------------------------- swaps and their journal

JOURNAL_FILE = ".kg-journal"
OLD_MARK = ".kg-old"  # a previous build's folder moved aside during the swap: OUT/.site.kg-old
RDF_DIR = "rdf"  # kg.sinks.rdf_parts.RDF_DIR (the store cannot import the sinks)
TOKEN_META = "journal_token"


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, so Ctrl-C cannot stop a swap half-way (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def begin(out: Path, staging: Path, kind: str, token: str = "", remove: tuple[str, ...] = ()) -> None:
    """Record the swap about to happen (``kind``: build or add); ``remove``: names in ``out`` to take away."""
    record = {"kind": kind, "staging": staging.name, "token": token, "remove": list(remove), "pid": os.getpid()}
    write_text_atomic(out / JOURNAL_FILE, json.dumps(record) + "\n")
    _sync_folder(out)


def finish(out: Path) -> None:
    """The swap is complete: remove the journal."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out / JOURNAL_FILE)


def needs_recovery(out: Path) -> bool:
    return (Path(out) / JOURNAL_FILE).exists()


def swap_in(staging: Path, out: Path, remove: tuple[str, ...] = ()) -> None:
    """Replace ``out``'s items by those of ``staging``, each with an atomic rename (a folder: the old one moved
    aside first, removed after); ``remove``: items of ``out`` to take away; other items are left alone."""
    out.mkdir(parents=True, exist_ok=True)
    moved_aside: list[Path] = []
    with signals_deferred():
        for name in remove:
            target = out / name
            if target.exists() and not (staging / name).exists():
                old = out / f".{name}{OLD_MARK}"
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                moved_aside.append(old)
        for item in sorted(staging.iterdir()) if staging.is_dir() else []:
            target = out / item.name
            if item.is_dir() and target.exists():
                old = out / f".{item.name}{OLD_MARK}"
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                try:
                    item.rename(target)
                except BaseException:
                    old.rename(target)
                    raise
                moved_aside.append(old)
            else:
                item.replace(target)
            fault("mid-swap")
    for old in moved_aside:  # folders, and files taken away (``remove``)
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def move_in(staging: Path, out: Path) -> None:
    """``kg add``'s files: RDF parts one by one into ``out/rdf`` (the other parts stay), the rest as ``swap_in``."""
    parts = staging / RDF_DIR
    if parts.is_dir():
        target = out / RDF_DIR
        target.mkdir(exist_ok=True)
        with signals_deferred():
            for item in sorted(parts.iterdir()):
                item.replace(target / item.name)
                fault("mid-move")
        parts.rmdir()
    if staging.is_dir() and any(staging.iterdir()):
        swap_in(staging, out)


def recover(out: Path, wait: float, reader: bool = False) -> bool:
    """Complete or undo the swap a killed writer left (see the module's doc); True when there was one. Takes
    the swap lock. A reader that cannot write the folder is refused in one line."""
    out = Path(out)
    if not needs_recovery(out):
        return False
    try:
        with swapping(out, wait):
            return _recover(out)
    except (ReadOnlyBuild, OSError) as exc:
        if not reader:
            raise
        raise KgError(
            f"{out}: a kg command was killed while moving its files in, and this folder is read-only "
            f"({getattr(exc, 'strerror', None) or exc}); run any kg command on it as a user who can write it"
        ) from None


def _recover(out: Path) -> bool:
    path = out / JOURNAL_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        staging = out.parent / str(record["staging"])
        kind = str(record["kind"])
    except FileNotFoundError:
        return False  # another process recovered first
    except (OSError, ValueError, KeyError, TypeError):
        finish(out)  # a journal that cannot be read was never complete (it is written atomically): no swap began
        return True
    forward = kind == "build" or (kind == "add" and _committed(out, str(record.get("token") or "")))
    if forward:
        if kind == "add":
            move_in(staging, out)
            _clear_pending(out)
        else:
            swap_in(staging, out, tuple(record.get("remove") or ()))
        for item in out.iterdir():  # folders moved aside whose replacement is in place
            old = item.name.startswith(".") and item.name.endswith(OLD_MARK)
            if old and (out / item.name[1 : -len(OLD_MARK)]).exists():
                if item.is_dir():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink(missing_ok=True)
    finish(out)
    shutil.rmtree(staging, ignore_errors=True)
    return True


def _committed(out: Path, token: str) -> bool:
    """True when ``out``'s state holds ``token`` (the add that wrote the journal committed)."""
    from kg.store.state import STATE_FILE, BuildState

    if not token or not (out / STATE_FILE).exists():
        return False
    try:
        state = BuildState(out / STATE_FILE, readonly=True, check=False)
    except KgError:
        return False  # a damaged state: whatever reads it next says so
    try:
        return state.meta(TOKEN_META) == token
    except KgError:
        return False
    finally:
        state.close()


def _clear_pending(out: Path) -> None:
    """The parts the add recorded as pending are in place now."""
    from kg.store.state import STATE_FILE, BuildState

    state = BuildState(out / STATE_FILE)
    try:
        state.set_meta("pending_parts", "[]")
    finally:
        state.close()


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so that renames in it survive a power loss (where the platform allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
