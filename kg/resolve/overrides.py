"""User overrides of resolution: a YAML file of merges (``same``) and splits (``different``).

```yaml
same:                      # these names are one entity
  - [DPO, Direct Preference Optimisation]
different:                 # these names are different entities, whatever the gazetteer or folding says
  - [RewardBench, RewardBench 2]
```
A single group may be written flat: ``same: [a, b]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.extract.gazetteer import spelling_key


def _compact(text: str) -> str:
    return spelling_key(text).replace(" ", "")


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


@dataclass
class Overrides:
    """Merges and splits decided by a person; they win over every automatic decision."""

    same: list[list[str]] = field(default_factory=list)
    different: list[list[str]] = field(default_factory=list)

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
        if not isinstance(data, Mapping):
            raise InputError(str(path), 1, "overrides must be a mapping with 'same' and/or 'different'")
        unknown = set(data) - {"same", "different"}
        if unknown:
            raise InputError(str(path), None, f"unknown key(s) {sorted(unknown)}; use 'same' and 'different'")
        return cls(_groups(data.get("same"), path, "same"), _groups(data.get("different"), path, "different"))

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
