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
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.extract.gazetteer import Gazetteer, spelling_key
from kg.extract.shapes import strip_plural
from kg.fuzzy import FuzzyMatcher
from kg.ids import slug
from kg.overrides import Overrides
from kg.types import Entity, Evidence, ExtractedEntity, Paper, PaperExtraction, Relation

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


class _Keyer:
    """Decides the key of each extracted entity, with the corpus-wide knowledge it needs."""

    def __init__(
        self,
        extractions: list[PaperExtraction],
        papers: dict[str, Paper],
        gazetteer: Gazetteer | None,
        overrides: Overrides,
        fuzzy_threshold: float | None,
    ) -> None:
        self.papers = papers
        self.gazetteer = gazetteer
        self.overrides = overrides
        self.fuzzy = FuzzyMatcher(gazetteer, fuzzy_threshold) if gazetteer is not None and fuzzy_threshold else None
        self.definitions: dict[str, set[str]] = defaultdict(set)
        for extraction in extractions:
            for entity in extraction.entities:
                if entity.full_name and not entity.gazetteer_key:
                    self.definitions[compact_key(entity.name)].add(spelling_key(entity.full_name))
        self._paper_words: dict[str, set[str]] = {}

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
            chosen = self._choose_long_form(paper_id, long_forms)
            if chosen is not None:
                return f"abbr:{short}|{chosen}"
        if self.fuzzy is not None:
            entry = self.fuzzy.match(entity.name, entity.type)
            if entry is not None:
                return "gaz:" + entry.key
        return "name:" + short

    def _choose_long_form(self, paper_id: str, long_forms: set[str]) -> str | None:
        """One definition: use it. Several ("PRM"): the one whose words the paper's text shares most, if unique."""
        if len(long_forms) == 1:
            return next(iter(long_forms))
        words = self._paper_words.get(paper_id)
        if words is None:
            paper = self.papers.get(paper_id)
            words = _content_words(f"{paper.title} {paper.abstract}") if paper else set()
            self._paper_words[paper_id] = words
        scored = sorted(((len(_content_words(form) & words), form) for form in long_forms), reverse=True)
        if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][1]
        return None


def resolve(
    papers: Iterable[Paper],
    extractions: Iterable[PaperExtraction],
    gazetteer: Gazetteer | None = None,
    overrides: Overrides | None = None,
    fuzzy_threshold: float | None = None,
) -> Resolution:
    """Merge per-paper entities into corpus entities with stable ids; build the relations with evidence."""
    from kg.fuzzy import DEFAULT_THRESHOLD

    resolution = Resolution(papers={paper.id: paper for paper in papers})
    extraction_list = list(extractions)
    keyer = _Keyer(
        extraction_list,
        resolution.papers,
        gazetteer,
        overrides or Overrides(),
        DEFAULT_THRESHOLD if fuzzy_threshold is None else fuzzy_threshold,
    )
    members: dict[str, list[tuple[str, ExtractedEntity]]] = defaultdict(list)
    for extraction in extraction_list:
        for entity in extraction.entities:
            members[keyer.key(extraction.id, entity)].append((extraction.id, entity))
    for same_keys in (overrides or Overrides()).merge_groups(members):
        target = min(same_keys)
        for other in same_keys:
            if other != target:
                members[target].extend(members.pop(other, []))

    used_ids: set[str] = set()
    for key in sorted(members):
        group = members[key]
        entity = _build_entity(key, group, gazetteer, used_ids)
        resolution.entities[entity.id] = entity
        resolution.keys[entity.id] = key
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
    _link_families(resolution, gazetteer)
    resolution.relations.sort(key=lambda r: (r.paper_id, r.entity_id, r.kind))
    return resolution


def _link_families(resolution: Resolution, gazetteer: Gazetteer | None) -> None:
    """``Qwen2.5-7B-Instruct`` -> family ``Qwen2.5`` when the family is known (gazetteer or corpus)."""
    by_compact = {compact_key(e.name): e for e in resolution.entities.values()}
    for entity in resolution.entities.values():
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


def _name_and_type(
    key: str, group: list[tuple[str, ExtractedEntity]], gazetteer: Gazetteer | None
) -> tuple[str, str, object]:
    names = Counter(e.name for _, e in group)
    types = Counter(e.type for _, e in group)
    entry = gazetteer.entries.get(key[4:]) if gazetteer is not None and key.startswith("gaz:") else None
    if entry is None:
        return max(sorted(names), key=lambda n: names[n]), max(sorted(types), key=lambda t: types[t]), None
    etype = entry.type
    if etype in ("dataset", "benchmark") and set(types) <= {"dataset", "benchmark"}:
        # dataset or benchmark: how the corpus uses it decides
        etype = max(sorted(types), key=lambda t: (types[t], t == entry.type))
    return entry.name, etype, entry


def _stable_id(key: str, name: str, full_name: str | None, used_ids: set[str]) -> str:
    """An id from the key alone (never from what else is in the corpus), readable when possible."""
    if key.startswith("abbr:"):
        _, _, long_form = key[5:].partition("|")
        base = f"{slug(name)}--{slug(long_form)}"
    else:
        base = slug(name)
    entity_id = base
    if entity_id in used_ids:
        entity_id = f"{base}-{hashlib.blake2b(key.encode('utf-8'), digest_size=3).hexdigest()}"
    used_ids.add(entity_id)
    return entity_id


def _build_entity(
    key: str, group: list[tuple[str, ExtractedEntity]], gazetteer: Gazetteer | None, used_ids: set[str]
) -> Entity:
    name, etype, entry = _name_and_type(key, group, gazetteer)
    if entry is None and key.startswith("name:"):
        # the readable spelling: most separators first (so the id does not depend on which papers came first)
        spellings = sorted({e.name for _, e in group}, key=lambda n: (-len(fold_key(n).split()), fold_key(n), n))
        id_name = spellings[0]
    else:
        id_name = name
    aliases: Counter[str] = Counter()
    for _, extracted in group:
        for mention in extracted.mentions:
            aliases[mention.text] += 1
    full_names = Counter(e.full_name for _, e in group if e.full_name)
    full_name = getattr(entry, "full_name", None) or (
        max(sorted(full_names), key=lambda n: full_names[n]) if full_names else None
    )
    return Entity(
        id=_stable_id(key, id_name, full_name, used_ids),
        name=name,
        type=etype,  # type: ignore[arg-type]
        generic=any(e.generic for _, e in group) if entry is None else bool(getattr(entry, "generic", False)),
        full_name=full_name,
        aliases=dict(sorted(aliases.items())),
        external_ids=dict(getattr(entry, "ids", {}) or {}),
        family=getattr(entry, "family", None),
    )
