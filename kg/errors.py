"""Errors that reach the user as one clear line."""

from __future__ import annotations


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
