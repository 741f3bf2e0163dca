"""Nothing lost: bad input, output-path mistakes and interrupted runs, checked as a user meets them (the ``kg``
command in a subprocess: exit code, one line on stderr, no traceback, no output left behind) and at the
function level for the readers and the build's repair of what a killed run left."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import InputError, KgError
from kg.extract.pipeline import WARMUP_PAPERS
from kg.sources.readers import ReadReport, read_papers
from kg.sources.readers.records import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS
from kg.types import Paper
from tests.conftest import ROOT, VENUE_JSON

KG_SCRIPT = Path(sys.executable).with_name("kg")
KG = [str(KG_SCRIPT)] if KG_SCRIPT.exists() else [sys.executable, "-c", "from kg.cli import main; main()"]
HAS_PROC = Path("/proc/self/fd").is_dir()
PAPERS = 200  # papers of the interrupted builds: enough for a writing phase of a second or so
EXTRACT_PAPERS = 600  # kg extract writes per batch of 128 papers: several batches, so it can be stopped between


def kg(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``kg ARGS`` as a user would, in ``cwd``; stdout and stderr captured as text."""
    return subprocess.run([*KG, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300, env=_env())


def kg_here(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``kg ARGS`` in this process (typer's runner: the same command code, the pipeline already loaded) for
    the runs that follow a subprocess under test; same result shape as ``kg``."""
    from typer.testing import CliRunner

    from kg.cli import app

    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"})
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["kg", *map(str, args)], result.exit_code, result.stdout, result.stderr)


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], starts: str, fragment: str = "", code: int = 1
) -> None:
    """Exit ``code`` (1 an error, 2 a usage error), stderr exactly one line ``error: <starts>...<fragment>...``, no
    traceback."""
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {starts}"), lines[0]
    assert fragment in lines[0], lines[0]


def jsonl(*records: object) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)


GOOD = {"title": "DPO for code: a study", "abstract": "We fine-tune Llama 2 with DPO and evaluate on HumanEval."}
MIXED = {
    "title": "Ünïcödé 模型 ✨: BERT для всех 🚀",
    "abstract": "我们提出 FooNet 🤖 and evaluate on ImageNet; مرحبا BERT x̄ ﬁne-tuning, e\u0301 — done.",
}

# (file name, content, line in the message or None, fragment of the message); every one is refused whole
BAD_INPUTS = [
    ("empty.jsonl", b"", None, "file is empty"),
    ("blob.json", bytes(range(256)) * 8, None, "binary data, not a text file"),
    ("utf16.csv", "title,abstract\nA,B\n".encode("utf-16"), None, "UTF-16 text"),
    ("latin1.jsonl", jsonl(GOOD) + b'{"title": "caf\xe9", "abstract": "x"}\n', 2, "invalid UTF-8 at byte"),
    ("notjson.jsonl", jsonl(GOOD, GOOD) + b"{'title': 'single quotes'}\n", 3, "not valid JSON"),
    ("deep.jsonl", b"[" * 100_000 + b"\n", 1, "nested too deeply"),
    ("noabstract.csv", b"title,summary\nA,B\n", 1, "CSV header lacks column(s) abstract"),
    ("fields.csv", b'title,abstract\nA,B\n"C",D,E\n', 3, "expected 2 fields, found 3"),
    ("huge.jsonl", jsonl(GOOD, {"title": "Big", "abstract": "word " * 1_000_000}), 2, "abstract is 4,999,999"),
    ("long.jsonl", jsonl({"title": "T" * 100_000, "abstract": "x"}), 1, "title is 100,000 characters"),
    ("trailing.json", b'[{"title": "a", "abstract": "b"}]\n[{"title": "c", "abstract": "d"}]\n', 2, "after the end"),
    ("titleonly.txt", b"A Title\n\nIts abstract.\n\nMar 3, 2024\n\nLonely title\n", 7, "title without an abstract"),
]


def _write_bad(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def kg_parallel(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run several ``kg`` commands at once (each loads Python and part of the pipeline) and wait for all."""
    runs = [subprocess.Popen([*KG, *c], cwd=cwd, env=_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for c in commands]  # fmt: skip
    results = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr))
    return results


@pytest.mark.parametrize(("name", "content", "line", "fragment"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_readers_refuse_bad_input_naming_file_and_line(
    tmp_path: Path, name: str, content: bytes, line: int | None, fragment: str
) -> None:
    path = _write_bad(tmp_path, name, content)
    with pytest.raises(InputError) as caught:
        read_papers([path])
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert fragment in caught.value.message


def test_kg_build_and_extract_refuse_bad_input_in_one_line_and_write_nothing(tmp_path: Path) -> None:
    """The same refusals through the command line: exit 2, one line on stderr, no traceback, nothing written."""
    for name, content, *_ in BAD_INPUTS:
        _write_bad(tmp_path, name, content)
    before = _listing(tmp_path)
    through_build = ["blob.json", "utf16.csv", "huge.jsonl", "long.jsonl", "noabstract.csv", "latin1.jsonl"]
    through_extract = ["empty.jsonl", "notjson.jsonl"]
    commands = [["build", name, "--out", f"{name}.out"] for name in through_build]
    commands += [["extract", name, "--out", f"{name}.out.jsonl"] for name in through_extract]
    cases = {b[0]: b for b in BAD_INPUTS}
    for command, result in zip(commands, kg_parallel(commands, tmp_path), strict=True):
        _, _, line, fragment = cases[command[1]]
        assert_one_line_error(result, f"{command[1]}:{line}: " if line else f"{command[1]}: ", fragment)
    assert _listing(tmp_path) == before  # no output file or folder, no staging folder, no temporary file


def test_skip_bad_keeps_the_good_counts_the_bad_and_keeps_every_character(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(
        jsonl(GOOD)
        + b"not json at all\n"
        + jsonl({"title": "Big", "abstract": "x" * (MAX_ABSTRACT_CHARS + 1)})
        + jsonl({"title": "T" * (MAX_TITLE_CHARS + 1), "abstract": "x"})
        + b'{"title": "\xff\xfe"}\n'
        + jsonl({"title": "no abstract"})
        + jsonl(MIXED)
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = kg_here("extract", "mixed.jsonl", "empty.jsonl", "--out", "out.jsonl", "--skip-bad", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = result.stderr.splitlines()
    assert [w.split(": ", 2)[1] for w in warnings] == [f"mixed.jsonl:{n}" for n in (2, 3, 4, 5, 6)] + ["empty.jsonl"]
    assert all(w.startswith("skipped: ") for w in warnings)
    assert "2 papers -> out.jsonl (6 bad records skipped)" in result.stdout
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    [paper] = [p for p in read_papers([mixed], skip_bad=True) if p.title == MIXED["title"]]
    assert paper.abstract == MIXED["abstract"]  # mixed scripts, emoji and combining marks come through unchanged
    for entity in lines[1]["entities"]:
        for mention in entity["mentions"]:
            field = MIXED[mention["field"]]
            assert field[mention["start"] : mention["end"]] == mention["text"]


def test_nothing_read_means_no_output_and_exit_2(tmp_path: Path) -> None:
    from kg.workflow.build import build

    (tmp_path / "bad.jsonl").write_bytes(b"{]\n" + jsonl({"title": ""}))
    (tmp_path / "good.jsonl").write_bytes(jsonl(GOOD))
    build([tmp_path / "good.jsonl"], tmp_path / "out")
    previous = snapshot(tmp_path / "out")
    build_run = kg("build", "bad.jsonl", "--out", "out", "--skip-bad", cwd=tmp_path)
    for result in (build_run, kg_here("extract", "bad.jsonl", "-o", "e.jsonl", "--skip-bad", cwd=tmp_path)):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1] == "error: no papers read from bad.jsonl (2 bad records skipped)"
    assert snapshot(tmp_path / "out") == previous  # an empty build does not replace a good one
    assert not (tmp_path / "e.jsonl").exists()


def test_output_path_mistakes_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "papers.jsonl").write_bytes(jsonl(GOOD))
    (tmp_path / "folder").mkdir()
    before = _listing(tmp_path)
    checks = [
        (["extract", "papers.jsonl", "--out", "papers.jsonl"], "--out papers.jsonl: is also an input"),
        (["extract", "papers.jsonl", "--out", "folder"], "--out folder: is a folder"),
        (["build", "papers.jsonl", "--out", "papers.jsonl"], "--out papers.jsonl: exists and is not a folder"),
        (["build", "missing.jsonl", "--out", "out"], "missing.jsonl: no such file"),  # an error (1), not usage
        (["build", "folder", "--out", "out"], "folder: no paper files in this folder"),
        (["build", "papers.jsonl", "--format", "xml", "--out", "out"], "papers.jsonl: unknown format 'xml'"),
        (["extract", "papers.jsonl", "--out", "papers.jsonl/x.jsonl"], "--out papers.jsonl/x.jsonl: papers.jsonl is"),
        (["build", "papers.jsonl", "--out", "papers.jsonl/out"], "--out papers.jsonl/out: papers.jsonl is not"),
    ]
    for (_, message), result in zip(checks, kg_parallel([c for c, _ in checks], tmp_path), strict=True):
        usage = message.startswith("--out")  # a wrong --out is a usage error (2); a missing input an error (1)
        assert_one_line_error(result, message, code=2 if usage else 1)
    assert _listing(tmp_path) == before
    assert (tmp_path / "papers.jsonl").read_bytes() == jsonl(GOOD)


# ------------------------------------------------------------------------------------ interrupted builds


def snapshot(folder: Path, skip: tuple[str, ...] = ("cache",)) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) -> its BLAKE2 digest; ``skip``: top-level names left out
    (the extraction cache is a content-addressed SQLite store, allowed to gain entries)."""
    return {
        str(path.relative_to(folder)): hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in skip
    }


def _corpus(path: Path, papers: int) -> None:
    """``papers`` distinct papers from the bundled venue corpus (repeated with numbered titles when short)."""
    source = json.loads(VENUE_JSON.read_text(encoding="utf-8"))
    with path.open("w", encoding="utf-8") as out:
        for n in range(papers):
            record = source[n % len(source)]
            suffix = f" (copy {n // len(source)})" if n >= len(source) else ""
            out.write(json.dumps({"title": record["title"] + suffix, "abstract": record["abstract"]}) + "\n")


def _wait_until(process: subprocess.Popen[str], condition: Callable[[], bool], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the build ended (exit {process.returncode}) before the moment to stop it")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the build never reached the moment to stop it")
        time.sleep(0.005)


def _past_reading(pid: int, path: Path) -> bool:
    """Process ``pid`` does not hold the input ``path`` open (Linux /proc): reading is over."""
    try:
        return all(os.readlink(f"/proc/{pid}/fd/{fd}") != str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return True


def _staging(parent: Path, out_name: str) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(f".{out_name}.kg-build-")]


@pytest.mark.skipif(not HAS_PROC, reason="watches the build through /proc")
def test_killed_and_interrupted_builds_leave_the_previous_output_and_the_next_run_completes(tmp_path: Path) -> None:
    from kg.workflow.build import build

    work = tmp_path.resolve()
    (work / "small.jsonl").write_bytes(jsonl(GOOD, MIXED))
    _corpus(work / "big.jsonl", PAPERS)
    out = work / "out"
    build([work / "small.jsonl"], out)
    previous = snapshot(out)
    assert {"graph.json", "graph.ttl", "index.html", "site/index.html"} <= set(previous)

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen([*KG, "build", "big.jsonl", "--out", "out", "-j", "1"], cwd=work, env=_env(),
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip

    # 1. Ctrl-C while the new output is being written: exit 130, one line, staging removed, previous output kept
    run = start()
    _wait_until(run, lambda: bool(_staging(work, "out")))
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    if run.returncode == 130:
        assert stderr.splitlines() == ["interrupted: nothing was written"], stderr
        assert snapshot(out) == previous
    else:  # the signal arrived during the swap (held until it ends) or at exit: the build completed, output whole
        assert run.returncode in (0, -signal.SIGINT), stderr
    assert not _staging(work, "out")

    # 2. kill -9 while the new output is being written: the staging folder is left beside OUT, OUT is untouched
    if run.returncode == 130:
        run = start()
        _wait_until(run, lambda: bool(_staging(work, "out")) and _past_reading(run.pid, work / "big.jsonl"))
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=60)
        assert snapshot(out) == previous
        assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".kg-old"))]
        assert all(p.name.startswith(".") for p in _staging(work, "out"))  # hidden; removed by the next run

    # 3. the next run completes, and removes what the killed run left
    final = kg_here("build", "big.jsonl", "--out", "out", "-j", "1", cwd=work)
    assert final.returncode == 0, final.stderr
    expected = len(read_papers([work / "big.jsonl"]))
    assert f"{expected} papers" in final.stdout
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert sum(1 for node in graph["nodes"] if node["kind"] == "Paper") == expected
    assert not _staging(work, "out")
    assert not [p for p in work.rglob("*") if p.name.endswith((".tmp", ".kg-old"))]


@pytest.mark.skipif(not HAS_PROC, reason="watches the run through /proc")
def test_killed_extract_leaves_no_output_and_the_next_run_removes_its_temporary_file(tmp_path: Path) -> None:
    work = tmp_path.resolve()
    _corpus(work / "papers.jsonl", EXTRACT_PAPERS)
    command = [*KG, "extract", "papers.jsonl", "--out", "out.jsonl", "-j", "1"]
    run = subprocess.Popen(command, cwd=work, env=_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def half_written() -> bool:  # the temporary file has lines in it: extraction is under way
        return any(p.name.startswith(".out.jsonl.") and p.stat().st_size for p in work.iterdir())

    _wait_until(run, half_written)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    assert not (work / "out.jsonl").exists()
    assert [p.name.startswith(".out.jsonl.") for p in work.iterdir() if p.name.endswith(".tmp")] == [True]
    final = kg_here("extract", "papers.jsonl", "--out", "out.jsonl", "-j", "1", cwd=work)
    assert final.returncode == 0, final.stderr
    assert len((work / "out.jsonl").read_text(encoding="utf-8").splitlines()) == len(
        read_papers([work / "papers.jsonl"])
    )
    assert sorted(p.name for p in work.iterdir()) == ["out.jsonl", "papers.jsonl"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers die with their parent through prctl")
def test_extraction_workers_die_with_a_killed_main_process(tmp_path: Path) -> None:
    """kill -9 of ``kg extract -j 2`` takes its worker processes with it (they would wait forever otherwise)."""
    work = tmp_path.resolve()
    _corpus(work / "papers.jsonl", WARMUP_PAPERS + EXTRACT_PAPERS * 2)  # workers start after the warm-up
    command = [*KG, "extract", "papers.jsonl", "--out", "out.jsonl", "-j", "2"]
    run = subprocess.Popen(command, cwd=work, env=_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def children() -> list[int]:
        found = Path(f"/proc/{run.pid}/task/{run.pid}/children")
        return [int(pid) for pid in found.read_text().split()] if found.exists() else []

    _wait_until(run, lambda: len(children()) == 2)
    workers = children()
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    deadline = time.monotonic() + 30
    while [pid for pid in workers if _running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if _running(pid)] == [], "workers outlived the killed main process"


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead orphan waiting for init to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_remove_leftovers_repairs_a_swap_killed_half_way(tmp_path: Path) -> None:
    from kg.workflow.build import OLD_MARK, STAGING_MARK, remove_leftovers

    out = tmp_path / "out"
    (out / f".site{OLD_MARK}").mkdir(parents=True)  # killed between moving the old site aside and the new one in
    (out / f".site{OLD_MARK}" / "index.html").write_text("previous")
    (out / "graph.json").write_text("{}")
    dead = tmp_path / f".out{STAGING_MARK}{_dead_pid()}-abc123"
    live = tmp_path / f".out{STAGING_MARK}{os.getpid()}-def456"  # a build still running: left alone
    for folder in (dead, live):
        (folder / "site").mkdir(parents=True)
    remove_leftovers(out)
    assert (out / "site" / "index.html").read_text() == "previous"
    assert not dead.exists() and live.exists()
    assert sorted(p.name for p in out.iterdir()) == ["graph.json", "site"]
    (out / f".site{OLD_MARK}").mkdir()  # killed after the new site arrived: the old one is only removed
    remove_leftovers(out)
    assert sorted(p.name for p in out.iterdir()) == ["graph.json", "site"]


def test_atomic_writer_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    from kg.atomic import atomic_writer

    target = tmp_path / "graph.json"
    dead = tmp_path / f".graph.json.{_dead_pid()}.abcd1234.tmp"
    live = tmp_path / f".graph.json.{os.getpid()}.efgh5678.tmp"
    other = tmp_path / f".graph.json.5.json.{_dead_pid()}.abcd1234.tmp"  # another file's temporary
    for path in (dead, live, other):
        path.write_text("half")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half of it")
        raise RuntimeError("stopped")
    assert not target.exists()
    with atomic_writer(target) as handle:
        handle.write("{}")
    assert target.read_text() == "{}"
    assert not dead.exists() and live.exists() and other.exists()


# ------------------------------------------------------------------------------------ readers, function level


def _read(tmp_path: Path, name: str, content: bytes, **options: object) -> list:
    path = tmp_path / name
    path.write_bytes(content)
    return read_papers([path], **options)  # type: ignore[arg-type]


def test_text_is_cleaned_not_lost(tmp_path: Path) -> None:
    record = '{"id": "a\\u0000b", "title": "A \\ud800 model\\n  for\\tX", "abstract": "x\\u0000y \\udfff z\\r\\nw"}\n'
    [paper] = _read(tmp_path, "s.jsonl", record.encode())
    assert paper.title == "A \ufffd model for X"  # one line; a lone surrogate becomes U+FFFD
    assert paper.abstract == "xy \ufffd z\nw"
    assert paper.id == "ab"
    paper.abstract.encode("utf-8")  # every field is encodable again


def test_control_characters_do_not_make_an_empty_title(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"c\.jsonl:1: missing or empty 'title'"):
        _read(tmp_path, "c.jsonl", jsonl({"title": "\u0000\u0001 \u0007", "abstract": "x"}))
    listing = b"Real title\n\nReal abstract.\n\n\x01\x07\x1b\n\nSecond title\n\nSecond abstract.\n"
    assert [p.title for p in _read(tmp_path, "l.txt", listing)] == ["Real title", "Second title"]


def test_numbers_that_are_not_years_or_counts_are_left_out(tmp_path: Path) -> None:
    papers = _read(
        tmp_path,
        "y.jsonl",
        jsonl({"title": "a", "abstract": "", "year": 10**30}, {"title": "b", "abstract": "", "year": "9" * 5000}),
    )
    assert [p.year for p in papers] == [None, None]
    with pytest.raises(InputError, match="id is 501 characters"):
        _read(tmp_path, "i.jsonl", jsonl({"id": "x" * 501, "title": "a", "abstract": ""}))


def test_skip_bad_skips_a_broken_file_and_keeps_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(GOOD))
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"title": "kept", "abstract": "x"},\n {"title": ')
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\x00" * 10)
    report = ReadReport()
    papers = read_papers([good, broken, binary], skip_bad=True, report=report)
    assert [p.title for p in papers] == [GOOD["title"], "kept"]
    assert report.skipped == [
        f"{broken}:2: not valid JSON: Expecting value (column 12) (rest of the file skipped)",
        f"{binary}: binary data, not a text file (whole file skipped)",
    ]
    with pytest.raises(InputError, match="no such file"):  # a missing file is never skipped
        read_papers([good, tmp_path / "missing.jsonl"], skip_bad=True)
    with pytest.raises(KgError, match="no papers read from"):
        read_papers([binary], skip_bad=True)


def test_listing_and_csv_records_are_skippable_one_by_one(tmp_path: Path) -> None:
    listing = b"Lonely title\n\nMar 3, 2024\n\nA title\n\nAn abstract.\n\n" + b"T" * 3000 + b"\n\nabstract\n"
    report = ReadReport()
    assert [p.title for p in _read(tmp_path, "l.txt", listing, skip_bad=True, report=report)] == ["A title"]
    reasons = [message.split(": ", 1)[1][:25] for message in report.skipped]
    assert reasons == ["title without an abstract", "title is 3,000 characters"]
    rows = b'title,abstract\nA,"multi\nline"\nB,x,extra\nC,y\n'
    report = ReadReport()
    papers = _read(tmp_path, "r.csv", rows, skip_bad=True, report=report)
    assert [(p.title, p.source.rsplit(":", 1)[1]) for p in papers] == [("A", "2"), ("C", "5")]
    assert report.skipped == [f"{tmp_path / 'r.csv'}:4: expected 2 fields, found 3"]


# ------------------------------------------------------------------------------------ extraction time


@pytest.mark.parametrize(
    "abstract",
    [
        "BERT " * 8_000,  # one name, thousands of times, in one sentence
        "our BERT, " * 4_000,
        " ".join(f"Direct Preference Optimization (DPO{i})" for i in range(1_000)),
        "=" * 40_000 + " (" * 1_000 + ")" * 20_000,  # punctuation runs: spaCy's affix splitting is quadratic
    ],
    ids=["repeated-name", "our-name", "definitions", "punctuation"],
)
def test_hostile_abstracts_take_linear_time(abstract: str) -> None:
    """Abstracts within the size limit that once took minutes to hours (quadratic paths) now take a second."""
    from kg.extract import extract_papers

    assert len(abstract) <= MAX_ABSTRACT_CHARS
    list(extract_papers([Paper(id="warm", title="Warm up", abstract="We use BERT.")]))
    started = time.perf_counter()
    [extraction] = list(extract_papers([Paper(id="p", title="A title", abstract=abstract)]))
    assert time.perf_counter() - started < 20  # about 1 s on an idle core; the quadratic versions took 15-400 s
    assert extraction.id == "p"
