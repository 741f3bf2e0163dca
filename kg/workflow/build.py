"""The whole path in one call: read -> extract -> resolve -> graph -> sinks (JSON, Turtle, HTML)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import atomic_writer, process_alive, staging_path
from kg.errors import UsageError
from kg.extract.pipeline import extraction_line
from kg.resolve.overrides import Overrides
from kg.sinks.rdf import DEFAULT_BASE
from kg.sinks.rdf_parts import RDF_DIR
from kg.sinks.rdf_store import STORE_DIR
from kg.sources.readers import ReadReport, read_papers
from kg.store import lock
from kg.store.index import INDEX_FILE
from kg.store.lock import DEFAULT_WAIT, OLD_MARK, fault, signals_deferred, swap_in, swapping, writing
from kg.store.state import STATE_FILE
from kg.types import Paper, PaperExtraction

OVERRIDES_FILE = "overrides.yaml"
OUTPUTS = (
    "graph",
    "turtle",
    "ntriples",
    "oxigraph",
    "index",
    "html",
    "site",
)  # graph.json, graph.ttl, rdf/*.nt, oxigraph/, ...


@dataclass
class BuildResult:
    out: Path
    papers: int
    entities: int
    relations: int
    files: dict[str, Path] = field(default_factory=dict)
    read_report: ReadReport = field(default_factory=ReadReport)


def write_extractions(extractions: Iterable[PaperExtraction], path: Path) -> int:
    """Write ``kg extract`` JSONL atomically; returns the number of lines."""
    return write_lines((extraction_line(extraction) for extraction in extractions), path)


def write_lines(lines: Iterable[str], path: Path) -> int:
    """Write lines (given without their newline) atomically; returns how many."""
    count = 0
    with atomic_writer(path) as out:
        for line in lines:
            out.write(line + "\n")
            count += 1
    return count


def build(
    inputs: Sequence[str | Path],
    out: str | Path,
    fmt: str = "auto",
    gazetteer_paths: Sequence[str | Path] = (),
    base_iri: str = DEFAULT_BASE,
    skip_bad: bool = False,
    n_process: int = 1,
    overrides_path: str | Path | None = None,
    use_cache: bool = True,
    formats: Sequence[str] = OUTPUTS,
    extractions_path: str | Path | None = None,
    wait: float = DEFAULT_WAIT,
    min_confidence: float | None = None,
    papers: Sequence[Paper] | None = None,
) -> BuildResult:
    """Build the graph of ``inputs`` (or of ``papers``, already read) into ``out``: the build state
    (``state.sqlite``, what ``kg add`` resolves new papers against), graph.json, graph.ttl, rdf/ (N-Triples
    parts), index.html (the whole-graph view) and site/ (overview with search, one page per entity and per
    paper); ``formats`` picks some of them (``graph``,
    ``turtle``, ``ntriples``, ``html``, ``site``; ``none``: the state alone); outputs of an earlier build that are
    not picked stay as they were (queries read the state when it is newer than graph.json).

    Everything is written into a fresh temporary folder first and moved into place at the end, so an
    interrupted build leaves the previous output untouched. Extractions are cached by content hash in
    ``out/cache/`` (``use_cache=False`` to skip), so a rebuild with more papers extracts only the new ones;
    ``extractions_path`` (``kg extract`` output of the same inputs) skips extraction altogether.
    Resolution overrides (the curation) come from ``overrides_path``, else from ``out/overrides.yaml`` when it
    exists; ``min_confidence`` replaces the file's ``min-confidence``.

    The inputs are read first; then the build holds ``out``'s writer lock to the end (waiting up to ``wait``
    seconds for another writer), and swaps its files in under the swap lock with a journal
    (``kg.store.lock``), so readers and a later command see the old build or the new one, never a mix.
    """
    from kg.workflow.stages import resolve_into_state, write_outputs

    out = Path(out)
    formats = check_formats(formats)
    report = ReadReport()
    papers = read_papers(inputs, fmt=fmt, skip_bad=skip_bad, report=report) if papers is None else list(papers)
    out.parent.mkdir(parents=True, exist_ok=True)
    with writing(out, wait):
        overrides = load_overrides(out, overrides_path)
        if min_confidence is not None:  # --min-confidence: wins over the file's
            overrides.min_confidence = min_confidence
        given = str(Path(overrides_path).resolve()) if overrides_path is not None else ""
        remove_leftovers(out)
        staging = staging_path(out.parent, f".{out.name}{STAGING_MARK}{os.getpid()}-")
        journaled = False
        try:
            staging.mkdir(mode=0o700)
            view = resolve_into_state(
                papers,
                staging,
                gazetteer_paths,
                overrides,
                n_process,
                out / "cache" if use_cache else None,
                extractions_path,
                base_iri,
                given,
            )
            try:
                files = write_outputs(view, staging, formats, base_iri)
                counts = (view.state.paper_count(), len(view.entities), view.state.relation_count())
            finally:
                view.state.close()
            _fsync(staging / STATE_FILE)  # written with synchronous=OFF: on disk before the journal says so
            remove = (RDF_DIR,) if "ntriples" not in formats else ()  # parts of an older build no longer match
            remove += (STORE_DIR,) if "oxigraph" not in formats else ()  # nor does its SPARQL store
            remove += (INDEX_FILE,) if "index" not in formats else ()  # nor its query index
            fault("before-swap")
            with swapping(out, wait), signals_deferred():
                lock.begin(out, staging, "build", remove=remove)
                journaled = True
                fault("after-journal")
                swap_in(staging, out, remove)
                fault("after-swap")
                lock.finish(out)
        except BaseException:
            if not journaled:  # else the journal's swap is completed by the next command that opens OUT
                shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(
        out=out,
        papers=counts[0],
        entities=counts[1],
        relations=counts[2],
        files={name: out / path.relative_to(staging) for name, path in files.items()},
        read_report=report,
    )


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The outputs asked for, checked; ``none`` alone: the state only."""
    chosen = tuple(name for name in formats if name != "none")
    unknown = sorted(set(chosen) - set(OUTPUTS))
    if unknown or not formats:
        raise UsageError(f"--formats: {', '.join(unknown) or 'none given'}; choose from {', '.join(OUTPUTS)} (or none)")
    return chosen


def load_overrides(out: Path, overrides_path: str | Path | None) -> Overrides:
    if overrides_path is None and (out / OVERRIDES_FILE).exists():
        overrides_path = out / OVERRIDES_FILE
    return Overrides.load(overrides_path) if overrides_path is not None else Overrides()


STAGING_MARK = ".kg-build-"  # staging folder beside OUT: .OUT.kg-build-<pid>-<random>
__all__ = ["OLD_MARK", "STAGING_MARK", "build", "remove_leftovers"]
_OLD_DIR = re.compile(r"\.(.+)\.kg-old")


def remove_leftovers(out: Path) -> list[Path]:
    """Undo what a killed build (``kill -9``, power loss) left behind; returns what it removed or restored.

    Staging folders of builds whose process is gone are removed; a folder moved aside during a swap
    (``OUT/.site.kg-old``) is moved back when the new one never arrived, else removed.
    """
    touched: list[Path] = []
    prefix = f".{out.name}{STAGING_MARK}"
    if out.parent.is_dir():
        for item in out.parent.iterdir():
            pid = item.name[len(prefix) :].split("-", 1)[0] if item.name.startswith(prefix) else ""
            if pid.isdigit() and item.is_dir() and not process_alive(int(pid)):
                shutil.rmtree(item, ignore_errors=True)
                touched.append(item)
    if out.is_dir():
        for item in out.iterdir():
            found = _OLD_DIR.fullmatch(item.name)  # a folder or a file (index.sqlite) moved aside
            if found is None:
                continue
            current = out / found.group(1)
            if current.exists():
                if item.is_dir():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink(missing_ok=True)
            else:
                item.rename(current)
            touched.append(item)
    return touched


_signals_deferred = signals_deferred  # the names kg.workflow.add and older callers use
_swap_in = swap_in


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb+") as handle:
        os.fsync(handle.fileno())
