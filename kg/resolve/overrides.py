"""User curation of a build: a YAML file (``OUT/overrides.yaml`` by default) that wins over every automatic decision.

```yaml
same:                      # these names are one entity
  - [DPO, Direct Preference Optimisation]
different:                 # these names are different entities, whatever the gazetteer or folding says
  - [RewardBench, RewardBench 2]
not-entity:                # not an entity at all (a journal section, a common word): left out everywhere
  - Squibs
type:                      # the entity's type, whatever extraction said
  MT-Bench: benchmark
role:                      # how one paper relates to one entity: proposes, uses, mentions, or none (no link)
  - [2305.18290, DPO, proposes]
min-confidence: 0.5        # extracted entities below this confidence are left out
```
A single group may be written flat: ``same: [a, b]``. Names match as the name lookup matches them (case, hyphens,
spaces and British spellings folded); a paper is named by its id or its title. ``kg curate`` edits the file
(``kg.resolve.curation``); ``kg build`` and ``kg add`` apply it. Curations that contradict each other (a name
both ``not-entity`` and typed, two types for one name, ``same`` and ``different`` for one pair) are refused
with one line naming them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.extract.gazetteer import spelling_key
from kg.extract.shapes import strip_plural
from kg.types import ENTITY_TYPES, ROLES

MERGE_KEYS = ("same", "different")  # how resolution groups names
CURATION_KEYS = ("not-entity", "type", "role", "min-confidence")  # what else a person decides
KEYS = (*MERGE_KEYS, *CURATION_KEYS)
CURATED_ROLES = (*ROLES, "none")  # none: the paper has no link to the entity


def _compact(text: str) -> str:
    return spelling_key(text).replace(" ", "")


def curation_key(name: str) -> str:
    """How curated names match: the name lookup's folded key (``kg.graph.names.lookup_key``)."""
    text = str(name).strip()
    return spelling_key(strip_plural(text) or text).replace(" ", "")


def _groups(value: Any, path: Path, key: str) -> list[list[str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(str(path), None, f"'{key}' must be a list of names or a list of lists of names")
    if all(isinstance(item, str) for item in value):
        value = [value]
    groups = []
    for item in value:
        if not isinstance(item, list) or len(item) < 2 or not all(isinstance(n, str) and n.strip() for n in item):
            raise InputError(str(path), None, f"each '{key}' group must list at least two names, got {item!r}")
        groups.append([n.strip() for n in item])
    return groups


def _names(value: Any, path: Path, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(n, str) and n.strip() for n in value):
        raise InputError(str(path), None, f"'{key}' must be a list of names, got {value!r}")
    return [n.strip() for n in value]


def _types(value: Any, path: Path) -> dict[str, str]:
    if value is None:
        return {}
    pairs = list(value.items()) if isinstance(value, Mapping) else value
    if not isinstance(pairs, list):
        raise InputError(str(path), None, f"'type' must map names to types (name: benchmark), got {value!r}")
    found: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise InputError(str(path), None, f"each 'type' entry is a name and a type, got {pair!r}")
        name, etype = pair[0].strip(), pair[1].strip().lower()
        if etype not in ENTITY_TYPES:
            raise InputError(str(path), None, f"type of {name!r}: {etype!r}; choose one of {', '.join(ENTITY_TYPES)}")
        found[name] = etype
    return found


def _roles(value: Any, path: Path) -> list[list[str]]:
    if value is None:
        return []
    if isinstance(value, list) and len(value) == 3 and all(isinstance(x, str) for x in value):
        value = [value]
    if not isinstance(value, list):
        raise InputError(str(path), None, f"'role' must be a list of [paper, name, role], got {value!r}")
    roles = []
    for item in value:
        if not isinstance(item, list) or len(item) != 3 or not all(isinstance(x, str | int) for x in item):
            raise InputError(str(path), None, f"each 'role' entry is [paper, name, role], got {item!r}")
        paper, name, role = (str(x).strip() for x in item)
        role = role.lower().replace("_", "-")
        role = "uses" if role in ("evaluates-on", "evaluates", "evaluated-on") else role
        if role not in CURATED_ROLES:
            raise InputError(
                str(path), None, f"role of {name!r} in {paper}: {role!r}; choose {', '.join(CURATED_ROLES)}"
            )
        roles.append([paper, name, role])
    return roles


def _confidence(value: Any, path: Path) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InputError(str(path), None, f"'min-confidence' must be a number from 0 to 1, got {value!r}")
    return float(value)


@dataclass
class Overrides:
    """Curation decided by a person: merges and splits, names that are not entities, types, roles, and the lowest
    confidence admitted. They win over every automatic decision."""

    same: list[list[str]] = field(default_factory=list)
    different: list[list[str]] = field(default_factory=list)
    not_entity: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    roles: list[list[str]] = field(default_factory=list)
    min_confidence: float | None = None

    @classmethod
    def load(cls, path: str | Path) -> Overrides:
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(str(path), mark.line + 1 if mark else None, f"not valid YAML: {exc}") from None
        except OSError as exc:
            raise InputError(str(path), None, f"cannot read overrides: {exc.strerror}") from None
        return cls.from_data(data, path)

    @classmethod
    def from_data(cls, data: Any, path: str | Path = "overrides.yaml") -> Overrides:
        """Overrides from the parsed YAML; ``InputError`` naming ``path`` for a bad or contradictory entry."""
        path = Path(path)
        if not isinstance(data, Mapping):
            raise InputError(str(path), 1, f"overrides must be a mapping with keys among {', '.join(KEYS)}")
        unknown = set(data) - set(KEYS) - {"not_entity", "min_confidence"}
        if unknown:
            raise InputError(str(path), None, f"unknown key(s) {sorted(unknown)}; use {', '.join(KEYS)}")
        found = cls(
            _groups(data.get("same"), path, "same"),
            _groups(data.get("different"), path, "different"),
            _names(data.get("not-entity", data.get("not_entity")), path, "not-entity"),
            _types(data.get("type"), path),
            _roles(data.get("role"), path),
            _confidence(data.get("min-confidence", data.get("min_confidence")), path),
        )
        problem = found.conflict()
        if problem:
            raise InputError(str(path), None, f"conflicting curation: {problem}")
        return found

    def to_dict(self) -> dict[str, Any]:
        """What the build state records (the curation a build was made with; ``kg add`` needs the same). Empty
        curation fields are left out, so that a build without them records what kg 0.2 recorded."""
        data: dict[str, Any] = {"same": self.same, "different": self.different}
        for name in ("not_entity", "types", "roles", "min_confidence"):
            value = getattr(self, name)
            if value not in (None, [], {}):
                data[name] = value
        return data

    def to_yaml_data(self) -> dict[str, Any]:
        """The file's layout (``kg curate`` writes it): only the keys in use."""
        data: dict[str, Any] = {}
        for key, value in (
            ("same", self.same),
            ("different", self.different),
            ("not-entity", self.not_entity),
            ("type", self.types),
            ("role", self.roles),
            ("min-confidence", self.min_confidence),
        ):
            if value not in (None, [], {}):
                data[key] = value
        return data

    def curates(self) -> bool:
        """True when anything beyond ``same`` / ``different`` is asked for."""
        return bool(self.not_entity or self.types or self.roles or self.min_confidence is not None)

    def conflict(self) -> str | None:
        """The first pair of contradicting curations, in words; None when they agree."""
        dropped = {curation_key(n): n for n in self.not_entity}
        for name, etype in self.types.items():
            if curation_key(name) in dropped:
                return f"{name!r} is under not-entity and under type ({etype}); keep one"
        typed: dict[str, tuple[str, str]] = {}
        for name, etype in self.types.items():
            other = typed.get(curation_key(name))
            if other is not None and other[1] != etype:
                return f"{other[0]!r} is typed {other[1]} and {name!r} {etype}; they are one name"
            typed[curation_key(name)] = (name, etype)
        for kind, groups in (("same", self.same), ("different", self.different)):
            for group in groups:
                for name in group:
                    if curation_key(name) in dropped:
                        return f"{name!r} is under not-entity and in a '{kind}' group; keep one"
        for paper, name, role in self.roles:
            if curation_key(name) in dropped:
                return f"{name!r} is under not-entity and has a role ({role}) in {paper}; keep one"
        for group in self.same:
            wanted = {curation_key(n) for n in group}
            for apart in self.different:
                both = [n for n in apart if curation_key(n) in wanted]
                if len({curation_key(n) for n in both}) >= 2:
                    return f"{both[0]!r} and {both[1]!r} are both 'same' and 'different'; keep one"
        seen: dict[tuple[str, str], str] = {}
        for paper, name, role in self.roles:
            at = (paper.casefold(), curation_key(name))
            if at in seen and seen[at] != role:
                return f"{name!r} in {paper} has two roles ({seen[at]} and {role}); keep one"
            seen[at] = role
        return None

    def forced_key(self, name: str, mention_texts: Sequence[str]) -> str | None:
        """The key of a name listed under ``different``: each listed name becomes its own entity."""
        if not self.different:
            return None
        spellings = {_compact(name), *(_compact(text) for text in mention_texts)}
        for group in self.different:
            for member in group:
                if _compact(member) in spellings:
                    return "user:" + _compact(member)
        return None

    def merge_groups(self, members: Mapping[str, Sequence[tuple[str, Any]]]) -> list[set[str]]:
        """For each ``same`` group, the keys whose entities carry any of the group's names."""
        merges = []
        for group in self.same:
            wanted = {_compact(name) for name in group}
            keys = {
                key
                for key, found in members.items()
                for _, entity in found
                if _compact(entity.name) in wanted or any(_compact(m.text) in wanted for m in entity.mentions)
            }
            if len(keys) > 1:
                merges.append(keys)
        return merges
