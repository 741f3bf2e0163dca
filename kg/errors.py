"""Errors that reach the user as one clear line."""

from __future__ import annotations

import sys


class KgError(Exception):
    """Base class: the message is meant to be printed as it is."""


class UsageError(KgError):
    """The command was asked wrongly: an option value it cannot take (``--since 2024-13``), options that clash.
    The ``kg`` command exits with 2 for these, as for an unknown option; with 1 for every other ``KgError``."""


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


EXIT_ERROR = 1  # something went wrong: bad input, a missing file, a server that does not answer, a bug
EXIT_USAGE = 2  # the command line itself is wrong (click's own code for unknown options, too)
EXIT_INTERRUPTED = 130  # Ctrl-C


def exit_code(exc: BaseException) -> int:
    """The exit status the ``kg`` command gives for ``exc``: 2 for a usage error, 130 when interrupted, else 1."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_ERROR


def warn(message: str) -> None:
    """One line on stderr, ``warning: MESSAGE``: something was healed or skipped that the user should know of."""
    text = " ".join(message.split())
    sys.stderr.write(f"warning: {text}\n")
    sys.stderr.flush()
