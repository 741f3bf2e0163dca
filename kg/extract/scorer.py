"""The learned candidate scorer (component ``kg_scorer``): names of a junk shape (``kg.extract.junk``) are dropped,
then a logistic regression over features of each remaining entity gives its confidence, and entities under the
model's threshold are dropped. Trained on hand-annotated abstracts by ``kg train`` into ``pipelines/scorer.json``.

Gazetteer entities and generic paradigms are scored but never dropped: the scorer judges what the rules guessed
from shapes and patterns. The features are plain functions of the entity (its name's shape, the rule that found
it, its type and role, its mentions), so scoring costs microseconds and the model is a short JSON file of weights.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.junk import is_junk
from kg.extract.wordlists import PIPELINES_DIR
from kg.types import ENTITY_TYPES, ROLES, ExtractedEntity

MODEL_FILE = PIPELINES_DIR / "scorer.json"
SOURCES = ("gazetteer", "abbreviation", "title", "pattern", "shape")
_DIGIT_GROUPS = re.compile(r"\d+")
_ENUMERATION = re.compile(r"[A-Z]{1,2}\d{1,2}")  # Q1, M2, T9, P3: labels of a list, not names
_STARTS_WITH_DIGIT_WORD = re.compile(r"\d[A-Z][a-z]")  # "1However", "1Department": a footnote mark glued on
_LOWER_UPPER_LOWER = re.compile(r"[a-z][A-Z][a-z]")  # "rEduit", "withDPO": glued or misread words
_FORMULA = re.compile(r"[()=^{}\\$]|\bO\(")
_ODD = re.compile(r"[~%|<>@#*]")


def entity_features(entity: ExtractedEntity) -> dict[str, float]:
    """The features the scorer reads, by name (missing names count as 0)."""
    name = entity.name
    letters = [c for c in name if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    words = name.split()
    texts = {m.text for m in entity.mentions}
    features: dict[str, float] = dict(  # feature names are the model file's keys, not vocabulary
        [
            (f"source={entity.extractor}", 1.0),
            (f"type={entity.type}", 1.0),
            (f"role={entity.role}", 1.0),
            ("gazetteer", float(entity.gazetteer_key is not None)),
            ("long form", float(bool(entity.full_name))),
            ("generic", float(entity.generic)),
            ("log mentions", math.log1p(len(entity.mentions))),
            ("distinct texts", float(len(texts) > 1)),
            ("in title", float(any(m.field == "title" for m in entity.mentions))),
            ("log length", math.log1p(len(name))),
            ("words", float(min(len(words), 6))),
            ("all caps", float(bool(letters) and upper == len(letters))),
            ("upper ratio", upper / len(letters) if letters else 0.0),
            ("no letters", float(not letters)),
            ("has digit", float(any(c.isdigit() for c in name))),
            ("two digit groups", float(len(_DIGIT_GROUPS.findall(name)) >= 2)),
            ("starts with digit", float(name[:1].isdigit())),
            ("digit glued to a word", float(bool(_STARTS_WITH_DIGIT_WORD.match(name)))),
            ("ends with digit", float(name[-1:].isdigit())),
            ("enumeration label", float(bool(_ENUMERATION.fullmatch(name)))),
            ("lower-upper-lower", float(bool(_LOWER_UPPER_LOWER.search(name)))),
            ("starts lowercase", float(name[:1].islower())),
            ("formula", float(bool(_FORMULA.search(name)))),
            ("odd character", float(bool(_ODD.search(name)))),
            ("hyphen", float("-" in name)),
            ("title case words", float(len(words) >= 2 and all(w[:1].isupper() for w in words))),
            ("one capitalised word", float(len(words) == 1 and name[:1].isupper() and upper == 1 and len(name) > 1)),
            ("short", float(len(name) <= 2)),
            ("rule confidence", entity.confidence),
        ]
    )
    return features


FEATURE_NAMES: tuple[str, ...] = (
    *(f"source={source}" for source in SOURCES),
    *(f"type={etype}" for etype in ENTITY_TYPES),
    *(f"role={role}" for role in ROLES),
    *(
        name
        for name in entity_features(ExtractedEntity("x", "method", False, "uses", 0.5, [], extractor="shape"))
        if "=" not in name
    ),
)


class Scorer:
    """A trained model: weights by feature name, a bias and the threshold an entity must reach to be kept."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float) -> None:
        self.weights = weights
        self.bias = bias
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Scorer:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), float(data["bias"]), float(data["threshold"]))

    def score(self, entity: ExtractedEntity) -> float:
        """The probability that ``entity`` is a real named entity of its paper."""
        weights = self.weights
        total = self.bias + sum(weights.get(name, 0.0) * value for name, value in entity_features(entity).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))

    def keep(self, entities: Sequence[ExtractedEntity]) -> list[ExtractedEntity]:
        """The entities worth keeping (no junk shape, score over the threshold), each with its score as confidence."""
        kept = []
        for entity in entities:
            if is_junk(entity, entities):
                continue
            score = self.score(entity)
            if score >= self.threshold or entity.gazetteer_key is not None or entity.generic:
                entity.confidence = round(score, 3)
                kept.append(entity)
        return kept


@functools.cache
def _scorer(path: str) -> Scorer:
    return Scorer.load(Path(path))


@Language.factory("kg_scorer", default_config={"model_path": str(MODEL_FILE)})
def make_scorer(nlp: Language, name: str, model_path: str) -> ScorerComponent:
    return ScorerComponent(_scorer(model_path))


class ScorerComponent:
    """Keeps the entities of ``doc._.kg_entities`` that the scorer accepts."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def __call__(self, doc: Doc) -> Doc:
        if doc._.kg_entities:
            doc._.kg_entities = self.scorer.keep(doc._.kg_entities)
        return doc
