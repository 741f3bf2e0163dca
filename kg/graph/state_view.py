"""The graph (or a part of it) from the build state: entities from their aggregates, relations from the members.

Used to write outputs after ``kg build`` / ``kg add`` and to answer queries when ``graph.json`` is older than the
state. Entities are few (thousands), papers many: everything here is per entity for all entities, and per paper
only for the papers asked for.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.extract.gazetteer import Gazetteer
from kg.graph.citations import Cited, citations
from kg.resolve.curation import Curator
from kg.resolve.entities import Aggregate, entity_from_aggregate, link_families, merge_map
from kg.resolve.overrides import Overrides
from kg.resolve.relations import Resolution, paper_relations
from kg.store.state import STATE_FILE, BuildState, StoredPaper
from kg.types import Entity, Paper, Relation

CHUNK = 2_000  # papers per members query


@dataclass
class StateView:
    """An open state with what reading it needs: the gazetteer and overrides of the build, the entities."""

    state: BuildState
    gazetteer: Gazetteer | None
    overrides: Overrides
    entities: dict[str, Entity]  # final key -> entity
    merged: dict[str, str]  # key -> the key it was merged into (overrides)
    ids: dict[str, str]  # key (merged or not) -> entity id
    curator: Curator | None = None  # curated types and roles (overrides.yaml), when there are any
    by_id: dict[str, Entity] = field(default_factory=dict)  # entity id -> entity

    @classmethod
    def open(cls, state: BuildState) -> StateView:
        from kg.extract.resources import load_resources

        gazetteer = load_resources([Path(p) for p in json.loads(state.meta("gazetteers") or "[]")]).gazetteer
        overrides = Overrides(**json.loads(state.meta("overrides") or "{}"))
        aggregates, _ = state.aggregates()
        return cls.of(state, aggregates, gazetteer, overrides)

    @classmethod
    def of(
        cls, state: BuildState, aggregates: dict[str, Aggregate], gazetteer: Gazetteer | None, overrides: Overrides
    ) -> StateView:
        merged = merge_map(aggregates, overrides)
        final: dict[str, Aggregate] = defaultdict(Aggregate)
        for key, aggregate in aggregates.items():
            if aggregate.members > 0:
                final[merged.get(key, key)].merge(aggregate)
        entities = {key: entity_from_aggregate(key, final[key], gazetteer) for key in sorted(final)}
        link_families(entities.values(), gazetteer)
        ids = {key: entities[merged.get(key, key)].id for key in aggregates if merged.get(key, key) in entities}
        curator = Curator(overrides)
        curator.entities(entities.values(), merged, {entity.id: key for key, entity in entities.items()})
        by_id = {entity.id: entity for entity in entities.values()}
        return cls(state, gazetteer, overrides, entities, merged, ids, curator if curator else None, by_id)

    def relations(self, papers: Iterable[StoredPaper]) -> Iterator[tuple[StoredPaper, list[Relation]]]:
        """Each paper with its relations (in chunks: one members query per ``CHUNK`` papers)."""
        chunk: list[StoredPaper] = []
        for stored in papers:
            chunk.append(stored)
            if len(chunk) >= CHUNK:
                yield from self._relations(chunk)
                chunk = []
        yield from self._relations(chunk)

    def _relations(self, chunk: list[StoredPaper]) -> Iterator[tuple[StoredPaper, list[Relation]]]:
        if not chunk:
            return
        members = self.state.members_of(s.paper.id for s in chunk)
        for stored in chunk:
            keys = members.get(stored.paper.id, {})
            groups: dict[str, list] = defaultdict(list)
            for ordinal, entity in enumerate(stored.extraction.entities):
                groups[keys[ordinal]].append(entity)
            relations = paper_relations(stored.paper.id, groups, self.merged, self.ids)
            if self.curator is not None:
                relations = self.curator.relations(stored.paper, relations, self.by_id)
            yield stored, relations

    def resolution(self, papers: Iterable[StoredPaper] | None = None, linked_only: bool = False) -> Resolution:
        """A ``Resolution`` with the given papers (all when None) and their relations, and every entity (only
        those the papers link to, with ``linked_only``)."""
        result = Resolution()
        for stored, relations in self.relations(self.state.iter_papers() if papers is None else papers):
            result.papers[stored.paper.id] = stored.paper
            result.relations.extend(relations)
        linked = {relation.entity_id for relation in result.relations}
        for key, entity in self.entities.items():
            if not linked_only or entity.id in linked:
                result.entities[entity.id] = entity
                result.keys[entity.id] = key
        result.relations.sort(key=lambda r: (r.paper_id, r.entity_id, r.kind))
        return result

    def graph(
        self, papers: Iterable[StoredPaper] | None = None, linked_only: bool = False, stubs: bool | None = None
    ) -> nx.MultiDiGraph:
        """The graph of ``resolution(papers, linked_only)``. Citations are matched against every paper of the state;
        with ``stubs`` (default: ``linked_only``, the N-Triples parts; ``kg add``'s splices too) a cited paper that
        is not among ``papers`` is a stub node."""
        from kg.graph.build import build_graph

        resolution = self.resolution(papers, linked_only)
        cited = None if papers is None else self.citations(resolution.papers.values())
        return build_graph(resolution, cited, stubs=linked_only if stubs is None else stubs)

    def citations(self, papers: Iterable[Paper]) -> dict[str, Cited]:
        """The papers' citations, matched against every paper of the state (``kg.graph.citations``)."""
        citing = [paper for paper in papers if paper.references]
        return citations(citing, self.state.holders(ref for paper in citing for ref in paper.references))

    def graph_about(self, name: str) -> nx.MultiDiGraph:
        """Every entity, and the papers of the entities ``name`` may refer to (what a query of ``name`` reads)."""
        from kg.graph.build import build_graph
        from kg.graph.names import find_entities

        nodes = find_entities(build_graph(self.resolution([])), name)
        wanted = {node.split(":", 1)[1] for node in nodes}
        keys = [key for key, entity_id in self.ids.items() if entity_id in wanted]
        paper_ids = self.state.papers_with_keys(keys)
        return self.graph(self.state.get_papers(sorted(paper_ids)).values())


def state_is_newer(directory: Path, output: str) -> bool:
    """True when ``directory`` holds a build state that changed since ``output`` was last written from it."""
    path = Path(directory) / STATE_FILE
    if not path.exists():
        return False
    state = BuildState(path, readonly=True)
    try:
        written = state.meta(f"written:{output}")
        return written is None or int(written) != state.generation()
    finally:
        state.close()


def graph_from_state(directory: Path, name: str | None = None) -> nx.MultiDiGraph:
    """The graph of the build in ``directory`` read from its state (only what a query of ``name`` needs, when
    given)."""
    state = BuildState(Path(directory) / STATE_FILE, readonly=True, check=False)  # checked by state_is_newer
    try:
        view = StateView.open(state)
        return view.graph() if name is None else view.graph_about(name)
    finally:
        state.close()
