"""What a user names as input, turned into the files to read: files, folders (read recursively, the files whose
suffix is a paper format), glob patterns kg expands itself (``'data/*.jsonl'``, ``'data/**/*.json'``) and ``-``
for standard input.

A folder or pattern skips what is not a paper file (``README.md``, a ``.fetch.json`` resume file, hidden files
and folders, a kg build folder inside it), and so does a list of several files from the shell's own glob
(``kg build data/corpus/*``): the skipped files are named in one note. A file named alone is read as given
(an unknown suffix is then an error that says to pass ``--format``).
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError

PAPER_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".txt", ".bib", ".gz"})
NOT_PAPERS = (".fetch.json",)  # kg fetch's resume files
_GLOB = frozenset("*?[")


@dataclass
class Expanded:
    """The files to read, in order, and the files left out (with why)."""

    paths: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def note(self) -> str | None:
        """One line naming what was skipped, or None."""
        if not self.skipped:
            return None
        names = ", ".join(str(p) for p in self.skipped[:5])
        more = f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
        count = len(self.skipped)
        files, verb = ("file", "is") if count == 1 else ("files", "are")
        return f"skipped {count} {files} that {verb} not papers: {names}{more}"


def is_paper_file(path: Path) -> bool:
    """A file kg would read by its suffix (``.gz``: a compressed dump)."""
    name = path.name.lower()
    return path.suffix.lower() in PAPER_SUFFIXES and not name.endswith(NOT_PAPERS) and not name.startswith(".")


def _is_build_folder(folder: Path) -> bool:
    return (folder / "state.sqlite").exists() or ((folder / "graph.json").exists() and (folder / "site").is_dir())


def _walk(folder: Path, found: Expanded) -> int:
    """The paper files under ``folder``, recursively, sorted; returns how many."""
    count = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if any(_is_build_folder(folder / Path(*relative.parts[:n])) for n in range(1, len(relative.parts))):
            continue
        if not path.is_file():
            continue
        if is_paper_file(path):
            found.paths.append(path)
            count += 1
        else:
            found.skipped.append(path)
    return count


def is_pattern(text: str) -> bool:
    return any(ch in _GLOB for ch in text)


def expand_inputs(paths: Iterable[str | Path], fmt: str = "auto") -> Expanded:
    """Files, folders, patterns and ``-`` -> the files to read (see the module's docstring). A folder or pattern
    that gives no paper file raises ``InputError``; missing files are left for ``check_inputs`` to name."""
    given = [Path(p) for p in paths]
    found = Expanded()
    several = len(given) > 1
    for path in given:
        text = str(path)
        if text == "-":
            found.paths.append(path)
        elif path.is_dir():
            if _walk(path, found) == 0:
                raise InputError(text, None, "no paper files in this folder (.txt, .json, .jsonl, .csv, .bib, .gz)")
        elif not path.exists() and is_pattern(text):
            matches = [Path(m) for m in sorted(glob.glob(text, recursive=True))]
            if not matches:
                raise InputError(text, None, "no file matches this pattern")
            before = len(found.paths)
            for match in matches:
                if match.is_dir():
                    _walk(match, found)
                elif is_paper_file(match):
                    found.paths.append(match)
                else:
                    found.skipped.append(match)
            if len(found.paths) == before:
                raise InputError(text, None, "no paper files match this pattern")
        elif several and fmt == "auto" and path.is_file() and not is_paper_file(path):
            found.skipped.append(path)  # kg build data/corpus/*: the shell's glob named the README too
        else:
            found.paths.append(path)
    if several and not found.paths and found.skipped:
        return Expanded(given, [])  # nothing left: let the readers say why each one cannot be read
    return found
