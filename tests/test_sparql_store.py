"""The persistent SPARQL store (``OUT/oxigraph``, kg.sinks.rdf_store): written by ``kg build``, updated by
``kg add`` (the same triples as a full build and as the Turtle export), opened read-only by ``kg sparql``, kept
whole by the journal when an add is killed, and the old in-memory path for folders without it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.sinks.rdf_store import STORE_DIR, current
from kg.store.lock import JOURNAL_FILE
from kg.workflow.add import add
from kg.workflow.build import build
from tests.test_incremental import A, B, _write

KG = [str(Path(sys.executable).parent / "kg")]
FORMATS = ["graph", "turtle", "ntriples", "oxigraph"]
BARQA = (
    'SELECT ?paper ?title WHERE { ?b skos:prefLabel ?n . FILTER(LCASE(STR(?n)) = "barqa") '
    "?paper kg:evaluatesOn|kg:uses ?b ; dcterms:title ?title } ORDER BY ?paper"
)


def store_triples(folder: Path) -> set[str]:
    """The default graph of the folder's store, as N-Triples terms."""
    store = ox.Store.read_only(str(folder / STORE_DIR))
    return {str(quad.triple) for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def turtle_triples(path: Path) -> set[str]:
    return {str(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}


def kg_run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, env=full, timeout=300)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("store")
    a, b = _write(root / "a.jsonl", A), _write(root / "b.jsonl", B)
    ab = _write(root / "ab.jsonl", A + B)
    build([a], root / "base", formats=FORMATS)
    shutil.copytree(root / "base", root / "inc")
    result = add([b], root / "inc")
    assert result.files["oxigraph"] == root / "inc" / STORE_DIR
    build([ab], root / "full", formats=FORMATS)
    return {"root": root, "a": a, "b": b, "ab": ab, "base": root / "base", "inc": root / "inc", "full": root / "full"}


def test_the_store_holds_the_turtle_export_and_add_keeps_it_so(builds: dict[str, Path]) -> None:
    """The store of a build has the triples of its Turtle; after ``kg add`` (re-keyed, retyped and changed papers
    included: the corpus of test_incremental) the store equals that of a full build of the same papers."""
    full = store_triples(builds["full"])
    assert full == turtle_triples(builds["full"] / "graph.ttl")
    assert store_triples(builds["base"]) == turtle_triples(builds["base"] / "graph.ttl")
    assert store_triples(builds["inc"]) == full
    assert current(builds["inc"]) is not None  # recorded at the add's generation
    named = ox.Store.read_only(str(builds["inc"] / STORE_DIR)).named_graphs()
    assert [g.value for g in named] == ["https://w3id.org/kg-ml/ontology"]


def test_kg_sparql_reads_the_store_and_an_old_folder_the_old_way(builds: dict[str, Path], tmp_path: Path) -> None:
    """``kg sparql`` answers from the store (no warning, no graph loaded); a folder without a store (built before
    it existed, or with --formats that leave it out) still answers, the same, with one warning line."""
    new = kg_run("sparql", BARQA, "--out", builds["full"], "--format", "csv")
    assert new.returncode == 0 and new.stderr == "", new.stderr
    assert new.stdout.count("\n") > 1
    old = tmp_path / "old"
    shutil.copytree(builds["full"], old)
    build([builds["ab"]], old, formats=["graph", "turtle"])  # the store is removed: it would no longer match
    assert not (old / STORE_DIR).exists()
    slow = kg_run("sparql", BARQA, "--out", old, "--format", "csv")
    assert slow.returncode == 0, slow.stderr
    assert slow.stdout == new.stdout
    assert slow.stderr.count("\n") == 1 and "has no current SPARQL store" in slow.stderr
    assert f"kg build --out {old}" in slow.stderr


def test_a_store_older_than_the_state_is_not_used(builds: dict[str, Path], tmp_path: Path) -> None:
    """A store the state has moved past (an add by a kg without the store) is not read: the answer comes from
    the state, and the next ``kg add`` writes the store again in full."""
    from kg.store.state import BuildState

    out = tmp_path / "stale"
    build([builds["a"]], out, formats=FORMATS)  # built here, as in the kill test below
    state = BuildState(out / "state.sqlite")
    state.set_meta("written:oxigraph", 0)
    state.close()
    assert current(out) is None
    answer = kg_run("sparql", "ASK { ?p a kg:Paper }", "--out", out)
    assert answer.returncode == 0 and answer.stdout == "true\n"
    assert "no current SPARQL store" in answer.stderr
    add([builds["b"]], out)
    assert current(out) is not None
    build([builds["ab"]], tmp_path / "full", formats=FORMATS)
    assert store_triples(out) == store_triples(tmp_path / "full")


def test_reading_the_store_changes_nothing_in_it(builds: dict[str, Path]) -> None:
    folder = builds["full"] / STORE_DIR
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert kg_run("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "--out", builds["full"]).returncode == 0
    after = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


@pytest.mark.parametrize(
    "point", ["before-commit", "after-journal", "after-commit", "mid-move", "mid-swap", "before-finish"]
)
def test_an_add_killed_midway_leaves_the_store_before_or_after(
    builds: dict[str, Path], tmp_path: Path, point: str
) -> None:
    """kill -9 of ``kg add`` around its commit: the next reader (``kg sparql``) finds the store as before the add
    (killed before the commit) or as after it (the journal's move finished), and current either way."""
    out, full = tmp_path / "killed", tmp_path / "full"
    build([builds["a"]], out, formats=FORMATS)  # built here: other work may change the pipeline between tests
    build([builds["ab"]], full, formats=FORMATS)
    before = store_triples(out)

    killed = kg_run("add", builds["b"], "--out", out, env={"KG_FAULT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    answer = kg_run("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Paper }", "--out", out, "-f", "csv")
    assert answer.returncode == 0 and answer.stderr == "", answer.stderr
    assert not (out / JOURNAL_FILE).exists()
    expected = before if point in ("before-commit", "after-journal") else store_triples(full)
    assert store_triples(out) == expected
    assert current(out) is not None
