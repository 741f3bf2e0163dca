"""Entities from their aggregates: canonical name, type, long form, aliases, stable id and model family.

A model size (``Qwen2.5-7B``) keeps its own node with a VARIANT_OF edge to its family (``Qwen2.5``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from kg.extract.abbreviations import join_line_breaks
from kg.extract.gazetteer import Gazetteer
from kg.extract.wordlists import alternation
from kg.ids import slug
from kg.resolve.keys import compact_key
from kg.resolve.overrides import Overrides
from kg.types import Entity, ExtractedEntity, Mention

_VARIANT_SUFFIX = re.compile(
    r"(?:[-\s](?:\d+(?:\.\d+)?[BMK]|\d+x\d+B|" + alternation("family_suffixes") + r"|v\d+(?:\.\d+)?))+$"
)


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
        """Every field by name (the counters as they are: JSON writes them as objects)."""
        return {name.name: getattr(self, name.name) for name in fields(self)}

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
    if gazetteer is not None:
        for entity in entities:
            if entity.family and compact_key(entity.family) not in by_compact:
                entity.family = _nearest_family(entity.family, by_compact, gazetteer)


def _nearest_family(family: str, present: Mapping[str, Entity], gazetteer: Gazetteer) -> str:
    """The family, or when the corpus has no node for it, the nearest family above it in the gazetteer that it has
    (``Llama-3.1-8B`` -> ``Llama 3.1`` -> ``Llama 3`` -> ``LLaMA``): a variant is linked to its family's node."""
    current, seen = family, {family}
    while True:
        entry = gazetteer.lookup(current)
        parent = entry.family if entry is not None else None
        if not parent or parent in seen:
            return family
        if compact_key(parent) in present:
            return present[compact_key(parent)].name
        seen.add(parent)
        current = parent


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


gazetteer_ids = _gazetteer_ids  # public: which entity id each gazetteer entry gets (kg.graph.names)


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


def _clean_aliases(aliases: Counter[str]) -> dict[str, int]:
    """Aliases as a reader should see them: a word split by a line-break hyphen in the abstract ("Bidi- rectional
    Encoder ...") is joined again, and its count added to the joined spelling's."""
    cleaned: Counter[str] = Counter()
    for alias, count in aliases.items():
        cleaned[join_line_breaks(alias)] += count
    return dict(sorted(cleaned.items()))


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
        aliases=_clean_aliases(aggregate.aliases),
        external_ids=dict(getattr(entry, "ids", {}) or {}),
        family=getattr(entry, "family", None),
    )
