"""Relations: one per paper and entity, with the strongest role and every mention as evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from kg.types import Entity, Evidence, ExtractedEntity, Paper, Relation

ROLE_ORDER = ("proposes", "uses", "mentions")
RELATION_OF_ROLE = {"proposes": "PROPOSES", "uses": "USES", "mentions": "MENTIONS"}


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
