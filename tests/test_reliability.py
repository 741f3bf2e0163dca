"""One writer at a time, crash-consistent adds, streams, read-only builds, spreadsheets and the top-level handler
(issue 20, docs/robustness.md): each case as a user meets it, with the real ``kg`` command where the point is
the process (locks, kill -9) and in this process where that is enough."""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.errors import LockTimeout
from kg.graph.files import load_graph
from kg.store.lock import JOURNAL_FILE, LOCK_FILE, SWAP_FILE
from kg.workflow.add import add
from kg.workflow.build import build
from tests.test_incremental import A, B, _canonical, _triples, _write
from tests.test_robustness import KG, _env

HAS_FORK = "fork" in multiprocessing.get_all_start_methods()


def run_main(*args: str | Path, stdin: bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``kg ARGS`` through the real entry point (``kg.cli.main``, with its top-level handler) in this process:
    exit code, stdout, stderr."""
    from kg.cli import main

    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True), io.StringIO()
    saved = (sys.argv, sys.stdout, sys.stderr, sys.stdin, dict(os.environ))
    sys.argv = ["kg", *map(str, args)]
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    os.environ.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv, sys.stdout, sys.stderr, sys.stdin = saved[:4]
        os.environ.clear()
        os.environ.update(saved[4])
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8"), err.getvalue()  # type: ignore[attr-defined]


@pytest.fixture(scope="module", name="corpus")
def corpus_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A (5 papers), B (6 records), A+B built once with a warm cache that every test copies (no extraction)."""
    root = tmp_path_factory.mktemp("reliability")
    a, b = _write(root / "a.jsonl", A), _write(root / "b.jsonl", B)
    ab = _write(root / "ab.jsonl", A + B)
    full = root / "full"
    build([ab], full, formats=["graph", "ntriples"])
    base = root / "base"
    shutil.copytree(full / "cache", base / "cache")
    build([a], base, formats=["graph", "ntriples"])
    return {"root": root, "a": a, "b": b, "ab": ab, "full": full, "base": base}


def _copy(corpus: dict[str, Path], name: str, to: Path) -> Path:
    shutil.copytree(corpus[name], to)
    return to


def answers(folder: Path) -> tuple:
    """What the readers answer: the graph (kg query / entity / export read it) and the RDF parts."""
    graph = _canonical(load_graph(folder))
    return graph, frozenset(_triples(folder / "rdf"))


# ------------------------------------------------------------------------------------------------- one writer


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another process holding the writer lock of ``tmp_path/out``."""
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import sys, time\nfrom kg.store.lock import writing\n"
        "with writing(sys.argv[1]):\n print('held', flush=True)\n time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True, env=_env())
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield out, holder
    holder.kill()
    holder.wait()


def test_every_writer_waits_for_the_lock_then_names_its_holder(
    held: tuple[Path, subprocess.Popen[str]], corpus: dict[str, Path]
) -> None:
    out, holder = held
    started = time.monotonic()
    with pytest.raises(LockTimeout, match=rf"another kg command is writing this build \(pid {holder.pid}: -c "):
        build([corpus["a"]], out, wait=0.5)
    assert 0.5 <= time.monotonic() - started < 5
    for command in (
        ["add", corpus["b"], "--out", out, "--wait", "0.3"],
        ["build", corpus["a"], "--out", out, "--wait", "0.3"],
        ["html", "--out", out, "--wait", "0.3"],
        ["export", "--out", out, "--format", "csv", "--wait", "0.3"],
        ["export", "--out", out, "--format", "neo4j-csv", "--wait", "0.3"],
    ):
        code, _, stderr = run_main(*command)
        lines = stderr.splitlines()
        assert code == 1 and len(lines) == 1, stderr
        assert lines[0].startswith(f"error: {out}: another kg command is writing this build (pid {holder.pid}: ")
        assert "waited 0.3 s" in lines[0] and "--wait SECONDS" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]  # nothing written while it waited


def test_wait_is_in_the_help_of_every_writer() -> None:
    for command in ("build", "add", "html", "export"):
        code, stdout, _ = run_main(command, "--help")
        assert code == 0 and "--wait" in stdout, command


def _kg_async(*args: str | Path, fault: str = "") -> subprocess.Popen[str]:
    env = {**_env(), "KG_FAULT": fault} if fault else _env()
    return subprocess.Popen([*KG, *map(str, args)], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_lock(out: Path, process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Until ``process`` holds ``out``'s writer lock (seen in /proc/locks)."""
    from kg.store.lock import holder

    deadline = time.monotonic() + timeout
    while f"pid {process.pid}:" not in holder(out / LOCK_FILE):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "never took the lock"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="finds the lock holder in /proc/locks")
def test_build_and_add_at_once_lose_nothing_and_two_adds_both_land(corpus: dict[str, Path], tmp_path: Path) -> None:
    """The issue: a build and an add at once lost the add's papers (the build swapped its state over the add's),
    two adds at once lost one after a 1-s wait. Now the second waits for the first: A, then B, then C."""
    out = _copy(corpus, "base", tmp_path / "out")
    c = _write(tmp_path / "c.jsonl", [{"id": "c1", "title": "More", "abstract": "We evaluate ZorbNet on MATH."}])
    rebuild = _kg_async("build", corpus["a"], "--out", out, "-j", "1", "--formats", "graph,ntriples",
                        fault="before-swap=1.5")  # fmt: skip
    _wait_for_lock(out, rebuild)
    adder = _kg_async("add", corpus["b"], "--out", out, "-j", "1", fault="before-commit=1")
    time.sleep(0.3)
    other = _kg_async("add", c, "--out", out, "-j", "1")
    results = [(*process.communicate(timeout=240), process.returncode) for process in (rebuild, adder, other)]
    assert [code for _, _, code in results] == [0, 0, 0], results
    graph = load_graph(out)
    papers = {node for node, data in graph.nodes(data=True) if data["kind"] == "Paper"}
    assert papers == {"paper:a1", "paper:a2", "paper:a3", "paper:a4", "paper:a5",
                      "paper:b1", "paper:b2", "paper:b3", "paper:b4", "paper:c1"}  # fmt: skip


def test_two_builds_at_once_run_one_after_the_other(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(corpus, "base", tmp_path / "out")
    first = _kg_async("build", corpus["ab"], "--out", out, "-j", "1", "--formats", "graph", fault="before-swap=1")
    _wait_for_lock(out, first)
    second = _kg_async("build", corpus["a"], "--out", out, "-j", "1", "--formats", "graph")
    for process in (first, second):
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, stderr
    assert _canonical(load_graph(out)) == _canonical(load_graph(corpus["base"]))  # the second, whole, last


# ------------------------------------------------------------------------------ crash-consistent kg add


ADD_POINTS = ("before-commit", "after-journal", "after-commit", "mid-move", "after-move", "before-finish")
BUILD_POINTS = ("before-swap", "after-journal", "mid-swap", "after-swap")


def _killed(target, fault: str) -> int:  # type: ignore[no-untyped-def]
    """Run ``target()`` in a forked child with ``KG_FAULT=fault``; returns the child's exit code (-9: killed)."""
    context = multiprocessing.get_context("fork")

    def child() -> None:
        os.environ["KG_FAULT"] = fault
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the child dies with it
        target()

    process = context.Process(target=child)
    process.start()
    process.join(120)
    return process.exitcode  # type: ignore[return-value]


@pytest.mark.skipif(not HAS_FORK, reason="kills forked children")
def test_add_killed_at_every_step_answers_as_before_or_after(corpus: dict[str, Path], tmp_path: Path) -> None:
    """kill -9 of ``kg add`` at each step boundary: every later read answers as before the add (killed before
    its commit) or as after it (killed after: the first reader finishes the move), never in between."""
    before = answers(corpus["base"])
    after = answers(corpus["full"])
    assert before != after
    for point in ADD_POINTS:
        out = _copy(corpus, "base", tmp_path / point)
        code = _killed(lambda out=out: add([corpus["b"]], out, formats=["graph"]), point)
        assert code == -signal.SIGKILL, point
        expected = before if point in ("before-commit", "after-journal") else after  # killed before its commit
        assert answers(out) == expected, point  # load_graph finished or voided the journal first
        assert not (out / JOURNAL_FILE).exists()
        assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".kg-old"))]
        result = add([corpus["b"]], out)  # and the build goes on from there
        assert result.added == (4 if expected == before else 0), point
        assert answers(out)[1] == after[1]
        assert not list(tmp_path.glob(f".{point}.kg-build-*"))  # a staging folder left by the kill: removed


@pytest.mark.skipif(not HAS_FORK, reason="kills forked children")
def test_build_killed_during_its_swap_answers_as_before_or_after(corpus: dict[str, Path], tmp_path: Path) -> None:
    before, after = answers(corpus["base"]), answers(corpus["full"])
    for point in BUILD_POINTS:
        out = _copy(corpus, "base", tmp_path / point)
        shutil.rmtree(out / "cache")
        shutil.copytree(corpus["full"] / "cache", out / "cache")
        code = _killed(lambda out=out: build([corpus["ab"]], out, formats=["graph", "ntriples"]), point)
        assert code == -signal.SIGKILL, point
        assert answers(out) == (before if point == "before-swap" else after), point
        assert not (out / JOURNAL_FILE).exists()


def test_readers_wait_for_a_swap_and_never_see_half_of_one(corpus: dict[str, Path], tmp_path: Path) -> None:
    """A reader that comes while a build is half-way through its swap (paused after its first rename, the swap
    lock held) waits for the swap to end and reads the new build whole; before the swap it reads the old one."""
    out = _copy(corpus, "base", tmp_path / "out")
    shutil.rmtree(out / "cache")
    shutil.copytree(corpus["full"] / "cache", out / "cache")
    writer = _kg_async("build", corpus["ab"], "--out", out, "-j", "1", "--formats", "graph,ntriples",
                       fault="before-swap=1,mid-swap=1.5")  # fmt: skip
    _wait_for_lock(out, writer)
    assert answers(out) == answers(corpus["base"])  # still before the swap
    deadline = time.monotonic() + 60
    while not (out / JOURNAL_FILE).exists():  # the swap has begun
        assert time.monotonic() < deadline and writer.poll() is None
        time.sleep(0.01)
    started = time.monotonic()
    assert answers(out) == answers(corpus["full"])
    assert time.monotonic() - started > 0.5  # it waited for the swap to end
    _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr


# ----------------------------------------------------------------------------------- streams and permissions


def test_pipes_fifos_and_stdin_are_read_as_streams(corpus: dict[str, Path], tmp_path: Path) -> None:
    data = corpus["a"].read_bytes()
    code, _, stderr = run_main("extract", "-", "--format", "jsonl", "--out", tmp_path / "e.jsonl", stdin=data)
    assert code == 0, stderr
    assert len((tmp_path / "e.jsonl").read_text().splitlines()) == len(A)
    fifo = tmp_path / "papers.jsonl"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{corpus['a']}' > '{fifo}'"])
    code, _, stderr = run_main("extract", fifo, "--out", tmp_path / "f.jsonl")  # the suffix tells the format
    writer.wait()
    assert code == 0, stderr
    assert (tmp_path / "f.jsonl").read_text() == (tmp_path / "e.jsonl").read_text()
    shell = f"'{KG[0]}' extract <(cat '{corpus['a']}') --format jsonl --out g.jsonl" if len(KG) == 1 else None
    if shell and shutil.which("bash"):
        result = subprocess.run(["bash", "-c", shell], cwd=tmp_path, env=_env(), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "g.jsonl").read_text() == (tmp_path / "e.jsonl").read_text()
    code, _, stderr = run_main("extract", "-", "--format", "jsonl", "--out", tmp_path / "h.jsonl", stdin=b"")
    assert (code, stderr.strip()) == (1, "error: -: file is empty")
    code, _, stderr = run_main("extract", "-", "--format", "jsonl", "--out", tmp_path / "h.jsonl", stdin=b"{]\n")
    assert code == 1 and stderr.startswith("error: -:1: not valid JSON"), stderr
    code, _, stderr = run_main("extract", "-", "--out", tmp_path / "h.jsonl", stdin=data)
    assert code == 1 and "pass --format" in stderr, stderr


def _read_only(folder: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``kg ARGS`` with ``folder`` read-only: chmod for an ordinary user; for root (whom permissions do not stop),
    a read-only bind mount in a private mount namespace."""
    command = [*KG, *map(str, args)]
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            return subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=120)
        finally:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), *command],
                          capture_output=True, text=True, env=_env(), timeout=120)  # fmt: skip


def _can_make_read_only() -> bool:
    if os.geteuid() != 0:
        return True
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp"],
                           capture_output=True)  # fmt: skip
    return probe.returncode == 0


@pytest.mark.skipif(not _can_make_read_only(), reason="cannot make a folder read-only here")
def test_read_only_builds_answer_queries_and_refuse_writes_in_one_line(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(corpus, "base", tmp_path / "out")
    add([corpus["b"]], out)  # graph.json is older than the state: queries open the state
    expected = run_main("query", "papers-using", "GSM8K", "--out", out, "--json")
    assert expected[0] == 0
    for fresh in (False, True):
        if fresh:  # a build copied without its lock files (an archive): readers cannot make them, and need not
            for name in (LOCK_FILE, SWAP_FILE):
                (out / name).unlink()
        result = _read_only(out, "query", "papers-using", "GSM8K", "--out", out, "--json")
        assert (result.returncode, result.stdout, result.stderr) == (0, expected[1], ""), result.stderr
        result = _read_only(out, "sparql", "ASK { ?p a kg:Paper }", "--out", out)
        assert result.returncode == 0 and result.stdout.strip() == "true", result.stderr
        writers = (["add", corpus["b"], "--out", out], ["html", "--out", out], ["build", corpus["a"], "--out", out])
        for command in writers if not fresh else ():  # the same with or without lock files
            result = _read_only(out, *command)
            lines = result.stderr.splitlines()
            assert result.returncode == 1 and len(lines) == 1, result.stderr
            assert "read-only" in lines[0] and "Traceback" not in result.stderr, lines


@pytest.mark.skipif(not (_can_make_read_only() and HAS_FORK), reason="cannot make a folder read-only here")
def test_a_journal_in_a_read_only_build_is_refused_in_one_line(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = _copy(corpus, "base", tmp_path / "out")
    assert _killed(lambda: add([corpus["b"]], out, formats=["graph"]), "after-commit") == -signal.SIGKILL
    assert (out / JOURNAL_FILE).exists()
    result = _read_only(out, "query", "papers-using", "GSM8K", "--out", out)
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "killed while moving its files in" in lines[0] and "read-only" in lines[0]
    assert answers(out) == answers(corpus["full"])  # writable again: the first reader finishes the move


# ------------------------------------------------------------------------------------------- spreadsheets


def test_csv_exports_neutralise_formulas(tmp_path: Path) -> None:
    import csv

    hostile = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]
    rows = [{"id": f"h{n}", "title": title, "abstract": "We use BERT on GSM8K."} for n, title in enumerate(hostile)]
    build([_write(tmp_path / "h.jsonl", rows)], tmp_path / "out", formats=["graph"])
    for fmt, name in (("csv", "csv/nodes.csv"), ("neo4j-csv", "neo4j/papers.csv")):
        code, _, stderr = run_main("export", "--out", tmp_path / "out", "--format", fmt)
        assert code == 0, stderr
        with (tmp_path / "out" / name).open(encoding="utf-8", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        titles = [cell for cell in cells if cell.lstrip("'") in {" ".join(t.split()) for t in hostile}]
        assert titles and all(cell.startswith("'") for cell in titles), titles
        assert not [cell for cell in cells if cell.startswith(("=", "+", "@")) or cell.startswith("-2")]
    from kg.sinks.cells import spreadsheet_safe

    cells = ("-1.5", "1e3", "plain", 3, None, "-")
    assert [spreadsheet_safe(v) for v in cells] == ["-1.5", "1e3", "plain", 3, None, "'-"]


# ------------------------------------------------------------------------------------- the top-level handler


def test_an_unexpected_error_is_one_line_with_the_traceback_in_a_log(
    corpus: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kg.query.papers

    out = _copy(corpus, "base", tmp_path / "out")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody foresaw")

    import kg.api

    monkeypatch.setattr(kg.query.papers, "papers_using", broken)
    monkeypatch.setattr(kg.api, "papers_using", broken, raising=False)
    code, _, stderr = run_main("query", "papers-using", "GSM8K", "--out", out)
    lines = stderr.splitlines()
    assert code == 1 and len(lines) == 1, stderr
    assert lines[0].startswith(f"error: kg query papers-using on {out} failed unexpectedly: RuntimeError: something")
    assert "KG_DEBUG=1" in lines[0] and "Traceback" not in stderr
    logs = list((out / "logs").glob("kg-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    assert "Traceback" in logs[0].read_text() and "something nobody foresaw" in logs[0].read_text()
    code, _, stderr = run_main("query", "papers-using", "GSM8K", "--out", out, env={"KG_DEBUG": "1"})
    assert code == 1 and "Traceback" in stderr and stderr.startswith("error: kg query papers-using")
    code, _, stderr = run_main("query", "papers-using", "GSM8K", "--out", tmp_path / "nowhere")
    assert code == 1 and stderr.startswith("error: ")  # not a build folder: the KgError comes before
