"""The gazetteer: known names of methods, models, datasets, benchmarks and metrics, loaded from JSONL data."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.extract.wordlists import PIPELINES_DIR, read_entries, word_pairs, word_set
from kg.ids import fold_text
from kg.types import ENTITY_TYPES

DEFAULT_GAZETTEER_DIR = PIPELINES_DIR / "gazetteer"

# British -> American spellings that occur in ML names (pipelines/wordlists/spelling.tsv); applied word by word on
# folded text.
_SPELLING = dict(word_pairs("spelling"))


@functools.lru_cache(maxsize=65536)
def spelling_key(text: str) -> str:
    """Fold case, accents, hyphens and spaces, and British spellings: the key for matching names loosely."""
    spelled = text.replace("+", " plus ").replace("*", " star ").replace("@", " at ")
    return " ".join(_SPELLING.get(word, word) for word in fold_text(spelled).split())


@dataclass(slots=True)
class GazetteerEntry:
    """One known entity; ``key`` is unique within a gazetteer (``type:name``)."""

    key: str
    name: str
    type: str
    full_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    generic: bool = False
    case_sensitive: bool = False
    family: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def surface_forms(self) -> list[str]:
        """Name, aliases and full name, without "X model" / "X dataset" forms when "X" is itself a form:
        the head noun is a cue to the type, not part of the name (the mention is "MATH", not "MATH dataset")."""
        forms = [self.name, *(self.aliases or [])]
        if self.full_name:
            forms.append(self.full_name)
        seen: dict[str, None] = {}
        for form in forms:
            if form and form.strip():
                seen.setdefault(form.strip(), None)
        lowered = {form.lower() for form in seen}
        kept = []
        for form in seen:
            head_split = form.rsplit(" ", 1)
            multi_part = len(head_split) == 2 and ("-" in head_split[0] or " " in head_split[0])
            if (
                len(head_split) == 2
                and head_split[1].lower() in HEAD_NOUNS
                and head_split[0].lower() in lowered
                and not multi_part  # "Bradley-Terry model", "query likelihood model" keep their head noun
            ):
                continue
            kept.append(form)
        return kept


# "X model" is the entity "X" when "X" is a surface form too (``surface_forms``)
HEAD_NOUNS = word_set("head_nouns")
_WORDY = re.compile(r"^[A-Za-z][a-z]+$")


@dataclass
class Gazetteer:
    """All entries, with lookup tables from exact and folded surface forms to entry keys."""

    entries: dict[str, GazetteerEntry] = field(default_factory=dict)
    exact: dict[str, str] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)

    def add(self, entry: GazetteerEntry) -> None:
        existing = self.entries.get(entry.key)
        if existing is not None:
            # a user file may extend a shipped entry: merge aliases and ids, later fields win when set
            existing.aliases = list(dict.fromkeys([*existing.aliases, *entry.aliases]))
            existing.ids.update(entry.ids)
            existing.full_name = entry.full_name or existing.full_name
            entry = existing
        else:
            self.entries[entry.key] = entry
        for form in entry.surface_forms():
            self.exact.setdefault(form, entry.key)
            if not entry.case_sensitive:
                self.folded.setdefault(spelling_key(form), entry.key)

    def lookup(self, text: str) -> GazetteerEntry | None:
        """The entry named by ``text``: exact first, then case/spelling-folded (never for case-sensitive names)."""
        key = self.exact.get(text)
        if key is None:
            key = self.folded.get(spelling_key(text))
        return self.entries.get(key) if key else None

    def __len__(self) -> int:
        return len(self.entries)


def _parse_entry(data: object, path: Path, line: int) -> GazetteerEntry:
    if not isinstance(data, dict):
        raise InputError(str(path), line, "gazetteer line must be a JSON object")
    name = data.get("name")
    etype = data.get("type")
    if not isinstance(name, str) or not name.strip():
        raise InputError(str(path), line, "gazetteer entry needs a non-empty 'name'")
    if etype not in ENTITY_TYPES:
        raise InputError(str(path), line, f"gazetteer entry {name!r} has type {etype!r}; use one of {ENTITY_TYPES}")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InputError(str(path), line, f"'aliases' of {name!r} must be a list of strings")
    ids = {k: str(v) for k, v in (data.get("ids") or {}).items() if v}
    return GazetteerEntry(
        key=f"{etype}:{name.strip()}",
        name=name.strip(),
        type=etype,
        full_name=(data.get("full_name") or None),
        aliases=[a.strip() for a in aliases if a.strip()],
        generic=bool(data.get("generic", False)),
        case_sensitive=bool(data.get("case_sensitive", False)),
        family=data.get("family") or None,
        ids=ids,
        source=f"{path.name}:{line}",
    )


def iter_gazetteer_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.exists():
            files.append(path)
        else:
            raise InputError(str(path), None, "gazetteer file not found")
    return files


def load_gazetteer(paths: Iterable[str | Path] = (DEFAULT_GAZETTEER_DIR,)) -> Gazetteer:
    """Load gazetteer JSONL files (directories are expanded to their ``*.jsonl`` files, sorted)."""
    gazetteer = Gazetteer()
    for path in iter_gazetteer_files(paths):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if not line or line.startswith("//"):
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), number, f"not valid JSON: {exc.msg}") from None
                gazetteer.add(_parse_entry(data, path, number))
    return gazetteer


def load_wordlist(path: Path) -> frozenset[str]:
    """A list file as a set (``wordlists.read_entries``: one string per line, ``#`` starts a comment); empty when
    the file does not exist."""
    return frozenset(read_entries(path)) if path.exists() else frozenset()
