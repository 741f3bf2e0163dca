"""Shared fixtures: the bundled sample corpus, a graph built from it once per session, and a real Neo4j."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
LISTINGS = sorted(CORPUS.glob("daily-papers-*.txt"))
VENUE_JSON = CORPUS / "venue-abstracts-1980-2022.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def listing_files() -> list[Path]:
    return LISTINGS


@pytest.fixture(scope="session")
def built_graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kg build`` of the three listing dumps (the daily-papers sample), built once."""
    from kg.workflow.build import build

    out = tmp_path_factory.mktemp("graph") / "out"
    build(LISTINGS, out)
    return out


# --- a real Neo4j Community 5.26 (tests/neo4j/), started once per session -----------------------------------------

NEO4J_SKIPPED: list[str] = []  # why the real Neo4j could not start, printed in the summary
_NEO4J_START: dict[str, Any] = {}  # the start begun when collection ends: thread, server, error


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _start_neo4j() -> None:
    try:
        from tests.neo4j.launcher import LauncherError, Neo4jServer

        server = _NEO4J_START["server"] = Neo4jServer(Path(tempfile.mkdtemp(prefix="kg-neo4j-")))
        server.start()
    except LauncherError as exc:
        _NEO4J_START["error"] = str(exc)
    except Exception as exc:  # anything else the launcher met: reported, not lost in a thread
        _NEO4J_START["error"] = f"{type(exc).__name__}: {exc}"


def _begin_neo4j() -> None:
    _NEO4J_START["thread"] = threading.Thread(target=_start_neo4j, name="neo4j-start", daemon=True)
    _NEO4J_START["thread"].start()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start Neo4j (Maven build, JVM start: 5-15 s) in the background as soon as collection shows a test that
    needs it, so that it starts while the tests before it run."""
    if any("neo4j_server" in getattr(item, "fixturenames", ()) for item in session.items):
        _begin_neo4j()


def _stop_neo4j() -> None:
    thread, server = _NEO4J_START.pop("thread", None), _NEO4J_START.pop("server", None)
    if thread is not None:
        thread.join(timeout=300)
    if server is not None:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    _stop_neo4j()


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Any]:
    """Neo4j Community (embedded, ``tests/neo4j/Launcher.java``) on a free 127.0.0.1 Bolt port, user ``neo4j``
    with ``tests.neo4j.launcher.PASSWORD``. Built with Maven once (``build/neo4j-launcher/``). When it cannot
    start the tests that need it fail under CI (``CI`` set) and are skipped elsewhere, with the reason printed."""
    if "thread" not in _NEO4J_START:  # not begun at collection (asked for through getfixturevalue): now
        _begin_neo4j()
    _NEO4J_START["thread"].join(timeout=600)
    server = _NEO4J_START.get("server")
    error = _NEO4J_START.get("error") or (None if server is not None and server.port else "no answer in 600 s")
    if error:
        reason = f"the real Neo4j cannot start here: {error}"
        NEO4J_SKIPPED.append(reason)
        if _in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    try:
        yield server
    finally:
        _stop_neo4j()


def clean_neo4j(uri: str, auth: tuple[str, str] | None) -> None:
    """Empty a Neo4j database: every node and relationship, every constraint and index (but the token lookups)."""
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver, driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
        for record in list(session.run("SHOW CONSTRAINTS YIELD name")):
            session.run(f"DROP CONSTRAINT `{record['name']}` IF EXISTS").consume()
        for record in list(session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name")):
            session.run(f"DROP INDEX `{record['name']}` IF EXISTS").consume()


@pytest.fixture
def neo4j_target(neo4j_server: Any) -> Any:
    """A ``kg.sinks.neo4j.Target`` for the session's real Neo4j, emptied (data and schema) before the test."""
    from kg.sinks.neo4j import Target
    from tests.neo4j.launcher import PASSWORD, USER

    clean_neo4j(neo4j_server.uri, (USER, PASSWORD))
    return Target(uri=neo4j_server.uri, user=USER, password=PASSWORD)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for reason in NEO4J_SKIPPED[:1]:
        terminalreporter.write_line(f"Neo4j tests {'failed' if _in_ci() else 'skipped'}: {reason}", yellow=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), one per test module, for the site tests."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (make system-deps installs it)")
    from playwright.sync_api import sync_playwright  # a dev dependency: missing means a broken set-up, not a skip

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
