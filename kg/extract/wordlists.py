"""The word lists the extraction rules read, from ``pipelines/wordlists/``: one file per list, each read once.

A list file (``NAME.txt``) holds one entry per line; ``#`` starts a comment (the first line says what the list is
for and how it is matched), blank lines are skipped, entries keep their file order. A pair file (``NAME.tsv``)
holds ``key<TAB>value`` lines, in the same way. This module imports nothing of kg, so that every extraction
module (``shapes``, ``gazetteer``, ``roles``, ...) can read its lists when it is imported.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

PIPELINES_DIR = Path(__file__).resolve().parents[2] / "pipelines"
WORDLISTS_DIR = PIPELINES_DIR / "wordlists"


def read_entries(path: Path) -> tuple[str, ...]:
    """The entries of a list file, in file order: one a line, ``#`` starts a comment, blank lines skipped."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return tuple(entries)


@functools.cache
def word_list(name: str) -> tuple[str, ...]:
    """The entries of ``pipelines/wordlists/NAME.txt``, in file order (for lists read in order, or into regexes)."""
    return read_entries(WORDLISTS_DIR / f"{name}.txt")


@functools.cache
def word_set(name: str) -> frozenset[str]:
    """The entries of ``pipelines/wordlists/NAME.txt`` as a set (for membership tests)."""
    return frozenset(word_list(name))


@functools.cache
def word_pairs(name: str) -> tuple[tuple[str, str], ...]:
    """The ``key<TAB>value`` pairs of ``pipelines/wordlists/NAME.tsv``, in file order (``dict()`` them)."""
    path = WORDLISTS_DIR / f"{name}.tsv"
    pairs = []
    for entry in read_entries(path):
        key, tab, value = entry.partition("\t")
        if not tab or not key.strip() or not value.strip() or "\t" in value:
            raise ValueError(f"{path}: expected 'key<TAB>value', got {entry!r}")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def alternation(name: str) -> str:
    """The words of list ``name`` as a regex alternation (``a|b|c``, each escaped, in file order)."""
    return "|".join(re.escape(word) for word in word_list(name))
