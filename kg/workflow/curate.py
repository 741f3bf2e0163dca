"""``kg curate`` on a build folder, and ``kg build --out OUT`` without inputs: rebuild OUT from the papers it holds.

``kg curate not-entity Squibs --out out`` edits the build's curation file (``out/overrides.yaml``, or the file the
build was given with ``--overrides``) and checks the names against the build, so that a typo is noticed; a
rebuild from the state (``rebuild``) applies it: the papers come from ``out/state.sqlite``, their extractions from
the cache, so it costs resolution and writing, not reading and extracting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError
from kg.resolve.curation import edit_file, load_file
from kg.resolve.overrides import Overrides
from kg.store.lock import DEFAULT_WAIT, reading
from kg.store.state import STATE_FILE, BuildState
from kg.workflow.build import OUTPUTS, OVERRIDES_FILE, BuildResult
from kg.workflow.build import build as build_folder


@dataclass
class CurateResult:
    path: Path  # the curation file written
    what: str  # what changed, in words
    overrides: Overrides
    notes: list[str] = field(default_factory=list)  # names or papers the build does not know (typos?)
    built: bool = False  # whether ``out`` holds a build the curation applies to (after a rebuild)


def curation_file(out: str | Path, overrides_path: str | Path | None = None) -> Path:
    """The curation file of a build: the one given, else the one the build was made with, else OUT/overrides.yaml."""
    if overrides_path is not None:
        return Path(overrides_path)
    out = Path(out)
    if (out / STATE_FILE).exists():
        state = BuildState(out / STATE_FILE, readonly=True, check=False)
        try:
            given = state.meta("overrides_path")
        finally:
            state.close()
        if given:
            return Path(given)
    return out / OVERRIDES_FILE


def curate(
    out: str | Path,
    action: str,
    args: Sequence[str],
    undo: bool = False,
    overrides_path: str | Path | None = None,
) -> CurateResult:
    """Record one curation (``not-entity``, ``type``, ``role``, ``same``, ``different``, ``min-confidence``) in the
    build's curation file, atomically; ``undo`` takes it out again. Conflicting curations raise ``KgError``."""
    out = Path(out)
    path = curation_file(out, overrides_path)
    if path.exists() and path.is_dir():
        raise KgError(f"{path}: is a folder, not a curation file")
    if not path.parent.is_dir():
        raise KgError(f"{path.parent}: no such folder (give --out a build folder, or --overrides a file)")
    overrides, what = edit_file(path, action, args, undo)
    built = (out / STATE_FILE).exists() or (out / "graph.json").exists()
    notes = _unknown(out, action, list(args)) if built and not undo else []
    return CurateResult(path, what, overrides, notes, built)


def _unknown(out: Path, action: str, args: list[str]) -> list[str]:
    """Notes on the names (and papers) of a curation that the build does not have."""
    from kg.graph.files import load_graph
    from kg.graph.names import lookup

    names = {"not-entity": args, "type": args[:1], "role": args[1:2], "same": args, "different": args}.get(action, [])
    if not names:
        return []
    try:
        graph = load_graph(out)
    except KgError:
        return []
    notes = []
    for name in names:
        match = lookup(graph, name)
        if not match.nodes:
            notes.append(match.message().replace("in the graph", f"in {out}"))
    if action == "role":
        paper = args[0]
        titles = {str(d.get("label", "")).casefold() for _, d in graph.nodes(data=True) if d.get("kind") == "Paper"}
        if f"paper:{paper}" not in graph and paper.casefold() not in titles:
            notes.append(f"no paper {paper!r} in {out} (give its id, as 'kg query ... --json' shows, or its title)")
    return notes


def show(out: str | Path, overrides_path: str | Path | None = None) -> tuple[Path, Overrides]:
    """The build's curation file and what it holds."""
    path = curation_file(out, overrides_path)
    return path, load_file(path)


def rebuild(
    out: str | Path,
    gazetteer_paths: Sequence[str | Path] | None = None,
    n_process: int = 1,
    overrides_path: str | Path | None = None,
    use_cache: bool = True,
    formats: Sequence[str] = OUTPUTS,
    wait: float = DEFAULT_WAIT,
    min_confidence: float | None = None,
    base_iri: str | None = None,
) -> BuildResult:
    """``kg build`` of the papers ``out`` already holds (read from its state), with its current curation, its
    gazetteers and base IRI unless others are given: what applies a ``kg curate`` edit."""
    out = Path(out)
    if not (out / STATE_FILE).exists():
        raise KgError(
            f"no input files given, and {out} holds no build to rebuild (kg build PAPERS... --out {out} makes one)"
        )
    with reading(out, wait):
        state = BuildState(out / STATE_FILE, readonly=True)
        try:
            papers = [stored.paper for stored in state.iter_papers()]
            gazetteers = json.loads(state.meta("gazetteers") or "[]")
            given_overrides = state.meta("overrides_path") or None
            base = state.meta("base_iri")
        finally:
            state.close()
    from kg.sinks.rdf import DEFAULT_BASE

    return build_folder(
        [],
        out,
        gazetteer_paths=gazetteers if gazetteer_paths is None else gazetteer_paths,
        base_iri=base_iri or base or DEFAULT_BASE,
        n_process=n_process,
        overrides_path=overrides_path if overrides_path is not None else given_overrides,
        use_cache=use_cache,
        formats=formats,
        wait=wait,
        min_confidence=min_confidence,
        papers=papers,
    )
