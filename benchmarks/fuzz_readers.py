"""Fuzz the readers for a fixed time: every input file must give clean papers or an ``InputError``/``KgError``,
never another exception, and no input may take more than a second.

The first byte of an input picks the file suffix (``.jsonl .json .csv .tsv .txt .bib``) and ``skip_bad``; the rest
is the file. Findings (crashes and slow inputs, each kind once, with the input saved) and the figures go to
``benchmarks/results/fuzz_readers.json``.

Engines: ``atheris`` (libFuzzer, coverage-guided, seeded with the bundled sample files; ``pip install atheris``),
or ``hypothesis`` (random structured and binary inputs, no coverage feedback). Default: atheris when installed.

    .venv/bin/python benchmarks/fuzz_readers.py --seconds 300 [--engine atheris|hypothesis]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".txt", ".bib")
SLOW_SECONDS = 1.0
SEEDS = [
    *sorted((ROOT / "tests" / "data" / "fetch").glob("*.bib")),
    *sorted((ROOT / "tests" / "data" / "fetch").glob("*.jsonl")),
    *sorted((ROOT / "data" / "corpus").glob("*.txt")),
    ROOT / "data" / "corpus" / "venue-abstracts-1980-2022.json",
]


class Harness:
    """Runs one input through ``read_papers`` and keeps the figures and the findings."""

    def __init__(self, scratch: Path, stats_path: Path, crash_dir: Path) -> None:
        from kg.sources.readers import read_papers

        self.read_papers = read_papers
        self.scratch = scratch
        self.stats_path = stats_path
        self.crash_dir = crash_dir
        self.started = time.monotonic()
        self.last_save = 0.0
        self.inputs = 0
        self.papers = 0
        self.refused = 0
        self.findings: dict[str, dict[str, Any]] = {}

    def run(self, data: bytes) -> None:
        self.inputs += 1
        elapsed = self.read(data)
        if elapsed > SLOW_SECONDS and self.read(data, again=True) > SLOW_SECONDS:  # slow twice: not a hiccup
            self.record("slow", None, data, elapsed)
        if time.monotonic() - self.last_save > 2:
            self.save()

    def read(self, data: bytes, again: bool = False) -> float:
        """Read one input; count papers and refusals (not when timing ``again``); return the seconds taken."""
        selector, content = (data[0], data[1:]) if data else (0, b"")
        path = self.scratch / f"input{SUFFIXES[selector % len(SUFFIXES)]}"
        path.write_bytes(content)
        started = time.perf_counter()
        try:
            papers = self.read_papers([path], skip_bad=bool(selector & 0x80))
            for paper in papers:
                check(paper)
            self.papers += 0 if again else len(papers)
        except Exception as exc:  # a fuzzer records every failure
            from kg.errors import KgError

            if not isinstance(exc, KgError):
                self.record("crash", exc, data)
            elif not again:
                self.refused += 1
        return time.perf_counter() - started

    def record(self, kind: str, exc: BaseException | None, data: bytes, seconds: float = 0.0) -> None:
        if exc is not None:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/kg/" in f.filename] or [None]
            where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames[-1] else "?"
            key = f"{kind}: {type(exc).__name__} at {where}"
            detail = f"{type(exc).__name__}: {str(exc)[:300]}"
        else:
            key, detail = f"{kind}: {len(data) // 1024} KiB input", f"{seconds:.2f} s"
        found = self.findings.setdefault(key, {"count": 0, "detail": detail, "input": None})
        found["count"] += 1
        if found["input"] is None:
            self.crash_dir.mkdir(parents=True, exist_ok=True)
            name = self.crash_dir / f"{hashlib.blake2b(data, digest_size=8).hexdigest()}.bin"
            name.write_bytes(data)
            found["input"] = str(name.relative_to(ROOT))
        self.save()

    def save(self) -> None:
        self.last_save = time.monotonic()
        stats = {
            "inputs": self.inputs,
            "papers_read": self.papers,
            "refused_with_input_error": self.refused,
            "crashes": sum(f["count"] for k, f in self.findings.items() if k.startswith("crash")),
            "slow_inputs": sum(f["count"] for k, f in self.findings.items() if k.startswith("slow")),
            "seconds": round(time.monotonic() - self.started, 1),
            "findings": self.findings,
        }
        self.stats_path.write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def check(paper: Any) -> None:
    """What every paper satisfies (as in tests/test_properties.py); an AssertionError is a finding."""
    from kg.sources.readers.records import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, clean_line, clean_text

    assert paper.id and paper.title and paper.title == clean_line(paper.title)
    assert len(paper.title) <= MAX_TITLE_CHARS and len(paper.abstract) <= MAX_ABSTRACT_CHARS
    assert paper.abstract == clean_text(paper.abstract)
    for text in (paper.id, paper.title, paper.abstract, *paper.authors):
        text.encode("utf-8")
    assert paper.year is None or 1 <= paper.year <= 9999


def seed_corpus(folder: Path) -> Path:
    """Seeds for libFuzzer: the first 8 KiB of each sample file, with the selector byte of its suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in SEEDS:
        if path.exists():
            selector = SUFFIXES.index(path.suffix) if path.suffix in SUFFIXES else 0
            (folder / path.name).write_bytes(bytes([selector]) + path.read_bytes()[:8192])
    return folder


def run_atheris(seconds: int, scratch: Path, stats: Path, crash_dir: Path) -> dict[str, Any]:
    """libFuzzer in a child process (it ends with exit(), so figures are written as it goes)."""
    corpus = seed_corpus(scratch / "corpus")
    command = [sys.executable, __file__, "--child", str(scratch), str(stats), str(crash_dir),
               f"-max_total_time={seconds}", "-max_len=16384", "-timeout=30", "-rss_limit_mb=4096",
               "-print_final_stats=1", str(corpus)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    tail = [line for line in done.stderr.splitlines() if line.startswith(("#", "Done", "stat::"))]
    libfuzzer = {}
    for line in tail:
        if line.startswith("stat::"):
            name, _, value = line.removeprefix("stat::").partition(":")
            libfuzzer[name.strip()] = int(value) if value.strip().isdigit() else value.strip()
    cov = next((line for line in reversed(tail) if " cov: " in line), "")
    return {"exit_code": done.returncode, "libfuzzer": libfuzzer, "last_status": cov}


def child(argv: list[str]) -> None:
    import atheris

    scratch, stats, crash_dir = (Path(a) for a in argv[:3])
    with atheris.instrument_imports(include=["kg", "bibtexparser", "pylatexenc"]):
        import kg.sources.readers  # noqa: F401
    harness = Harness(scratch, stats, crash_dir)
    atheris.Setup([sys.argv[0], *argv[3:]], harness.run)
    atheris.Fuzz()


def run_hypothesis(seconds: int, scratch: Path, stats: Path, crash_dir: Path) -> dict[str, Any]:
    """Random inputs from tests/test_properties.py's strategies and plain bytes, until the time is up."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sys.path.insert(0, str(ROOT))
    from tests.test_properties import FILE_CONTENT

    harness = Harness(scratch, stats, crash_dir)
    deadline = time.monotonic() + seconds

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, 255), FILE_CONTENT)
    def one(selector: int, content: bytes) -> None:
        if time.monotonic() < deadline:
            harness.run(bytes([selector]) + content)

    rounds = 0
    while time.monotonic() < deadline:
        one()
        rounds += 1
    harness.save()
    return {"rounds_of_200_examples": rounds}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz_readers.json")
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    crash_dir = RESULTS / "fuzz_findings"
    with tempfile.TemporaryDirectory(prefix="kg-fuzz-") as folder:
        scratch = Path(folder)
        stats = scratch / "stats.json"
        started = time.monotonic()
        extra = (run_atheris if engine == "atheris" else run_hypothesis)(args.seconds, scratch, stats, crash_dir)
        figures = json.loads(stats.read_text(encoding="utf-8")) if stats.exists() else {}
    result = {
        "engine": engine,
        "budget_seconds": args.seconds,
        "wall_seconds": round(time.monotonic() - started, 1),
        **figures,
        "engine_details": extra,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "findings"}, indent=1))
    for key, found in figures.get("findings", {}).items():
        print(f"{key} (x{found['count']}): {found['detail']} [{found['input']}]")


if __name__ == "__main__":
    main()
