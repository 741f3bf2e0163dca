"""Explain resolution: an entity's canonical name, every alias with its count and the papers behind it (what
``kg entity NAME`` prints), from the query index."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kg.query.common import Source, entity_ids, using


@dataclass
class AliasUse:
    alias: str
    count: int
    papers: list[tuple[str, str]] = field(default_factory=list)  # (paper id, title)


@dataclass
class EntityExplanation:
    entity_id: str
    name: str
    type: str
    generic: bool
    full_name: str | None
    external_ids: dict[str, str]
    family: str | None
    variants: list[str]
    relations: dict[str, int]
    aliases: list[AliasUse]
    curated: list[str] = field(default_factory=list)  # what overrides.yaml decided about it
    papers: int = 0
    first_seen: str | None = None
    last_seen: str | None = None


def explain_entity(source: Source, name: str) -> list[EntityExplanation]:
    """Every entity that ``name`` (any alias, any spelling) refers to, with the evidence for its aliases."""
    with using(source) as index:
        ids = entity_ids(index, name)
        infos = index.entities(ids)
        found = index.relations(ids)
    by_entity: dict[str, list] = defaultdict(list)
    for row in found:
        by_entity[row[2]].append(row)
    explanations = []
    for entity_id in ids:
        info = infos[entity_id]
        papers_by_alias: dict[str, dict[str, str]] = defaultdict(dict)
        relations: dict[str, int] = defaultdict(int)
        for paper, kind, _, _, texts in by_entity[entity_id]:
            relations[kind] += 1
            for text in texts:
                papers_by_alias[text][paper.id] = paper.title
        counts = info.aliases
        aliases = [
            AliasUse(alias, counts.get(alias, len(papers)), sorted(papers.items()))
            for alias, papers in sorted(papers_by_alias.items(), key=lambda item: (-counts.get(item[0], 0), item[0]))
        ]
        explanations.append(
            EntityExplanation(
                entity_id=info.id,
                name=info.label,
                type=info.type,
                generic=info.generic,
                full_name=info.full_name,
                external_ids=info.external_ids,
                family=info.family,
                variants=info.variants,
                relations=dict(sorted(relations.items())),
                aliases=aliases,
                curated=info.curated,
                papers=info.papers,
                first_seen=info.first_seen,
                last_seen=info.last_seen,
            )
        )
    return explanations
