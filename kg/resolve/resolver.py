"""The resolver: apply a batch of papers and their extractions to a store of what was resolved before.

A build is batches applied to an empty store; ``kg add`` is one more batch onto the build's state; the Python
API and ``kg eval`` resolve into a store in memory (``kg.graph.resolution``). There is no other resolver.

Only the batch is keyed, plus the members elsewhere whose key depends on an abbreviation whose definitions the
batch changed (a new "Process Reward Model (PRM)" re-keys the bare "PRM"s already in the state, and nothing
else). Entity aggregates are counters, so a member moving from one key to another is a subtraction and an
addition. Any cut of a corpus into batches gives the same result as one batch: ``tests/test_incremental.py``.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kg.extract.gazetteer import Gazetteer
from kg.resolve.curation import admitted_all
from kg.resolve.entities import Aggregate, merge_map, name_and_type
from kg.resolve.fuzzy import DEFAULT_THRESHOLD
from kg.resolve.keys import Keyer, bare_short, definition_of, paper_words
from kg.resolve.overrides import Overrides
from kg.sources.readers import _fill_missing
from kg.types import ExtractedEntity, Paper, PaperExtraction


class StoredRecord(Protocol):
    """A paper as the store holds it."""

    paper: Paper
    part: int
    extraction: PaperExtraction


class ResolverStore(Protocol):
    """What the resolver reads and writes (``kg.store.state.BuildState``, on disk or in memory)."""

    def aggregates(self) -> tuple[dict[str, Aggregate], dict[str, int]]: ...
    def definitions(self) -> dict[str, dict[str, int]]: ...
    def get_papers(self, ids: Iterable[str]) -> Mapping[str, StoredRecord]: ...
    def put_paper(self, paper: Paper, extraction: Sequence[ExtractedEntity], part: int) -> None: ...
    def put_papers(self, rows: Sequence[tuple[Paper, Sequence[ExtractedEntity], int]]) -> None: ...
    def part_of(self, paper_ids: Iterable[str]) -> dict[str, int]: ...
    def members_of(self, paper_ids: Iterable[str]) -> dict[str, dict[int, str]]: ...
    def bare_members(self, short: str) -> list[tuple[str, int, str]]: ...
    def papers_with_keys(self, keys: Iterable[str]) -> set[str]: ...
    def papers_citing(self, keys: Iterable[str]) -> set[str]: ...
    def delete_members(self, paper_id: str) -> None: ...
    def put_members(self, rows: Iterable[tuple[str, int, str, str | None]]) -> None: ...
    def set_member_keys(self, rows: Iterable[tuple[str, str, int]]) -> None: ...
    def put_definitions(self, rows: Iterable[tuple[str, str, int]]) -> None: ...
    def put_aggregates(self, rows: Iterable[tuple[str, Aggregate | None, int]]) -> None: ...


@dataclass
class Changes:
    """What one batch changed."""

    added: list[str] = field(default_factory=list)  # new paper ids
    changed: list[str] = field(default_factory=list)  # ids already in the state whose merged record changed
    duplicates: int = 0  # ids already in the state that brought nothing new
    rekeyed: set[str] = field(default_factory=set)  # other papers whose relations changed
    touched: set[str] = field(default_factory=set)  # keys whose aggregates changed
    dirty: dict[int, set[str]] = field(default_factory=dict)  # RDF part -> papers whose triples there changed
    shorts: set[str] = field(default_factory=set)  # short forms whose definitions changed
    retyped: list[str] = field(default_factory=list)  # keys whose entity changed type (so IRI)

    def mark(self, part: int, paper_id: str) -> None:
        self.dirty.setdefault(part, set()).add(paper_id)


class Resolver:
    """Keys batches of papers against the state; ``apply`` writes members, definitions and aggregates."""

    def __init__(
        self,
        state: ResolverStore,
        gazetteer: Gazetteer | None,
        overrides: Overrides,
        fuzzy_threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.state = state
        self.fuzzy_threshold = fuzzy_threshold
        self.gazetteer = gazetteer
        self.overrides = overrides
        self.aggregates, self.papers = state.aggregates()
        self.definition_counts = state.definitions()
        self.long_forms: dict[str, set[str]] = {
            short: {form for form, count in forms.items() if count > 0}
            for short, forms in self.definition_counts.items()
        }
        self._words: dict[str, set[str]] = {}
        self._text: dict[str, Paper] = {}
        self._defined: set[tuple[str, str]] = set()
        self.keyer = Keyer(self.long_forms, self._paper_words, gazetteer, overrides, fuzzy_threshold)

    def fork(self) -> Resolver:
        """A resolver on the same state with copies of the counters (to try a batch in a savepoint)."""
        other = copy.copy(self)
        other.aggregates = _CopyOnRead(self.aggregates)
        other.papers = dict(self.papers)
        other.definition_counts = {short: dict(forms) for short, forms in self.definition_counts.items()}
        other.long_forms = {short: set(forms) for short, forms in self.long_forms.items()}
        other._words, other._text, other._defined = {}, {}, set()
        other.keyer = Keyer(other.long_forms, other._paper_words, self.gazetteer, self.overrides, self.fuzzy_threshold)
        other.keyer.fuzzy = self.keyer.fuzzy  # its cache of fuzzy matches is shared
        return other

    def _paper_words(self, paper_id: str) -> set[str]:
        if paper_id not in self._words:
            self._words[paper_id] = paper_words(self._text.get(paper_id))
        return self._words[paper_id]

    def split(self, papers: Sequence[Paper]) -> tuple[list[Paper], Changes]:
        """The papers to (re-)resolve: new ids, and known ids whose record the new copy changes (merged as
        ``read_papers`` merges repeated ids: the stored copy first, missing fields filled, the longer abstract)."""
        stored = self.state.get_papers(paper.id for paper in papers)
        changes = Changes()
        todo = []
        for paper in papers:
            known = stored.get(paper.id)
            if known is None:
                todo.append(paper)
                changes.added.append(paper.id)
                continue
            merged = copy.deepcopy(known.paper)
            _fill_missing(merged, paper)
            if merged == known.paper:
                changes.duplicates += 1
            else:
                todo.append(merged)
                changes.changed.append(paper.id)
        return todo, changes

    # ---- counters

    def _add(self, key: str, entity: ExtractedEntity, sign: int, changes: Changes) -> None:
        aggregate = self.aggregates.get(key)
        if aggregate is None:
            aggregate = self.aggregates[key] = Aggregate()
        aggregate.add(entity, sign)
        changes.touched.add(key)

    def _define(self, found: tuple[str, str] | None, sign: int, shorts: set[str]) -> None:
        if found is None:
            return
        short, long_form = found
        forms = self.definition_counts.setdefault(short, {})
        before = forms.get(long_form, 0)
        forms[long_form] = before + sign
        self._defined.add(found)
        if (before > 0) != (before + sign > 0):
            shorts.add(short)
            live = self.long_forms.setdefault(short, set())
            if before + sign > 0:
                live.add(long_form)
            else:
                live.discard(long_form)

    def _count_papers(self, before: set[str], after: set[str]) -> None:
        for key in before - after:
            self.papers[key] = self.papers.get(key, 0) - 1
        for key in after - before:
            self.papers[key] = self.papers.get(key, 0) + 1

    # ---- one batch

    def apply(
        self,
        todo: Sequence[Paper],
        extractions: Mapping[str, PaperExtraction],
        parts: Sequence[int],
        changes: Changes,
        track: bool = True,
    ) -> Changes:
        """Resolve ``todo`` (from ``split``) with their extractions into the state; ``parts[i]`` is the RDF part
        that will hold ``todo[i]``. ``track``: find the older papers whose triples changed (``changes.dirty``;
        not needed by a cold build, which writes every part afterwards). Returns ``changes`` completed."""
        part_of = {paper.id: part for paper, part in zip(todo, parts, strict=True)}
        extractions = admitted_all(extractions, self.overrides)  # not-entity, min-confidence: never stored
        state = self.state
        changed = set(changes.changed)
        shorts: set[str] = set()
        types_before: dict[str, str | None] = {}
        merged_before = merge_map(self.aggregates, self.overrides)

        def remember(key: str) -> None:
            if key not in types_before:
                aggregate = self.aggregates.get(key)
                alive = aggregate is not None and aggregate.members > 0
                types_before[key] = name_and_type(key, aggregate, self.gazetteer)[1] if alive else None  # type: ignore[arg-type]

        # 1. papers whose record changed: take their old members out
        if changed:
            old = state.get_papers(changed)
            old_keys = state.members_of(changed)
            for paper_id in changes.changed:
                keys = old_keys.get(paper_id, {})
                for ordinal, entity in enumerate(old[paper_id].extraction.entities):
                    remember(keys[ordinal])
                    self._add(keys[ordinal], entity, -1, changes)
                    self._define(definition_of(entity), -1, shorts)
                self._count_papers(set(keys.values()), set())
                state.delete_members(paper_id)
                changes.mark(old[paper_id].part, paper_id)
        # 2. the batch's definitions, then its paper rows
        for paper in todo:
            self._text[paper.id] = paper
            for entity in extractions[paper.id].entities:
                self._define(definition_of(entity), 1, shorts)
        state.put_papers([(p, extractions[p.id].entities, part_of[p.id]) for p in todo if p.id not in changed])
        for paper in todo:
            if paper.id in changed:
                state.put_paper(paper, extractions[paper.id].entities, part_of[paper.id])
        # 3. members elsewhere whose short form's definitions changed
        batch = {paper.id for paper in todo}
        self._rekey(shorts, batch, changes, remember)
        # 4. the batch's members
        rows = []
        for paper in todo:
            keys = set()
            for ordinal, entity in enumerate(extractions[paper.id].entities):
                key = self.keyer.key(paper.id, entity)
                remember(key)
                self._add(key, entity, 1, changes)
                rows.append((paper.id, ordinal, key, bare_short(entity, self.overrides)))
                keys.add(key)
            self._count_papers(set(), keys)
        state.put_members(rows)
        # 5. entities whose IRI changed (type) or whose merge target changed: their papers' triples change
        if not track:
            self._save(changes)
            return changes
        retyped = [
            key
            for key, before in types_before.items()
            if before is not None
            and self.aggregates[key].members > 0
            and name_and_type(key, self.aggregates[key], self.gazetteer)[1] != before
        ]
        changes.shorts |= shorts
        changes.retyped = retyped
        merged_after = merge_map(self.aggregates, self.overrides)
        remapped = [k for k in set(merged_before) | set(merged_after) if merged_before.get(k) != merged_after.get(k)]
        if retyped or remapped:
            moved = state.papers_with_keys([*retyped, *remapped]) - batch
            changes.rekeyed |= moved
            for paper_id, paper_part in state.part_of(moved).items():
                changes.mark(paper_part, paper_id)
        # 6. older papers citing the batch: their CITES edges and outside-reference counts change
        citing = state.papers_citing(key for paper in todo for key in paper.citation_keys()) - batch
        for paper_id, paper_part in state.part_of(citing).items():
            changes.mark(paper_part, paper_id)
        self._save(changes)
        self._text.clear()
        self._words.clear()
        return changes

    def _rekey(self, shorts: set[str], batch: set[str], changes: Changes, remember: object) -> None:
        rows = [row for short in sorted(shorts) for row in self.state.bare_members(short) if row[0] not in batch]
        if not rows:
            return
        stored = self.state.get_papers({paper_id for paper_id, _, _ in rows})
        for paper_id, known in stored.items():
            self._text[paper_id] = known.paper
        before = self.state.members_of(stored)
        updates = []
        for paper_id, ordinal, old_key in rows:
            entity = stored[paper_id].extraction.entities[ordinal]
            new_key = self.keyer.key(paper_id, entity)
            if new_key != old_key:
                remember(old_key)  # type: ignore[operator]
                remember(new_key)  # type: ignore[operator]
                self._add(old_key, entity, -1, changes)
                self._add(new_key, entity, 1, changes)
                updates.append((new_key, paper_id, ordinal))
        self.state.set_member_keys(updates)
        moved = {paper_id for _, paper_id, _ in updates}
        after = self.state.members_of(moved)
        for paper_id in moved:
            self._count_papers(set(before[paper_id].values()), set(after[paper_id].values()))
            changes.mark(stored[paper_id].part, paper_id)
        changes.rekeyed |= moved

    def _save(self, changes: Changes) -> None:
        rows = []
        for key in changes.touched:
            aggregate = self.aggregates.get(key)
            if aggregate is None or aggregate.members <= 0:
                self.aggregates.pop(key, None)
                self.papers.pop(key, None)
                rows.append((key, None, 0))
            else:
                rows.append((key, aggregate, self.papers.get(key, 0)))
        self.state.put_aggregates(rows)
        self.state.put_definitions(
            (short, long_form, self.definition_counts[short][long_form]) for short, long_form in self._defined
        )
        self._defined.clear()


class _CopyOnRead(dict):  # type: ignore[type-arg]
    """The aggregates of a forked resolver: each copied from the parent's on first use, so that trying a batch
    costs copies of the aggregates it touches, not of all of them (36k at 1M papers)."""

    def __init__(self, base: dict[str, Aggregate]) -> None:
        super().__init__()
        self.base = base

    def get(self, key: str, default: Aggregate | None = None) -> Aggregate | None:  # type: ignore[override]
        if not dict.__contains__(self, key):
            if key not in self.base:
                return default
            dict.__setitem__(self, key, copy.deepcopy(self.base[key]))
        return dict.__getitem__(self, key)

    def __getitem__(self, key: str) -> Aggregate:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.base

    def items(self):  # type: ignore[no-untyped-def]
        return {**self.base, **dict(dict.items(self))}.items()


def by_paper(members: Mapping[int, str], entities: Sequence[ExtractedEntity]) -> dict[str, list[ExtractedEntity]]:
    """A paper's extracted entities grouped by key, each group in the paper's order."""
    groups: dict[str, list[ExtractedEntity]] = defaultdict(list)
    for ordinal, entity in enumerate(entities):
        groups[members[ordinal]].append(entity)
    return groups
