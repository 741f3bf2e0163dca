"""Resolution: per-paper extracted entities -> one ``Entity`` per real thing, and paper->entity ``Relation``s.

Keys, in order of trust: the gazetteer entry; an abbreviation defined anywhere in the corpus (a short form
with two different long forms stays two entities); the folded name (case, hyphens, spaces, British spelling,
acronym plurals). Versions and sizes are part of the name, so ``GPT-4`` and ``GPT-4o`` never fold together.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.extract.gazetteer import Gazetteer, spelling_key
from kg.extract.shapes import strip_plural
from kg.ids import slug
from kg.types import Entity, Evidence, ExtractedEntity, Paper, PaperExtraction, Relation

ROLE_ORDER = ("proposes", "uses", "mentions")
RELATION_OF_ROLE = {"proposes": "PROPOSES", "uses": "USES", "mentions": "MENTIONS"}


def fold_key(name: str) -> str:
    """The key under which spellings of one name meet: ``Big-Bench``, ``BIG bench`` -> ``big bench``."""
    singular = strip_plural(name) or name
    return spelling_key(singular)


@dataclass
class Resolution:
    """The resolved corpus: entities by id, relations, and which extracted name went to which entity."""

    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    papers: dict[str, Paper] = field(default_factory=dict)


def _relation_kind(entity: ExtractedEntity) -> str:
    if entity.role == "uses" and entity.type == "benchmark":
        return "EVALUATES_ON"
    return RELATION_OF_ROLE[entity.role]


def _entity_key(entity: ExtractedEntity, definitions: dict[str, set[str]]) -> str:
    if entity.gazetteer_key:
        return "gaz:" + entity.gazetteer_key
    key = fold_key(entity.name)
    if entity.full_name:
        return f"abbr:{key}|{spelling_key(entity.full_name)}"
    long_forms = definitions.get(key)
    if long_forms and len(long_forms) == 1:
        return f"abbr:{key}|{next(iter(long_forms))}"
    return "name:" + key


def resolve(
    papers: Iterable[Paper], extractions: Iterable[PaperExtraction], gazetteer: Gazetteer | None = None
) -> Resolution:
    """Merge per-paper entities into corpus entities with stable ids; build the relations with evidence."""
    resolution = Resolution(papers={paper.id: paper for paper in papers})
    extraction_list = list(extractions)
    definitions: dict[str, set[str]] = defaultdict(set)
    for extraction in extraction_list:
        for entity in extraction.entities:
            if entity.full_name and not entity.gazetteer_key:
                definitions[fold_key(entity.name)].add(spelling_key(entity.full_name))

    members: dict[str, list[tuple[str, ExtractedEntity]]] = defaultdict(list)
    for extraction in extraction_list:
        for entity in extraction.entities:
            members[_entity_key(entity, definitions)].append((extraction.id, entity))

    used_ids: set[str] = set()
    for key in sorted(members):
        group = members[key]
        entity = _build_entity(key, group, gazetteer, used_ids)
        resolution.entities[entity.id] = entity
        by_paper: dict[str, list[ExtractedEntity]] = defaultdict(list)
        for paper_id, extracted in group:
            by_paper[paper_id].append(extracted)
        for paper_id, found in sorted(by_paper.items()):
            best = min(found, key=lambda e: ROLE_ORDER.index(e.role))
            resolution.relations.append(
                Relation(
                    paper_id=paper_id,
                    entity_id=entity.id,
                    kind=_relation_kind(best),
                    confidence=max(e.confidence for e in found),
                    evidence=[
                        Evidence(m.field, m.start, m.end, m.text, m.sentence, e.extractor, e.confidence)
                        for e in found
                        for m in e.mentions
                    ],
                )
            )
    resolution.relations.sort(key=lambda r: (r.paper_id, r.entity_id, r.kind))
    return resolution


def _build_entity(
    key: str, group: list[tuple[str, ExtractedEntity]], gazetteer: Gazetteer | None, used_ids: set[str]
) -> Entity:
    names = Counter(e.name for _, e in group)
    types = Counter(e.type for _, e in group)
    aliases: Counter[str] = Counter()
    for _, extracted in group:
        for mention in extracted.mentions:
            aliases[mention.text] += 1
    entry = gazetteer.entries.get(key[4:]) if gazetteer is not None and key.startswith("gaz:") else None
    if entry is not None:
        name, etype = entry.name, entry.type
        # dataset/benchmark: the corpus decides between the two
        if etype in ("dataset", "benchmark") and types:
            etype = (
                max(sorted(types), key=lambda t: (types[t], t == entry.type))
                if set(types) <= {"dataset", "benchmark"}
                else etype
            )
    else:
        name = max(sorted(names), key=lambda n: names[n])
        etype = max(sorted(types), key=lambda t: types[t])
    full_names = Counter(e.full_name for _, e in group if e.full_name)
    full_name = (
        entry.full_name
        if entry is not None and entry.full_name
        else (max(sorted(full_names), key=lambda n: full_names[n]) if full_names else None)
    )
    base = slug(name)
    if key.startswith("abbr:") and full_name:
        base = f"{slug(name)}--{slug(full_name)}"
    entity_id = base
    if entity_id in used_ids:
        # two different things with one slug: the id depends on the key only, so it stays stable
        entity_id = f"{base}-{hashlib.blake2b(key.encode('utf-8'), digest_size=3).hexdigest()}"
    used_ids.add(entity_id)
    return Entity(
        id=entity_id,
        name=name,
        type=etype,  # type: ignore[arg-type]
        generic=any(e.generic for _, e in group) if entry is None else entry.generic,
        full_name=full_name,
        aliases=dict(sorted(aliases.items())),
        external_ids=dict(entry.ids) if entry is not None else {},
        family=entry.family if entry is not None else None,
    )
