"""Values of a build state's ``meta`` table, read with nothing but ``sqlite3``: for readers that must start in
milliseconds (``kg sparql`` on the persistent store), which ``kg.store.state`` would slow down by importing the
resolver's machinery. Read-only; the rows read here carry no checksum (``meta`` never did)."""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterable
from pathlib import Path


def read_meta(path: Path, names: Iterable[str]) -> dict[str, str]:
    """The values of ``names`` in the state at ``path`` (missing ones left out)."""
    wanted = list(names)
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
        try:
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"SELECT name, value FROM meta WHERE name IN ({marks})", wanted).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        from kg.store.state import database_error  # only now: it is slow to import

        raise database_error(Path(path), exc) from None
    return {str(name): str(value) for name, value in rows}
