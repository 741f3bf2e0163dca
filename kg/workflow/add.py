"""``kg add NEW... --out OUT``: add papers to a build without rebuilding it (design: ``docs/incremental.md``).

Reads only the new inputs, extracts only the papers the build does not hold yet (through the extraction cache),
resolves them against the build state and updates the outputs that can be updated in proportion to the new
papers: the state, ``rdf/`` (one new N-Triples part, ``entities.nt``, and the older parts whose papers changed).
Outputs that are one document for the whole graph (``graph.json``, ``graph.ttl``, ``index.html``, ``site/``) are
rewritten only when asked with ``formats``; until then queries read the state (``kg.graph.files.load_graph``).

Safety: bad input stops before anything is changed; the add holds the build's writer lock to the end; the state
changes in one SQLite transaction; the new files are staged beside ``OUT`` and moved in right after the commit,
under the swap lock and a journal whose token the transaction commits with the state (``kg.store.lock``): a
kill at any moment leaves the folder as before the add (no commit: the journal is void) or as after it (the next
command, a reader included, finishes the move). Parts that were to be moved in are also recorded in the state,
so that parts whose staged copies were lost are written again by the next ``kg add``; so are parts whose file no
longer has the size it was written with (truncated, removed), with one warning line.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import staging_path
from kg.errors import warn
from kg.extract.resources import load_resources
from kg.graph.index import update_for_add as update_index
from kg.graph.state_view import StateView
from kg.resolve.resolver import Resolver
from kg.sinks.rdf_parts import RDF_DIR, RETRACTED_FILE, part_file, part_lines, retractable, write_entities, write_lines
from kg.sinks.rdf_store import update_for_add
from kg.sources.readers import ReadReport, read_papers
from kg.store import lock
from kg.store.lock import DEFAULT_WAIT, TOKEN_META, fault, move_in, signals_deferred, swapping, writing
from kg.store.state import STATE_FILE, BuildState
from kg.workflow import stages as build_state
from kg.workflow.build import STAGING_MARK, load_overrides, remove_leftovers
from kg.workflow.outputs import Before, changed_entities, kept_outputs, write_current
from kg.workflow.stages import ExtractionSource, check_same_setup, part_sizes, record_sizes

FULL_OUTPUTS = ("graph", "turtle", "html", "site")  # kept current by default when the folder has them


@dataclass
class AddResult:
    out: Path
    added: int  # new papers
    changed: int  # papers already in the build whose record the new copy changed (re-resolved)
    duplicates: int  # papers already in the build, unchanged
    rekeyed: int  # other papers whose relations changed (a new abbreviation definition, a retyped entity)
    extracted: int  # extractions not found in the cache
    papers: int
    entities: int
    files: dict[str, Path] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)  # whole-graph outputs left as they were
    read_report: ReadReport = field(default_factory=ReadReport)
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)  # step -> (wall s, CPU s of this process)
    updated: dict[str, str] = field(default_factory=dict)  # whole-graph output -> spliced, written, N of M pages


class _Clock:
    """Wall and CPU seconds of consecutive steps."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.steps[name] = (round(wall - self._wall, 3), round(cpu - self._cpu, 3))
        self._wall, self._cpu = wall, cpu


def add(
    inputs: Sequence[str | Path],
    out: str | Path,
    fmt: str = "auto",
    skip_bad: bool = False,
    n_process: int = 1,
    use_cache: bool = True,
    formats: Sequence[str] = (),
    extractions_path: str | Path | None = None,
    overrides_path: str | Path | None = None,
    wait: float = DEFAULT_WAIT,
) -> AddResult:
    """Add the papers of ``inputs`` to the build in ``out``; ``formats`` names whole-graph outputs to rewrite as
    well (``graph``, ``turtle``, ``html``, ``site``). Papers whose id is already in the build are merged as
    ``read_papers`` merges repeated ids (the build's copy first): unchanged ones are skipped, changed ones
    re-extracted and re-resolved."""
    out = Path(out)
    kept_outputs(out, formats)  # a wrong --formats fails before anything is read
    clock = _Clock()
    if not out.is_dir():
        BuildState(out / STATE_FILE)  # the one-line "no build state here", before the lock would make the folder
    report = ReadReport()
    papers = read_papers(inputs, fmt=fmt, skip_bad=skip_bad, report=report)
    with writing(out, wait):
        state = BuildState(out / STATE_FILE)
        try:
            gazetteer_paths = [Path(p) for p in json.loads(state.meta("gazetteers") or "[]")]
            if overrides_path is None and state.meta("overrides_path"):
                overrides_path = state.meta("overrides_path")  # the file the build was given; it must be unchanged
            overrides = load_overrides(out, overrides_path)
            recorded = json.loads(state.meta("overrides") or "{}").get("min_confidence")
            if overrides.min_confidence is None and recorded is not None:  # kg build --min-confidence X
                overrides.min_confidence = float(recorded)
            check_same_setup(state, gazetteer_paths, overrides)
            remove_leftovers(out)
            clock.lap("read")
            cache = out / "cache" if use_cache else None
            return _add(
                state,
                papers,
                out,
                formats,
                report,
                gazetteer_paths,
                overrides,
                n_process,
                cache,
                extractions_path,
                clock,
                wait,
            )
        finally:
            state.close()


def _add(
    state: BuildState,
    papers: list,
    out: Path,
    formats: Sequence[str],
    report: ReadReport,
    gazetteer_paths: list[Path],
    overrides: object,
    n_process: int,
    cache_dir: Path | None,
    extractions_path: str | Path | None,
    clock: _Clock,
    wait: float = DEFAULT_WAIT,
) -> AddResult:
    gazetteer = load_resources(gazetteer_paths).gazetteer
    base_iri = state.meta("base_iri") or ""
    rdf_current = state.meta("rdf") is not None and (out / RDF_DIR).is_dir()
    damaged = _damaged_parts(state, out) if rdf_current else set()
    staging = staging_path(out.parent, f".{out.name}{STAGING_MARK}{os.getpid()}-")
    token = os.urandom(8).hex()
    journaled = committed = done = False
    updated: dict[str, str] = {}
    try:
        staging.mkdir(mode=0o700)
        with contextlib.ExitStack() as swap:
            with state.transaction():
                resolver = Resolver(state, gazetteer, overrides)  # type: ignore[arg-type]
                source = ExtractionSource(gazetteer_paths, n_process, cache_dir, extractions_path, gazetteer)
                todo, changes = resolver.split(papers)
                clock.lap("load state")
                extractions = source.take(papers, todo)
                source.finish()
                clock.lap("extract")
                files: dict[str, Path] = {}
                pending = json.loads(state.meta("pending_parts") or "[]")
                if not todo and not formats and pending == [] and not damaged:
                    counts = (state.paper_count(), len(resolver.aggregates))  # nothing new: nothing to write
                else:
                    first = int(state.meta("next_part") or 0)
                    parts = [first + n // build_state.PART_PAPERS for n in range(len(todo))]
                    old_lines: tuple[list[str], set[bytes]] = ([], set())
                    outputs = kept_outputs(out, formats)
                    before = None
                    if outputs:  # what the whole-graph outputs show now, to find what the add changes in them
                        was = StateView.of(state, resolver.aggregates, gazetteer, overrides)  # type: ignore[arg-type]
                        before = Before.of(was, resolver.papers)
                    if rdf_current or outputs:
                        old_lines = _old_lines(
                            resolver, todo, extractions, parts, changes, base_iri, rdf_current, before
                        )
                        clock.lap("rdf: old triples")
                    resolver.apply(todo, extractions, parts, changes)
                    state.set_meta("generation", state.generation() + 1)
                    state.set_meta("next_part", max(parts, default=first - 1) + 1)
                    view = StateView.of(state, resolver.aggregates, gazetteer, overrides)  # type: ignore[arg-type]
                    clock.lap("resolve")
                    if before is not None:
                        dirty = {paper_id for ids in changes.dirty.values() for paper_id in ids}
                        papers_changed = {*changes.added, *changes.changed, *dirty, *old_lines[0]}
                        entities = changed_entities(before, view, resolver.papers)
                        files = write_current(
                            view, staging, out, outputs, papers_changed, entities, before, base_iri, updated, clock.lap
                        )
                    if rdf_current:
                        files["ntriples"] = _write_rdf(
                            state, view, staging, out, sorted(set(parts)), old_lines, base_iri, damaged
                        )
                        clock.lap("rdf parts")
                    files.update(update_for_add(state, view, out, staging, todo, changes))  # oxigraph/, if any
                    files.update(update_index(view, out, staging, changes))  # index.sqlite, if any
                    counts = (state.paper_count(), len(view.entities))
                fault("before-commit")
                swap.enter_context(swapping(out, wait))  # no reader loads OUT from here until the files are in
                swap.enter_context(signals_deferred())
                if any(staging.iterdir()):
                    state.set_meta(TOKEN_META, token)  # committed with the state: the journal's move is valid
                    lock.begin(out, staging, "add", token)
                    journaled = True
                fault("after-journal")
            committed = True  # the transaction's block ended; the swap lock is held until the files are in
            fault("after-commit")
            _move_in(staging, out)
            fault("after-move")
            state.set_meta("pending_parts", "[]")
            fault("before-finish")
            lock.finish(out)
            done = True
        clock.lap("commit")
    finally:
        if journaled and not committed:
            lock.finish(out)  # the transaction rolled back: the journal is void
        if done or not (journaled and committed):  # else the journal's move is finished by the next command
            shutil.rmtree(staging, ignore_errors=True)
    stale = [name for name in ("graph.json", "graph.ttl", "index.html", "site") if (out / name).exists()]
    written = {path.name for path in files.values()}
    return AddResult(
        out=out,
        added=len(changes.added),
        changed=len(changes.changed),
        duplicates=changes.duplicates,
        rekeyed=len(changes.rekeyed),
        extracted=source.extracted,
        papers=counts[0],
        entities=counts[1],
        files={name: out / path.relative_to(staging) for name, path in files.items()},
        stale=[name for name in stale if name not in written],
        read_report=report,
        timings=clock.steps,
        updated=updated,
    )


def _old_lines(
    resolver: Resolver,
    todo: list,
    extractions: dict,
    parts: list[int],
    changes: object,
    base_iri: str,
    lines: bool = True,
    before: Before | None = None,
) -> tuple[list[str], set[bytes]]:
    """The older papers that adding ``todo`` will re-resolve (and, given ``before``, those linked to an entity whose
    name, type or genericity changes: their results and IRIs do), and their current N-Triples lines (with
    ``lines``): found by resolving once inside a savepoint that is rolled back (about a second at 1M papers)."""
    state = resolver.state
    if not todo:
        return [], set()
    state.db.execute("SAVEPOINT probe")
    try:
        fork = resolver.fork()
        found = fork.apply(todo, extractions, parts, copy.deepcopy(changes))  # type: ignore[arg-type]
        dirty_ids = {paper_id for ids in found.dirty.values() for paper_id in ids}
        if before is not None:
            after = StateView.of(state, fork.aggregates, resolver.gazetteer, resolver.overrides)
            shown = {entity.id: (entity.name, entity.type, entity.generic) for entity in after.entities.values()}
            renamed = {eid for eid, row in shown.items() if eid in before.entities and before.shown(eid) != row}
            keys = [key for key, entity_id in after.ids.items() if entity_id in renamed]
            dirty_ids |= state.papers_with_keys(keys) - {paper.id for paper in todo}
        dirty = sorted(dirty_ids)
    finally:
        state.db.execute("ROLLBACK TO probe")
        state.db.execute("RELEASE probe")
    if not dirty or not lines:
        return dirty, set()
    aggregates = resolver.aggregates
    if not resolver.overrides.same:  # only the entities these papers link to are needed for their triples
        keys = {key for members in state.members_of(dirty).values() for key in members.values()}
        aggregates = {key: aggregates[key] for key in keys if key in aggregates}
    view = StateView.of(state, aggregates, resolver.gazetteer, resolver.overrides)
    return dirty, set(part_lines(view, state.get_papers(dirty).values(), base_iri))


def _write_rdf(
    state: BuildState,
    view: StateView,
    staging: Path,
    out: Path,
    parts: list[int],
    old_lines: tuple[list[str], set[bytes]],
    base_iri: str,
    damaged: set[int] = frozenset(),  # type: ignore[assignment]
) -> Path:
    """The new parts (with the current triples of re-resolved older papers in the first), ``entities.nt`` and
    ``retracted.nt``; parts left pending by an add killed before its files were moved in are written again, and
    so are ``damaged`` ones."""
    folder = staging / RDF_DIR
    folder.mkdir(parents=True, exist_ok=True)
    write_entities(view, folder, base_iri)
    pending = set(json.loads(state.meta("pending_parts") or "[]")) | set(damaged)
    dirty, old = old_lines
    if dirty and not parts:
        parts = [int(state.meta("next_part") or 0)]
        state.set_meta("next_part", parts[0] + 1)
    if dirty:
        state.set_meta(f"extra:{parts[0]}", json.dumps(dirty))
    written: set[bytes] = set()
    for part in sorted(pending | set(parts)):
        extra = json.loads(state.meta(f"extra:{part}") or "[]")
        stored = list(state.iter_papers(part)) + list(state.get_papers(extra).values())
        lines = part_lines(view, stored, base_iri)
        write_lines(folder / part_file(part), lines)
        written.update(lines)
    # lines are paper-specific (subject: the paper, its statements, its evidence), and the first new part holds
    # the current lines of every re-resolved paper: what is no longer written is no longer true
    state.retract(retractable(old - written, base_iri), written)
    write_lines(folder / RETRACTED_FILE, state.retracted())
    state.set_meta("pending_parts", json.dumps(sorted(pending | set(parts))))
    state.set_meta("rdf", state.generation())
    record_sizes(state, folder)
    return folder


def _damaged_parts(state: BuildState, out: Path) -> set[int]:
    """Parts whose file is missing or no longer has the size it was written with (a truncated copy, a disk
    error): written again from the state by this add, with one warning line each."""
    damaged: set[int] = set()
    folder = out / RDF_DIR
    for name, size in sorted(part_sizes(state).items()):
        if not name.startswith("papers-"):
            continue
        try:
            found = (folder / name).stat().st_size
        except OSError:
            found = None
        if found != size:
            what = "missing" if found is None else f"{found:,} bytes where {size:,} were written"
            warn(f"{folder / name}: damaged ({what}); written again from the build state")
            damaged.add(int(name[len("papers-") : -len(".nt")]))
    return damaged


def _move_in(staging: Path, out: Path) -> None:
    """RDF parts file by file into ``out/rdf`` (the other parts stay), then the rest as ``kg build`` does."""
    move_in(staging, out)
