"""What a user meets first, through the real command: inputs as they come (folders, globs, stdin), a progress bar
on a terminal and silence elsewhere, plain output into pipes, full dates wherever the source gave them, and a
fetch that fails at once when the network is not there."""

from __future__ import annotations

import csv
import json
import os
import pty
import select
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.ux_corpus import KG, PAPERS, env, write_papers
from tests.ux_corpus import kg as run_kg


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of papers as a user has it (two formats, a README, a hidden file, a sub-folder) and a build."""
    folder = tmp_path_factory.mktemp("ergonomics")
    corpus = folder / "corpus"
    (corpus / "more").mkdir(parents=True)
    write_papers(corpus / "a.jsonl", PAPERS[:4])
    with (corpus / "more" / "b.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["id", "title", "abstract", "date"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(PAPERS[4:])
    (corpus / "README.md").write_text("# my papers\n", encoding="utf-8")
    (corpus / ".notes.jsonl").write_text("not papers\n", encoding="utf-8")
    result = run_kg("build", "corpus", "--out", "out", "--formats", "graph,site", "--quiet", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["warning: skipped 1 file that is not papers: corpus/README.md"]
    return folder


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# ------------------------------------------------------------------------------------------------ inputs


def test_folders_globs_and_stdin_are_inputs(root: Path) -> None:
    assert json.loads((root / "out" / "graph.json").read_text())["nodes"]  # the fixture built from the folder
    shell = subprocess.run(  # the shell's own glob names the README as well: skipped with the same note
        ["bash", "-c", f"'{KG[0]}' extract corpus/* --out shell.jsonl --quiet"],
        cwd=root, env=env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr
    assert "skipped 1 file that is not papers: corpus/README.md" in shell.stderr
    assert _lines(root / "shell.jsonl") == len(PAPERS)
    quoted = run_kg("extract", "corpus/**/*.csv", "corpus/*.jsonl", "--out", "glob.jsonl", "--quiet", cwd=root)
    assert quoted.returncode == 0, quoted.stderr
    assert _lines(root / "glob.jsonl") == len(PAPERS) and quoted.stderr == ""
    piped = run_kg(
        "extract", "-", "--format", "jsonl", "--out", "stdin.jsonl", "--quiet", cwd=root,
        stdin=(root / "corpus" / "a.jsonl").read_text(encoding="utf-8"),
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert _lines(root / "stdin.jsonl") == 4
    (root / "empty").mkdir(exist_ok=True)
    (root / "empty" / "notes.md").write_text("nothing\n", encoding="utf-8")
    for args, message in [
        (("empty",), "error: empty: no paper files in this folder"),
        (("nothing/*.jsonl",), "error: nothing/*.jsonl: no file matches this pattern"),
        (("corpus/README.md",), "error: corpus/README.md: cannot tell the format from suffix '.md'; pass --format"),
    ]:
        result = run_kg("extract", *args, "--out", "x.jsonl", cwd=root)
        lines = result.stderr.splitlines()
        assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith(message), result.stderr


# ------------------------------------------------------------------------------------------------ output


def _on_terminal(args: list[str], cwd: Path, stream: str) -> tuple[int, str, str]:
    """``kg ARGS`` with stdout or stderr on a pseudo-terminal; returns (exit code, stdout, stderr)."""
    controller, terminal = pty.openpty()
    outputs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: terminal}
    process = subprocess.Popen(
        [*KG, *args], cwd=cwd, env=env(TERM="xterm", COLUMNS="100"), stdout=outputs["stdout"],
        stderr=outputs["stderr"], stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    out, err = process.communicate(timeout=60)
    os.close(controller)
    shown = seen.decode("utf-8", "replace")
    other = (out if stream == "stderr" else err).decode("utf-8", "replace")
    return process.returncode, (shown if stream == "stdout" else other), (shown if stream == "stderr" else other)


def test_progress_on_a_terminal_only_and_not_with_quiet(root: Path) -> None:
    code, _, shown = _on_terminal(["build", "corpus", "--out", "tty"], root, "stderr")
    assert code == 0
    for step in ("reading", "extracting", "resolving", "writing", "writing the site"):
        assert step in shown, (step, shown[-2000:])
    assert "papers" in shown and "pages" in shown and "eta" in shown
    code, _, shown = _on_terminal(["build", "corpus", "--out", "tty", "--quiet", "--formats", "none"], root, "stderr")
    assert code == 0 and "extracting" not in shown and "resolving" not in shown
    piped = run_kg("build", "corpus/a.jsonl", "--out", "piped", "--formats", "none", cwd=root)
    assert piped.returncode == 0 and piped.stderr == ""  # stderr not a terminal: no bar, nothing at all


def test_plain_unwrapped_output_into_a_pipe_and_tables_on_a_terminal(root: Path) -> None:
    result = run_kg("query", "papers-using", "GSM8K", "--out", "out", cwd=root)
    lines = result.stdout.splitlines()
    assert lines[0] == "paper\trelation\tdate"
    assert (
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model\tEVALUATES_ON\t2023-05-29"
        in lines
    )
    assert all(line.count("\t") == 2 for line in lines) and "│" not in result.stdout
    code, shown, _ = _on_terminal(["query", "papers-using", "GSM8K", "--out", "out"], root, "stdout")
    assert code == 0 and "papers using GSM8K" in shown and ("│" in shown or "┃" in shown)


# ------------------------------------------------------------------------------------------------ dates


def test_full_dates_where_the_source_gave_them(root: Path) -> None:
    hits = [
        json.loads(line)
        for line in run_kg("query", "papers-using", "GSM8K", "--out", "out", "--json", cwd=root).stdout.splitlines()
    ]
    dated = {hit["paper_id"]: (hit["date"], hit["year"]) for hit in hits}
    assert dated == {"2305.18290": ("2023-05-29", 2023), "p-gsm": ("2024-02", 2024), "p-bbh": (None, 2022)}
    since = run_kg("query", "papers-using", "GSM8K", "--out", "out", "--since", "2024", "--json", cwd=root)
    assert [json.loads(line)["paper_id"] for line in since.stdout.splitlines()] == ["p-gsm"]
    until = run_kg("query", "papers-using", "GSM8K", "--out", "out", "--until", "2023-05", "-n", "1", cwd=root)
    assert [line.split("\t")[2] for line in until.stdout.splitlines()[1:]] == ["2023-05-29"]  # by title, the first
    until = run_kg("query", "papers-using", "GSM8K", "--out", "out", "--until", "2022", cwd=root)
    assert until.stdout.splitlines()[1:] == ["Reasoning benchmarks revisited\tEVALUATES_ON\t2022"]
    bad = run_kg("query", "papers-using", "GSM8K", "--out", "out", "--since", "May 2024", cwd=root)
    assert bad.returncode == 2 and "--since May 2024: not a date" in bad.stderr
    site = root / "out" / "site"
    assert "2023-05-29" in (site / "p" / "2305.18290.html").read_text(encoding="utf-8")
    entity_page = (site / "e" / "gsm8k.html").read_text(encoding="utf-8")
    assert "<time>2023-05-29</time>" in entity_page and "<time>2024-02</time>" in entity_page
    assert "<time>2022</time>" in entity_page
    assert run_kg("export", "--out", "out", "--format", "csv", cwd=root).returncode == 0
    with (root / "out" / "csv" / "nodes.csv").open(encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["paper:2305.18290"]["date"] == "2023-05-29" and rows["paper:p-gsm"]["date"] == "2024-02"
    assert run_kg("export", "--out", "out", "--format", "ntriples", "--to", "g.nt", cwd=root).returncode == 0
    triples = (root / "g.nt").read_text(encoding="utf-8")
    assert '"2023-05-29"^^<http://www.w3.org/2001/XMLSchema#date>' in triples
    assert run_kg("export", "--out", "out", "--format", "neo4j-csv", cwd=root).returncode == 0
    assert "2023-05-29" in (root / "out" / "neo4j" / "papers.csv").read_text(encoding="utf-8")


def test_old_spellings_work_with_a_note(root: Path) -> None:
    old = run_kg("export", "out", "--format", "turtle", "--out", "old.ttl", cwd=root)
    assert old.returncode == 0 and (root / "old.ttl").stat().st_size > 0
    assert old.stderr.splitlines() == [
        "note: 'kg export DIR' is deprecated and goes in kg 0.4; use --out DIR",
        "note: --out FILE (with --graph or a DIR argument) is deprecated and goes in kg 0.4; use --to FILE",
    ]
    new = run_kg("query", "papers-using", "DPO", "--out", "out", cwd=root)
    graph = run_kg("query", "papers-using", "DPO", "--graph", "out", cwd=root)
    assert graph.stdout == new.stdout and "note: --graph DIR is deprecated" in graph.stderr
    answer = run_kg("sparql", "ASK { ?p a kg:Paper }", "-g", "out", "--out", "answer.txt", cwd=root)
    assert answer.returncode == 0 and (root / "answer.txt").read_text() == "true\n"


# ------------------------------------------------------------------------------------------------ fetch


def test_fetch_fails_at_once_when_the_server_cannot_be_reached(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    started = time.monotonic()
    result = run_kg(
        "fetch", "arxiv", "-q", "abs:GRPO", "-o", tmp_path / "f.jsonl", "--base-url", f"http://127.0.0.1:{port}"
    )
    assert time.monotonic() - started < 20  # one attempt, no minute of retries
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: arXiv: cannot reach 127.0.0.1 (connection refused")
    assert not (tmp_path / "f.jsonl").exists() or (tmp_path / "f.jsonl").read_text() == ""


def test_version_is_there_without_a_terminal() -> None:
    assert shutil.which(KG[0]) or Path(KG[0]).exists()
    result = run_kg("--version")
    assert result.returncode == 0 and result.stdout.startswith("kg ")
