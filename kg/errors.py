"""Errors that reach the user as one clear line."""

from __future__ import annotations

import sys


class KgError(Exception):
    """Base class: the message is meant to be printed as it is."""


class InputError(KgError):
    """Bad input at a known place: ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class LockTimeout(KgError):
    """Another process held a build folder's lock for longer than we were willing to wait."""


class ReadOnlyBuild(KgError):
    """The build folder cannot be written (permissions, a read-only file system)."""


def warn(message: str) -> None:
    """One line on stderr, ``warning: MESSAGE``: something was healed or skipped that the user should know of."""
    text = " ".join(message.split())
    sys.stderr.write(f"warning: {text}\n")
    sys.stderr.flush()
