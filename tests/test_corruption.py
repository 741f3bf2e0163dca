"""Damaged files in a build folder (issue 20): the extraction cache heals itself (a damaged entry or file is
dropped and recomputed, with one warning line, and never stops a build); a damaged state is named in one line
that advises what works (``kg build``, which never reads the old state); a damaged RDF part is written again by
``kg add``; a damaged graph.json is answered from the state; and no command shows a traceback, whatever is
broken."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from kg.errors import KgError
from kg.graph.files import load_graph
from kg.store.cache import CACHE_FILE
from kg.store.state import STATE_FILE
from kg.workflow.add import add
from kg.workflow.build import build
from tests.test_incremental import _canonical, _triples
from tests.test_reliability import corpus_fixture, run_main  # noqa: F401 - the module fixture "corpus" is shared

CACHE = Path("cache") / CACHE_FILE


def _flip(path: Path, seed: int, flips: int = 8, start: int = 0) -> None:
    """Flip ``flips`` random bytes of ``path`` (from offset ``start``), chosen by ``seed``."""
    data = bytearray(path.read_bytes())
    chooser = random.Random(seed)
    for _ in range(flips):
        at = chooser.randrange(start, len(data))
        data[at] ^= 1 << chooser.randrange(8)
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------------------ the extraction cache


def _rebuild_with_damaged_cache(corpus: dict[str, Path], out: Path, damage) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(corpus["full"] / "cache", out / "cache")
    damage(out / CACHE)
    build([corpus["ab"]], out, formats=["graph", "ntriples"])


CACHE_DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "zeroed": lambda p: p.write_bytes(bytes(len(p.read_bytes()))),
    "empty": lambda p: p.write_bytes(b""),
    "a folder": lambda p: (p.unlink(), p.mkdir()),
    "not sqlite": lambda p: p.write_text("hello"),
}


@pytest.mark.parametrize("damage", list(CACHE_DAMAGE))
def test_a_damaged_cache_file_is_replaced_and_never_blocks_a_build(
    corpus: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str], damage: str
) -> None:
    _rebuild_with_damaged_cache(corpus, tmp_path / "out", CACHE_DAMAGE[damage])
    warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning:")]
    assert _canonical(load_graph(tmp_path / "out")) == _canonical(load_graph(corpus["full"]))
    if damage == "empty":  # an empty file is an empty SQLite database: a cache that has nothing, no damage
        assert warnings == []
    else:
        assert len(warnings) == 1 and "extraction cache is damaged" in warnings[0], warnings
        assert str(tmp_path / "out" / CACHE) in warnings[0]
    build([corpus["ab"]], tmp_path / "out", formats=["graph"])  # the new cache works: no warning, same graph
    assert "warning" not in capfd.readouterr().err


def _rows(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return list(db.execute("SELECT key, entities FROM extraction_v2"))
    finally:
        db.close()


def _set_rows(path: Path, rows: list[tuple[str, str]]) -> None:
    db = sqlite3.connect(path)
    with db:
        db.executemany("UPDATE extraction_v2 SET entities = ? WHERE key = ?", [(v, k) for k, v in rows])
    db.close()


def test_a_damaged_cache_entry_is_dropped_and_extracted_again(
    corpus: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Broken JSON inside a row; an edited entry whose offsets no longer give its text (an entity in no
    abstract); an edited entry with valid offsets but a wrong checksum (another type): each dropped."""
    import json

    from kg.store import cache as cache_module

    def broken_json(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        key, value = rows[0]
        return [(key, value[: len(value) // 2])]

    def moved(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:  # resealed: only the offsets check sees it
        key, value = next((k, v) for k, v in rows if json.loads(v.split(" ", 1)[1]))
        entities = json.loads(value.split(" ", 1)[1])
        entities[0]["mentions"][0]["start"] += 1
        return [(key, cache_module._sealed(key, json.dumps(entities)))]

    def retyped(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:  # not resealed: the checksum sees it
        key, value = next((k, v) for k, v in rows if json.loads(v.split(" ", 1)[1]))
        digest, entities = value.split(" ", 1)
        return [(key, digest + " " + entities.replace('"type": "', '"type": "x', 1))]

    for n, edit in enumerate((broken_json, moved, retyped)):
        out = tmp_path / f"out{n}"

        def damage(path: Path, edit=edit) -> None:  # type: ignore[no-untyped-def]
            _set_rows(path, edit(_rows(path)))

        _rebuild_with_damaged_cache(corpus, out, damage)
        warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "1 damaged cache entries dropped" in warnings[0], (edit.__name__, warnings)
        assert _canonical(load_graph(out)) == _canonical(load_graph(corpus["full"])), edit.__name__
        assert _triples(out / "rdf") == _triples(corpus["full"] / "rdf")


def test_the_cache_of_an_older_kg_is_checked_and_kept(
    corpus: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of the table before checksums are read (offsets checked), moved to the checked table, not re-extracted;
    one with wrong offsets is dropped."""
    import json

    import kg.extract

    out = tmp_path / "out"
    shutil.copytree(corpus["full"] / "cache", out / "cache")
    rows = _rows(out / CACHE)
    db = sqlite3.connect(out / CACHE)
    with db:
        db.execute("CREATE TABLE extraction (key TEXT PRIMARY KEY, entities TEXT NOT NULL)")
        legacy = [(key, value.split(" ", 1)[1]) for key, value in rows]
        key, text = next((k, v) for k, v in legacy if json.loads(v))
        entities = json.loads(text)
        entities[0]["mentions"][0]["end"] += 3
        legacy = [(k, json.dumps(entities) if k == key else v) for k, v in legacy]
        db.executemany("INSERT INTO extraction VALUES (?, ?)", legacy)
        db.execute("DELETE FROM extraction_v2")
    db.close()
    extracted: list[int] = []
    real = kg.extract.extract_papers
    monkeypatch.setattr(
        kg.extract, "extract_papers", lambda papers, *a, **k: (extracted.append(len(papers)), real(papers, *a, **k))[1]
    )
    build([corpus["ab"]], out, formats=["graph", "ntriples"])
    assert extracted == [1]  # only the paper of the damaged row
    assert _canonical(load_graph(out)) == _canonical(load_graph(corpus["full"]))
    assert len(_rows(out / CACHE)) == len(rows)


def test_random_byte_flips_in_the_cache_never_change_the_graph(
    corpus: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """60 seeds of 8 flipped bits anywhere in the cache file (header, pages, rows): every build succeeds with the
    graph of a clean cache, and says so in at most two warning lines."""
    expected = _canonical(load_graph(corpus["full"]))
    for seed in range(60):
        out = tmp_path / f"s{seed}"
        _rebuild_with_damaged_cache(corpus, out, lambda path, seed=seed: _flip(path, seed))
        assert _canonical(load_graph(out)) == expected, seed
        err = capfd.readouterr().err
        assert "Traceback" not in err
        assert len([line for line in err.splitlines() if line.startswith("warning:")]) <= 2, (seed, err)
        shutil.rmtree(out)


# --------------------------------------------------------------------------------------------- the state


def _assert_state_error(code: int, stderr: str, out: Path) -> None:
    lines = stderr.splitlines()
    assert "Traceback" not in stderr
    assert code == 1 and len(lines) == 1, stderr
    assert lines[0].startswith(f"error: {out / STATE_FILE}: the build state is damaged"), lines[0]
    assert f"kg build INPUT... --out {out}" in lines[0]


def _query(out: Path) -> tuple[int, str, str]:
    return run_main("query", "papers-using", "GSM8K", "--out", out, "--json")


STATE_DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "zeroed": lambda p: p.write_bytes(bytes(len(p.read_bytes()))),
    "not sqlite": lambda p: p.write_text("hello"),
}


@pytest.mark.parametrize("damage", list(STATE_DAMAGE))
def test_a_damaged_state_is_named_in_one_line_and_kg_build_repairs_it(
    corpus: dict[str, Path], tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(corpus["base"], out)
    add([corpus["b"]], out, formats=["none"])  # graph.json left older than the state: queries read the state
    STATE_DAMAGE[damage](out / STATE_FILE)
    for command in (
        ("query", "papers-using", "GSM8K", "--out", out),
        ("entity", "GSM8K", "--out", out),
        ("sparql", "ASK { ?p a kg:Paper }", "--out", out),
        ("export", "--out", out, "--format", "csv", "--to", tmp_path / "csv"),
        ("add", corpus["b"], "--out", out),
    ):
        code, _, stderr = run_main(*command)
        _assert_state_error(code, stderr, out)
    code, _, stderr = run_main("build", corpus["ab"], "--out", out, "--formats", "graph,ntriples")  # the advice
    assert code == 0, stderr
    assert _canonical(load_graph(out)) == _canonical(load_graph(corpus["full"]))


def test_broken_json_inside_a_state_row_is_named(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(corpus["base"], out)
    add([corpus["b"]], out, formats=["none"])  # queries read the state
    db = sqlite3.connect(out / STATE_FILE)
    with db:
        db.execute("UPDATE paper SET data = substr(data, 1, 20) WHERE id = 'a4'")
    db.close()
    code, _, stderr = _query(out)
    _assert_state_error(code, stderr, out)
    assert "paper 'a4'" in stderr


def test_random_byte_flips_in_the_state_never_give_a_traceback(corpus: dict[str, Path], tmp_path: Path) -> None:
    """40 seeds of 8 flipped bits in the state (past its 100-byte header, which SQLite checks itself): each
    query either gives the answer of the intact build or one line naming the damaged state; never a traceback,
    never a wrong answer."""
    reference = tmp_path / "reference"
    shutil.copytree(corpus["base"], reference)
    add([corpus["b"]], reference, formats=["none"])  # queries read the state
    expected = _query(reference)
    assert expected[0] == 0
    outcomes = {"same": 0, "refused": 0}
    for seed in range(40):
        out = tmp_path / f"s{seed}"
        shutil.copytree(reference, out)
        _flip(out / STATE_FILE, seed, start=100)
        code, stdout, stderr = _query(out)
        if code == 0:
            assert (stdout, stderr) == expected[1:], seed
            outcomes["same"] += 1
        else:
            _assert_state_error(code, stderr, out)
            outcomes["refused"] += 1
        shutil.rmtree(out)
    assert outcomes["refused"] > 0


# ------------------------------------------------------------------------------------ outputs: rdf/, graph.json


def test_a_truncated_rdf_part_is_written_again_by_kg_add(
    corpus: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(corpus["base"], out)
    part = out / "rdf" / "papers-000000.nt"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 3])
    add([corpus["b"]], out)
    warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: {part}: damaged ("), warnings
    assert "bytes where" in warnings[0] and "written again from the build state" in warnings[0]
    assert _graph_of(out / "rdf") == _triples(corpus["full"] / "rdf")
    add([corpus["b"]], out)  # the part is whole again: nothing to say
    assert "warning" not in capfd.readouterr().err
    (out / "rdf" / "papers-000000.nt").unlink()  # a removed part too
    add([corpus["b"]], out)
    assert "missing" in capfd.readouterr().err
    assert _graph_of(out / "rdf") == _triples(corpus["full"] / "rdf")


def _graph_of(folder: Path) -> set[str]:
    """Every part and entities.nt minus retracted.nt (which may list lines of the damaged part that the part
    written again no longer holds: deleting an absent triple changes nothing)."""
    import pyoxigraph as ox

    found: set[str] = set()
    for part in sorted(folder.glob("*.nt")):
        if part.name != "retracted.nt":
            found |= {str(t) for t in ox.parse(path=str(part), format=ox.RdfFormat.N_TRIPLES)}
    return found - {str(t) for t in ox.parse(path=str(folder / "retracted.nt"), format=ox.RdfFormat.N_TRIPLES)}


def test_a_damaged_graph_json_is_answered_from_the_state(
    corpus: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(corpus["full"], out)
    expected = _canonical(load_graph(out))
    graph = out / "graph.json"
    for damage in (b"", graph.read_bytes()[:100], b"\xff\xfe garbage", b'{"nodes": 3}'):
        graph.write_bytes(damage)
        assert _canonical(load_graph(out)) == expected
        warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and warnings[0].startswith(f"warning: {graph}") and "build state" in warnings[0]
    (out / STATE_FILE).unlink()  # no state to fall back on: one line
    with pytest.raises(KgError, match=r"graph\.json"):
        load_graph(out)


# --------------------------------------------------------------------------------- no traceback, ever


def _broken_folders(root: Path, good: Path) -> dict[str, Path]:
    """Build folders broken in the ways a user meets: missing, empty, files that are folders, garbage."""
    folders: dict[str, Path] = {}

    def make(name: str) -> Path:
        folder = root / name
        shutil.copytree(good, folder)
        folders[name] = folder
        return folder

    folders["missing"] = root / "missing"
    (root / "empty").mkdir()
    folders["empty"] = root / "empty"
    (root / "a-file").write_text("not a folder")
    folders["a-file"] = root / "a-file"
    make("state-garbage")
    (root / "state-garbage" / STATE_FILE).write_bytes(b"\x00garbage" * 100)
    make("state-folder")
    (root / "state-folder" / STATE_FILE).unlink()
    (root / "state-folder" / STATE_FILE).mkdir()
    make("graph-garbage")
    (root / "graph-garbage" / STATE_FILE).unlink()
    (root / "graph-garbage" / "graph.json").write_bytes(b"[1, 2")
    make("graph-folder")
    (root / "graph-folder" / STATE_FILE).unlink()
    (root / "graph-folder" / "graph.json").unlink()
    (root / "graph-folder" / "graph.json").mkdir()
    make("journal-garbage")
    (root / "journal-garbage" / ".kg-journal").write_text("{")
    make("cache-garbage")
    (root / "cache-garbage" / CACHE).write_bytes(b"garbage")
    return folders


def test_no_command_shows_a_traceback_whatever_is_broken(corpus: dict[str, Path], tmp_path: Path) -> None:
    folders = _broken_folders(tmp_path, corpus["base"])
    bad_inputs = {"missing": tmp_path / "nope.jsonl", "binary": tmp_path / "bin.jsonl", "folder": tmp_path}
    bad_inputs["binary"].write_bytes(b"\x00\x01\x02")
    query = tmp_path / "q.rq"
    query.write_bytes(b"\xff\xfe")
    commands: list[tuple] = []
    for folder in folders.values():
        commands += [
            ("query", "papers-using", "GSM8K", "--out", folder),
            ("entity", "GSM8K", "--out", folder),
            ("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--out", folder),
            ("sparql", f"@{query}", "--out", folder),
            ("sparql", "SELECT nonsense", "--out", folder),
            ("export", "--out", folder, "--format", "turtle", "--to", tmp_path / "x.ttl"),
            ("export", "--out", folder, "--format", "csv", "--to", tmp_path / "csv"),
            ("export", "--out", folder, "--format", "neo4j-csv", "--to", tmp_path / "neo"),
            ("html", "--out", folder, "--to", tmp_path / "site"),
            ("add", corpus["b"], "--out", folder, "--wait", "1"),
            ("neo4j", "push", "--out", folder, "--uri", "bolt://127.0.0.1:1", "--password", "x"),
        ]
    for bad in bad_inputs.values():
        commands += [
            ("build", bad, "--out", tmp_path / "new"),
            ("extract", bad, "--out", tmp_path / "e.jsonl"),
            ("add", bad, "--out", folders["state-garbage"]),
            ("evaluate", bad, bad),
        ]
    commands += [
        ("build", corpus["ab"], "--out", folders["cache-garbage"], "--formats", "graph"),  # heals: exit 0
        ("build", corpus["ab"], "--out", folders["state-garbage"], "--formats", "graph"),  # replaces it: exit 0
        ("sparql", "ASK {}", "--out", tmp_path / "nothing.ttl"),
        ("cypher", "RETURN 1", "--uri", "bolt://127.0.0.1:1", "--password", "x"),
    ]
    for command in commands:
        code, _, stderr = run_main(*command)
        assert "Traceback" not in stderr, (command, stderr)
        errors = [line for line in stderr.splitlines() if line.startswith("error:")]
        usage = "Usage:" in stderr or "─ Error ─" in stderr  # typer's own check of an argument (exit 2)
        assert code in (0, 1, 2), (command, code, stderr)  # 1 an error, 2 a usage error
        assert "failed unexpectedly" not in stderr, (command, stderr)  # every one is foreseen: a KgError, not a bug
        assert (code == 0) == (not errors and not usage), (command, stderr)
        assert code == 0 or usage or len(errors) == 1, (command, stderr)
