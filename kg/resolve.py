"""Resolution: per-paper extracted entities -> one ``Entity`` per real thing, and paper->entity ``Relation``s.

Keys, in order of trust:
1. a user override (``same`` / ``different`` in an overrides file);
2. the gazetteer entry (exact, folded, or a fuzzy match with evidence: see ``kg/fuzzy.py``);
3. an abbreviation defined anywhere in the corpus: "Group Relative Policy Optimization (GRPO)" in one abstract
   resolves the bare "GRPO" in every other; a short form with several long forms ("PRM") is resolved per paper
   by the words of its abstract, and stays ambiguous rather than merged blindly;
4. the compact folded name: case, hyphens, spaces, accents, British spelling, acronym plurals.
Versions and sizes are part of every key, so ``GPT-4`` and ``GPT-4o`` never fold together; a model size
(``Qwen2.5-7B``) keeps its own node with a VARIANT_OF edge to its family (``Qwen2.5``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kg.extract.gazetteer import Gazetteer, spelling_key
from kg.extract.shapes import strip_plural
from kg.fuzzy import FuzzyMatcher
from kg.ids import slug
from kg.overrides import Overrides
from kg.types import Entity, Evidence, ExtractedEntity, Mention, Paper, PaperExtraction, Relation

ROLE_ORDER = ("proposes", "uses", "mentions")
RELATION_OF_ROLE = {"proposes": "PROPOSES", "uses": "USES", "mentions": "MENTIONS"}
_STOP = frozenset({"a", "an", "the", "of", "for", "with", "and", "in", "on", "to", "via", "by"})
_VARIANT_SUFFIX = re.compile(
    r"(?:[-\s](?:\d+(?:\.\d+)?[BMK]|\d+x\d+B|Instruct|Chat|Base|Math|Coder|it|hf|HF|v\d+(?:\.\d+)?))+$"
)


def fold_key(name: str) -> str:
    """Spellings of one name meet here: ``Big-Bench``, ``BIG bench`` -> ``big bench``; ``PRMs`` -> ``prm``."""
    singular = strip_plural(name) or name
    return spelling_key(singular)


def compact_key(name: str) -> str:
    """``fold_key`` without separators: ``BigBench`` and ``Big-Bench`` meet, ``GPT-4`` and ``GPT-4o`` do not."""
    return fold_key(name).replace(" ", "")


@dataclass
class Resolution:
    """The resolved corpus: entities by id, relations, papers, and the key each entity was grouped under."""

    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    papers: dict[str, Paper] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # entity id -> key


def _relation_kind(entity: ExtractedEntity) -> str:
    if entity.role == "uses" and entity.type == "benchmark":
        return "EVALUATES_ON"
    return RELATION_OF_ROLE[entity.role]


def _content_words(text: str) -> set[str]:
    return {w for w in spelling_key(text).split() if w not in _STOP and len(w) > 2}


def definition_of(entity: ExtractedEntity) -> tuple[str, str] | None:
    """The corpus-wide abbreviation definition an extracted entity brings: (compact short form, long form)."""
    if entity.full_name and not entity.gazetteer_key:
        return compact_key(entity.name), spelling_key(entity.full_name)
    return None


def bare_short(entity: ExtractedEntity, overrides: Overrides) -> str | None:
    """The compact short form when the entity's key depends on the corpus-wide definitions of that short form
    (no override, no gazetteer entry, no long form of its own), else None."""
    if entity.gazetteer_key or entity.full_name:
        return None
    if overrides.different and overrides.forced_key(entity.name, [m.text for m in entity.mentions]) is not None:
        return None
    return compact_key(entity.name)


class Keyer:
    """Decides the key of each extracted entity, given the corpus-wide abbreviation definitions.

    ``definitions`` maps a compact short form to its long forms; ``paper_words(paper_id)`` gives the content
    words of a paper (only asked when a short form has several long forms).
    """

    def __init__(
        self,
        definitions: Mapping[str, set[str]],
        paper_words: Callable[[str], set[str]],
        gazetteer: Gazetteer | None,
        overrides: Overrides,
        fuzzy_threshold: float | None,
    ) -> None:
        self.definitions = definitions
        self.paper_words = paper_words
        self.overrides = overrides
        self.fuzzy = FuzzyMatcher(gazetteer, fuzzy_threshold) if gazetteer is not None and fuzzy_threshold else None

    def key(self, paper_id: str, entity: ExtractedEntity) -> str:
        forced = self.overrides.forced_key(entity.name, [m.text for m in entity.mentions])
        if forced is not None:
            return forced
        if entity.gazetteer_key:
            return "gaz:" + entity.gazetteer_key
        short = compact_key(entity.name)
        if entity.full_name:
            return f"abbr:{short}|{spelling_key(entity.full_name)}"
        long_forms = self.definitions.get(short)
        if long_forms:
            chosen = choose_long_form(long_forms, lambda: self.paper_words(paper_id))
            if chosen is not None:
                return f"abbr:{short}|{chosen}"
        if self.fuzzy is not None:
            entry = self.fuzzy.match(entity.name, entity.type)
            if entry is not None:
                return "gaz:" + entry.key
        return "name:" + short


def choose_long_form(long_forms: set[str], words_of_paper: Callable[[], set[str]]) -> str | None:
    """One definition: use it. Several ("PRM"): the one whose words the paper's text shares most, if unique."""
    if len(long_forms) == 1:
        return next(iter(long_forms))
    words = words_of_paper()
    scored = sorted(((len(_content_words(form) & words), form) for form in long_forms), reverse=True)
    if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def paper_words(paper: Paper | None) -> set[str]:
    """The content words of a paper's title and abstract (what chooses between long forms)."""
    return _content_words(f"{paper.title} {paper.abstract}") if paper else set()


@dataclass
class Aggregate:
    """What an entity is made of, as counters that members add to and remove from (the incremental state keeps
    one per key): names, types, mention texts, long forms, how many members were generic, distinct papers."""

    names: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    aliases: Counter[str] = field(default_factory=Counter)
    full_names: Counter[str] = field(default_factory=Counter)
    generic: int = 0
    members: int = 0

    def add(self, entity: ExtractedEntity, sign: int = 1) -> None:
        self.names[entity.name] += sign
        self.types[entity.type] += sign
        for mention in entity.mentions:
            self.aliases[mention.text] += sign
        if entity.full_name:
            self.full_names[entity.full_name] += sign
        self.generic += sign * bool(entity.generic)
        self.members += sign
        if sign < 0:
            for counter in (self.names, self.types, self.aliases, self.full_names):
                for name in [n for n, count in counter.items() if count <= 0]:
                    del counter[name]

    def merge(self, other: Aggregate) -> None:
        self.names.update(other.names)
        self.types.update(other.types)
        self.aliases.update(other.aliases)
        self.full_names.update(other.full_names)
        self.generic += other.generic
        self.members += other.members

    def to_json(self) -> dict[str, object]:
        return {
            "names": dict(self.names),
            "types": dict(self.types),
            "aliases": dict(self.aliases),
            "full_names": dict(self.full_names),
            "generic": self.generic,
            "members": self.members,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Aggregate:
        return cls(
            Counter(data["names"]),  # type: ignore[arg-type]
            Counter(data["types"]),  # type: ignore[arg-type]
            Counter(data["aliases"]),  # type: ignore[arg-type]
            Counter(data["full_names"]),  # type: ignore[arg-type]
            int(data["generic"]),  # type: ignore[call-overload]
            int(data["members"]),  # type: ignore[call-overload]
        )


def merge_map(aggregates: Mapping[str, Aggregate], overrides: Overrides) -> dict[str, str]:
    """Keys merged by the overrides' ``same`` groups: key -> the group's target key (the smallest key)."""
    if not overrides.same:
        return {}
    members = {
        key: [("", _NameOnly(name, ())) for name in (*agg.names, *agg.aliases)] for key, agg in aggregates.items()
    }
    mapping: dict[str, str] = {}
    for same_keys in overrides.merge_groups(members):
        target = min(same_keys)
        for other in same_keys:
            mapping[other] = target
    return mapping


@dataclass(frozen=True)
class _NameOnly:
    """An extracted entity reduced to what ``Overrides.merge_groups`` looks at."""

    name: str
    mentions: tuple[Mention, ...]


def resolve(
    papers: Iterable[Paper],
    extractions: Iterable[PaperExtraction],
    gazetteer: Gazetteer | None = None,
    overrides: Overrides | None = None,
    fuzzy_threshold: float | None = None,
) -> Resolution:
    """Merge per-paper entities into corpus entities with stable ids; build the relations with evidence.

    The whole corpus in memory; ``kg.incremental`` does the same, batch by batch, against a saved state."""
    from kg.fuzzy import DEFAULT_THRESHOLD

    overrides = overrides or Overrides()
    resolution = Resolution(papers={paper.id: paper for paper in papers})
    extraction_list = list(extractions)
    definitions: dict[str, set[str]] = defaultdict(set)
    for extraction in extraction_list:
        for entity in extraction.entities:
            found = definition_of(entity)
            if found is not None:
                definitions[found[0]].add(found[1])
    words: dict[str, set[str]] = {}

    def words_of(paper_id: str) -> set[str]:
        if paper_id not in words:
            words[paper_id] = paper_words(resolution.papers.get(paper_id))
        return words[paper_id]

    keyer = Keyer(
        definitions, words_of, gazetteer, overrides, DEFAULT_THRESHOLD if fuzzy_threshold is None else fuzzy_threshold
    )
    aggregates: dict[str, Aggregate] = defaultdict(Aggregate)
    by_paper: dict[str, dict[str, list[ExtractedEntity]]] = defaultdict(lambda: defaultdict(list))
    for extraction in extraction_list:
        for entity in extraction.entities:
            key = keyer.key(extraction.id, entity)
            aggregates[key].add(entity)
            by_paper[extraction.id][key].append(entity)
    merged = merge_map(aggregates, overrides)
    final: dict[str, Aggregate] = defaultdict(Aggregate)
    for key, aggregate in aggregates.items():
        final[merged.get(key, key)].merge(aggregate)
    ids: dict[str, str] = {}
    for key in sorted(final):
        entity = entity_from_aggregate(key, final[key], gazetteer)
        resolution.entities[entity.id] = entity
        resolution.keys[entity.id] = key
        ids[key] = entity.id
    for paper_id, groups in by_paper.items():
        resolution.relations.extend(paper_relations(paper_id, groups, merged, ids))
    link_families(resolution.entities.values(), gazetteer)
    resolution.relations.sort(key=lambda r: (r.paper_id, r.entity_id, r.kind))
    return resolution


def paper_relations(
    paper_id: str, groups: Mapping[str, list[ExtractedEntity]], merged: Mapping[str, str], ids: Mapping[str, str]
) -> list[Relation]:
    """A paper's relations: one per entity, from its extracted entities by key (each key's in the paper's order;
    keys merged by an override one after the other, smallest key first)."""
    found: dict[str, list[ExtractedEntity]] = defaultdict(list)
    for key in sorted(groups) if merged else groups:
        found[merged.get(key, key)].extend(groups[key])
    return [relation_of(paper_id, ids[key], entities) for key, entities in found.items()]


def relation_of(paper_id: str, entity_id: str, found: list[ExtractedEntity]) -> Relation:
    """The relation of a paper to an entity from the paper's extracted entities with that entity's key."""
    best = min(found, key=lambda e: ROLE_ORDER.index(e.role))
    return Relation(
        paper_id=paper_id,
        entity_id=entity_id,
        kind=_relation_kind(best),
        confidence=max(e.confidence for e in found),
        evidence=[
            Evidence(m.field, m.start, m.end, m.text, m.sentence, e.extractor, e.confidence)
            for e in found
            for m in e.mentions
        ],
    )


def link_families(entities: Iterable[Entity], gazetteer: Gazetteer | None) -> None:
    """``Qwen2.5-7B-Instruct`` -> family ``Qwen2.5`` when the family is known (gazetteer or corpus)."""
    entities = list(entities)
    by_compact = {compact_key(e.name): e for e in entities}
    for entity in entities:
        if entity.family or entity.type != "model":
            continue
        base = entity.name
        while True:
            stripped = _VARIANT_SUFFIX.sub("", base) if _VARIANT_SUFFIX.search(base) else None
            if not stripped or stripped == base:
                break
            known = by_compact.get(compact_key(stripped))
            entry = gazetteer.lookup(stripped) if gazetteer is not None else None
            if known is not None and known.id != entity.id:
                entity.family = known.name
                break
            if entry is not None and entry.type == "model":
                entity.family = entry.name
                break
            base = stripped


def name_and_type(key: str, aggregate: Aggregate, gazetteer: Gazetteer | None) -> tuple[str, str, object]:
    names, types = aggregate.names, aggregate.types
    entry = gazetteer.entries.get(key[4:]) if gazetteer is not None and key.startswith("gaz:") else None
    if entry is None:
        return max(sorted(names), key=lambda n: names[n]), max(sorted(types), key=lambda t: types[t]), None
    etype = entry.type
    if etype in ("dataset", "benchmark") and set(types) <= {"dataset", "benchmark"}:
        # dataset or benchmark: how the corpus uses it decides
        etype = max(sorted(types), key=lambda t: (types[t], t == entry.type))
    return entry.name, etype, entry


_RESERVED: dict[int, tuple[Gazetteer, dict[str, str]]] = {}


def _gazetteer_ids(gazetteer: Gazetteer) -> dict[str, str]:
    """Entity ids of every gazetteer entry (a slug clash between entries: the first key keeps the plain slug)."""
    cached = _RESERVED.get(id(gazetteer))
    if cached is not None and cached[0] is gazetteer:
        return cached[1]
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(gazetteer.entries):
        base = slug(gazetteer.entries[key].name)
        ids[key] = base if base not in taken else f"{base}-{_digest('gaz:' + key)}"
        taken.add(base)
    _RESERVED[id(gazetteer)] = (gazetteer, ids)
    return ids


def _digest(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=3).hexdigest()


def entity_id(key: str, gazetteer: Gazetteer | None) -> str:
    """The id of the entity with ``key``: a function of the key (and the gazetteer) alone, never of what else is
    in the corpus, so that an incremental build and a full build give every entity the same id and an id never
    changes. ``gaz:`` keys: the slug of the gazetteer name (``gpt-4``); ``abbr:`` keys: short and long form
    (``dpo--direct-preference-optimization``); ``name:`` keys: the compact folded name (``bigbench``);
    ``user:`` keys (overrides): the compact name plus a short hash. A clash with a gazetteer id adds the hash."""
    kind, _, rest = key.partition(":")
    reserved = _gazetteer_ids(gazetteer) if gazetteer is not None else {}
    if kind == "gaz":
        found = reserved.get(rest)
        return found if found is not None else f"{slug(rest)}-{_digest(key)}"
    if kind == "abbr":
        short, _, long_form = rest.partition("|")
        return f"{slug(short)}--{slug(long_form)}"
    base = slug(rest)
    if kind != "name" or base in _reserved_values(gazetteer):
        return f"{base}-{_digest(key)}"
    return base


_VALUES: dict[int, tuple[Gazetteer, frozenset[str]]] = {}


def _reserved_values(gazetteer: Gazetteer | None) -> frozenset[str]:
    if gazetteer is None:
        return frozenset()
    cached = _VALUES.get(id(gazetteer))
    if cached is None or cached[0] is not gazetteer:
        cached = _VALUES[id(gazetteer)] = (gazetteer, frozenset(_gazetteer_ids(gazetteer).values()))
    return cached[1]


def entity_from_aggregate(key: str, aggregate: Aggregate, gazetteer: Gazetteer | None) -> Entity:
    """The entity of ``key`` from its aggregate (canonical name, type, long form, aliases, gazetteer facts)."""
    name, etype, entry = name_and_type(key, aggregate, gazetteer)
    full_names = aggregate.full_names
    full_name = getattr(entry, "full_name", None) or (
        max(sorted(full_names), key=lambda n: full_names[n]) if full_names else None
    )
    return Entity(
        id=entity_id(key, gazetteer),
        name=name,
        type=etype,  # type: ignore[arg-type]
        generic=aggregate.generic > 0 if entry is None else bool(getattr(entry, "generic", False)),
        full_name=full_name,
        aliases=dict(sorted(aggregate.aliases.items())),
        external_ids=dict(getattr(entry, "ids", {}) or {}),
        family=getattr(entry, "family", None),
    )
