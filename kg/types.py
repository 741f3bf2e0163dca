"""Plain, typed, serialisable data passed between the stages.

read -> ``Paper``; extract -> ``PaperExtraction`` (``ExtractedEntity`` with ``Mention``);
resolve -> ``Entity`` and ``Relation`` (with ``Evidence``); build -> a networkx graph.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntityType = Literal["method", "model", "dataset", "benchmark", "metric"]
Role = Literal["proposes", "uses", "mentions"]
ResultKind = Literal["absolute", "gain", "rank"]
Field = Literal["title", "abstract"]

ENTITY_TYPES: tuple[str, ...] = ("method", "model", "dataset", "benchmark", "metric")
ROLES: tuple[str, ...] = ("proposes", "uses", "mentions")


@dataclass(slots=True)
class Paper:
    """One paper as read from a source; ``source`` is ``file:line`` where it was read."""

    id: str
    title: str
    abstract: str
    date: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    author_count: int | None = None
    organisation: str | None = None
    venue: str | None = None
    url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    source: str | None = None
    # citations (docs/sources.md, "Citations"): ids of the works this paper cites, normalised as paper ids are
    # (``arxiv:…``, ``doi:…``, ``openalex:W…``, ``s2:…``, or an id given in the input), and other ids of this paper
    # in the same form, by which references of other papers can find it
    references: list[str] = field(default_factory=list)
    alt_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def citation_keys(self) -> list[str]:
        """Every id a reference may name this paper by: its id, ``arxiv:``/``doi:`` forms and ``alt_ids``."""
        keys = [self.id]
        if self.arxiv_id:
            keys.append(f"arxiv:{self.arxiv_id}")
        if self.doi:
            keys.append(f"doi:{self.doi.lower()}")
        keys.extend(self.alt_ids)
        return list(dict.fromkeys(keys))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(slots=True)
class Mention:
    """One occurrence: ``text == paper.<field>[start:end]``; ``sentence`` is the sentence holding it."""

    text: str
    field: Field
    start: int
    end: int
    sentence: str


@dataclass(slots=True)
class ExtractedEntity:
    """An entity found in one paper, before corpus-wide resolution."""

    name: str
    type: EntityType
    generic: bool
    role: Role
    confidence: float
    mentions: list[Mention]
    full_name: str | None = None
    extractor: str = "gazetteer"
    gazetteer_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Result:
    """A number the paper reports: ``text == paper.<field>[start:end]`` as written in ``sentence`` (docs/results.md).

    ``kind``: an absolute score, a gain over a baseline, or a rank. ``value`` is the number as written (sign
    included, unit not applied: 82.6 for "82.6%"); ``score`` the same on the metric's usual scale (0.826 accuracy
    -> 82.6), so that results of one metric compare. ``subject`` is the method or model that got it (``own``: the
    paper's own, named or not); the ``*_entity`` fields are the ordinals of those entities in
    ``PaperExtraction.entities`` (None: named by the results rules only, or not named)."""

    value: float
    text: str
    field: Field
    start: int
    end: int
    sentence: str
    kind: ResultKind
    benchmark: str
    benchmark_text: str | None = None  # the benchmark as written in the sentence
    unit: str | None = None  # "%", "points" or None (a plain number)
    metric: str | None = None
    subject: str | None = None
    subject_text: str | None = None  # the subject as written
    own: bool = False
    baseline: str | None = None
    setting: str | None = None
    score: float | None = None
    error: float | None = None  # the "± x" part, when written
    benchmark_entity: Any = None
    subject_entity: Any = None
    baseline_entity: Any = None
    extractor: str = "results"
    confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in RESULT_FIELDS}


RESULT_FIELDS: tuple[str, ...] = tuple(Result.__dataclass_fields__)


@dataclass(slots=True)
class PaperExtraction:
    """All entities of one paper (and the results it reports): one line of ``kg extract`` output."""

    id: str
    entities: list[ExtractedEntity]
    results: list[Result] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The exact public JSONL shape of ``kg extract``."""
        return {
            "id": self.id,
            "entities": [
                {
                    "name": e.name,
                    "type": e.type,
                    "generic": e.generic,
                    "role": e.role,
                    "confidence": round(e.confidence, 3),
                    "full_name": e.full_name,
                    "extractor": e.extractor,
                    "gazetteer_key": e.gazetteer_key,
                    "mentions": [  # not dataclasses.asdict: its deep copies cost a tenth of extracting
                        {"text": m.text, "field": m.field, "start": m.start, "end": m.end, "sentence": m.sentence}
                        for m in e.mentions
                    ],
                }
                for e in self.entities
            ],
            "results": [r.to_dict() for r in self.results],
        }


@dataclass(slots=True)
class Evidence:
    """Why an edge exists: the sentence and offsets in the paper, and which extractor saw it."""

    field: Field
    start: int
    end: int
    text: str
    sentence: str
    extractor: str
    confidence: float


@dataclass(slots=True)
class Entity:
    """One real-world method, model, dataset, benchmark or metric (a graph node)."""

    id: str
    name: str
    type: EntityType
    generic: bool = False
    full_name: str | None = None
    aliases: dict[str, int] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    family: str | None = None
    curated: list[str] = field(default_factory=list)  # what a person decided about it (overrides.yaml), in words


@dataclass(slots=True)
class Relation:
    """A typed edge from a paper to an entity, with its evidence."""

    paper_id: str
    entity_id: str
    kind: str  # PROPOSES | USES | EVALUATES_ON | MENTIONS
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 1.0
    curated: str | None = None  # the role a person gave it (overrides.yaml), when one did
