"""Papers resolved in memory: the one resolver (``kg.resolve.resolver``) onto an empty state that lives in
memory, read back as a ``Resolution`` or a graph. This is what the Python API and ``kg eval`` use; ``kg build``
runs the same resolver onto a state on disk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import networkx as nx

from kg.extract.gazetteer import Gazetteer
from kg.extract.resources import load_resources
from kg.graph.build import build_graph
from kg.graph.state_view import StateView
from kg.resolve.curation import admitted_all
from kg.resolve.fuzzy import DEFAULT_THRESHOLD
from kg.resolve.overrides import Overrides
from kg.resolve.relations import Resolution
from kg.resolve.resolver import Resolver
from kg.store.cache import extract_with_cache
from kg.store.state import BuildState, StoredPaper
from kg.types import Paper, PaperExtraction


def resolve(
    papers: Iterable[Paper],
    extractions: Iterable[PaperExtraction],
    gazetteer: Gazetteer | None = None,
    overrides: Overrides | None = None,
    fuzzy_threshold: float | None = None,
) -> Resolution:
    """Merge per-paper entities into corpus entities with stable ids; build the relations with evidence.

    An extraction whose paper is not given is resolved without its text (its short forms with several long
    forms then stay ambiguous); a paper without an extraction has no relations."""
    overrides = overrides or Overrides()
    given = {paper.id: paper for paper in papers}
    found = {extraction.id: extraction for extraction in extractions}
    for paper_id in given.keys() - found.keys():
        found[paper_id] = PaperExtraction(paper_id, [])
    found = admitted_all(found, overrides)  # what the resolver stores, so that ordinals agree below
    todo = [given.get(paper_id) or Paper(paper_id, "", "") for paper_id in found]
    state = BuildState(None)
    try:
        threshold = DEFAULT_THRESHOLD if fuzzy_threshold is None else fuzzy_threshold
        resolver = Resolver(state, gazetteer, overrides, threshold)
        with state.transaction():
            todo, changes = resolver.split(todo)
            resolver.apply(todo, found, [0] * len(todo), changes, track=False)
            view = StateView.of(state, resolver.aggregates, gazetteer, overrides)
            result = view.resolution(StoredPaper(paper, 0, found[paper.id]) for paper in todo)  # no decode
    finally:
        state.close()
    result.papers = {paper_id: paper for paper_id, paper in result.papers.items() if paper_id in given}
    return result


def graph_from_papers(
    papers: Sequence[Paper],
    gazetteer_paths: Sequence[str | Path] = (),
    n_process: int = 1,
    overrides: Overrides | None = None,
    cache_dir: Path | None = None,
) -> nx.MultiDiGraph:
    """Extract, resolve and build the graph of ``papers``."""
    extractions, _ = extract_with_cache(papers, gazetteer_paths, n_process, cache_dir)
    resolution = resolve(papers, extractions, load_resources(gazetteer_paths).gazetteer, overrides)
    return build_graph(resolution)
