"""Names that are never entities: identifiers and text-extraction artefacts (``pipelines/rules/junk_names.txt``).

Each rule is a regex over the whole name; a ``[bracketed]`` rule needs a mention right inside brackets (a citation
key "[GJW89]", not the shared task "WMT14"), a ``[listed]`` rule another name of the abstract with the same shape
and first letter (the labels "Q1, Q2" of a list, not the model "T5" alone).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.extract.wordlists import PIPELINES_DIR, read_entries
from kg.types import ExtractedEntity

JUNK_FILE = PIPELINES_DIR / "rules" / "junk_names.txt"
_TAG = re.compile(r"\[(bracketed|listed)\] ")


@dataclass(frozen=True)
class JunkRule:
    pattern: re.Pattern[str]
    condition: str | None  # None, "bracketed" or "listed"


@functools.cache
def junk_rules() -> tuple[JunkRule, ...]:
    rules = []
    for line in read_entries(JUNK_FILE):
        rule = line.split("  # ", 1)[0].strip()
        tag = _TAG.match(rule)
        rules.append(JunkRule(re.compile(rule[tag.end() :] if tag else rule), tag.group(1) if tag else None))
    return tuple(rules)


def _bracketed(entity: ExtractedEntity) -> bool:
    return any(
        f"[{m.text}" in m.sentence or f"{m.text}]" in m.sentence or f"({m.text})" in m.sentence for m in entity.mentions
    )


def is_junk(entity: ExtractedEntity, others: Sequence[ExtractedEntity]) -> bool:
    """True when ``entity`` (not from the gazetteer) has a junk shape; ``others``: the abstract's other entities."""
    if entity.gazetteer_key is not None:
        return False
    for rule in junk_rules():
        if not rule.pattern.fullmatch(entity.name):
            continue
        if rule.condition is None:
            return True
        if rule.condition == "bracketed" and _bracketed(entity):
            return True
        if rule.condition == "listed" and any(
            other is not entity and other.name[:1] == entity.name[:1] and rule.pattern.fullmatch(other.name)
            for other in others
        ):
            return True
    return False
