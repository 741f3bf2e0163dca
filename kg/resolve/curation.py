"""Curation applied: what ``overrides.yaml`` says beyond merges and splits, and ``kg curate``'s edits of the file.

Two places apply it, so that ``kg build``, ``kg add`` and the Python API agree:
- ``admitted``: before resolution, an extracted entity named ``not-entity`` or below ``min-confidence`` is
  dropped (the resolver calls it on every batch; what is dropped never reaches the state, the graph or the site);
- ``Curator``: when entities and relations are read from the resolution (``kg.graph.state_view``), an entity's
  ``type`` and a paper's ``role`` for an entity are set as the person said, and noted in ``curated`` (the entity
  page shows it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from kg.errors import InputError, KgError
from kg.ids import fold_text
from kg.resolve.overrides import KEYS, Overrides, curation_key
from kg.resolve.relations import RELATION_OF_ROLE
from kg.types import Entity, ExtractedEntity, Paper, PaperExtraction, Relation

# ------------------------------------------------------------------------------------- before resolution


def _dropped(overrides: Overrides) -> frozenset[str]:
    cached = getattr(overrides, "_dropped_keys", None)
    if cached is None or cached[0] != overrides.not_entity:
        cached = (list(overrides.not_entity), frozenset(curation_key(n) for n in overrides.not_entity))
        overrides._dropped_keys = cached  # type: ignore[attr-defined]
    return cached[1]


def is_admitted(entity: ExtractedEntity, overrides: Overrides) -> bool:
    """False for an extracted entity the curation leaves out (a ``not-entity`` name, or ``min-confidence``)."""
    if overrides.min_confidence is not None and entity.confidence < overrides.min_confidence:
        return False
    if overrides.not_entity:
        dropped = _dropped(overrides)
        names = (entity.name, entity.full_name or "", *(m.text for m in entity.mentions))
        if any(curation_key(name) in dropped for name in names if name):
            return False
    return True


def admitted(extraction: PaperExtraction, overrides: Overrides | None) -> PaperExtraction:
    """``extraction`` without the entities the curation leaves out (the same object when it leaves out none)."""
    if overrides is None or (not overrides.not_entity and overrides.min_confidence is None):
        return extraction
    kept = [entity for entity in extraction.entities if is_admitted(entity, overrides)]
    return extraction if len(kept) == len(extraction.entities) else PaperExtraction(extraction.id, kept)


def admitted_all(extractions: Mapping[str, PaperExtraction], overrides: Overrides | None) -> dict[str, PaperExtraction]:
    if overrides is None or (not overrides.not_entity and overrides.min_confidence is None):
        return dict(extractions)
    return {paper_id: admitted(extraction, overrides) for paper_id, extraction in extractions.items()}


# ------------------------------------------------------------------------------------- reading the resolution


def entity_keys(entity: Entity) -> set[str]:
    return {curation_key(name) for name in (entity.name, entity.full_name, *entity.aliases) if name}


class Curator:
    """Types and roles as the curation sets them, on the entities and relations read from a resolution."""

    def __init__(self, overrides: Overrides) -> None:
        self.overrides = overrides
        self.types = {curation_key(name): (name, etype) for name, etype in overrides.types.items()}
        self.roles: dict[str, list[tuple[str, str, str]]] = {}
        for paper, name, role in overrides.roles:
            for ref in {paper.strip(), fold_text(paper)}:
                self.roles.setdefault(ref, []).append((curation_key(name), role, name))
        self.retyped: set[str] = set()  # entity ids whose type the curation set
        self._keys: dict[str, set[str]] = {}
        self._by_key: dict[str, str] | None = None  # curation key of any name -> entity id (for added links)

    def __bool__(self) -> bool:
        return bool(self.types or self.roles)

    def entities(self, entities: Iterable[Entity], merged: Mapping[str, str], keys: Mapping[str, str]) -> None:
        """Set curated types, and note on each entity what the curation decided about it (``keys``: entity id ->
        resolution key; ``merged``: key -> the key an override merged it into)."""
        merged_into: dict[str, list[str]] = {}
        for key, target in merged.items():
            merged_into.setdefault(target, []).append(key)
        for entity in entities:
            key = keys.get(entity.id, "")
            if key in merged_into:
                group = self._group(self.overrides.same, entity)
                entity.curated.append("merged by hand (same: " + ", ".join(group) + ")" if group else "merged by hand")
            if key.startswith("user:"):
                group = self._group(self.overrides.different, entity)
                others = [n for n in group if curation_key(n) not in entity_keys(entity)]
                entity.curated.append("kept apart by hand" + (f" from {', '.join(others)}" if others else ""))
            if not self.types:
                continue
            found = {self.types[k] for k in entity_keys(entity) if k in self.types}
            if len({etype for _, etype in found}) > 1:
                said = ", ".join(f"{name!r}: {etype}" for name, etype in sorted(found))
                raise KgError(f"conflicting curation: {entity.name} is one entity but is typed {said}; keep one")
            if found:
                ((_, etype),) = found
                if etype != entity.type:
                    entity.curated.append(f"type {etype} by hand (extraction said {entity.type})")
                else:
                    entity.curated.append(f"type {etype} confirmed by hand")
                entity.type = etype  # type: ignore[assignment]
                self.retyped.add(entity.id)

    @staticmethod
    def _group(groups: Sequence[Sequence[str]], entity: Entity) -> list[str]:
        keys = entity_keys(entity)
        for group in groups:
            if any(curation_key(name) in keys for name in group):
                return list(group)
        return []

    def relations(self, paper: Paper, relations: list[Relation], entities: Mapping[str, Entity]) -> list[Relation]:
        """A paper's relations with the curated roles (``none``: dropped) and kinds that follow curated types."""
        if not self:
            return relations
        wanted = self.roles.get(paper.id, []) + (self.roles.get(fold_text(paper.title), []) if paper.title else [])
        if not wanted and not self.retyped:
            return relations
        kept = []
        for relation in relations:
            entity = entities.get(relation.entity_id)
            if entity is None:
                kept.append(relation)
                continue
            if relation.entity_id in self.retyped:
                if entity.type == "benchmark" and relation.kind == "USES":
                    relation.kind = "EVALUATES_ON"
                elif entity.type != "benchmark" and relation.kind == "EVALUATES_ON":
                    relation.kind = "USES"
            role = None
            if wanted:
                keys = self._keys.get(entity.id)
                if keys is None:
                    keys = self._keys[entity.id] = entity_keys(entity)
                role = next((r for key, r, _ in wanted if key in keys), None)
            if role == "none":
                continue
            if role is not None:
                relation.kind = (
                    "EVALUATES_ON" if role == "uses" and entity.type == "benchmark" else RELATION_OF_ROLE[role]
                )
                relation.curated = role
            kept.append(relation)
        return kept + self._added(paper, kept, wanted, entities)

    def _added(
        self, paper: Paper, kept: list[Relation], wanted: list[tuple[str, str, str]], entities: Mapping[str, Entity]
    ) -> list[Relation]:
        """The links a person added: a curated role for an entity that extraction missed in this paper (the
        entity must be in the graph; it has no evidence sentence, only ``curated``)."""
        if not wanted:
            return []
        if self._by_key is None:
            self._by_key = {}
            for entity in entities.values():
                for key in entity_keys(entity):
                    self._by_key.setdefault(key, entity.id)
        linked = {relation.entity_id for relation in kept}
        added = []
        for key, role, _ in wanted:
            entity_id = self._by_key.get(key)
            if role == "none" or entity_id is None or entity_id in linked:
                continue
            etype = entities[entity_id].type
            kind = "EVALUATES_ON" if role == "uses" and etype == "benchmark" else RELATION_OF_ROLE[role]
            added.append(Relation(paper.id, entity_id, kind, curated=role))
            linked.add(entity_id)
        return added


# ------------------------------------------------------------------------------------- kg curate: editing the file

HEADER = (
    "# The curation of this build: kg build and kg add apply it, kg curate edits it (keep it under version\n"
    "# control). Keys: same, different, not-entity, type, role, min-confidence (docs/curation.md).\n"
)
ACTIONS = KEYS  # kg curate ACTION: one per key of the file


def load_file(path: Path) -> Overrides:
    """The curation in ``path``; empty when the file does not exist yet."""
    return Overrides.load(path) if Path(path).exists() else Overrides()


def render(overrides: Overrides, header: str = HEADER) -> str:
    import yaml

    data = overrides.to_yaml_data()
    body = (
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000) if data else ""
    )
    return header + body


def _same_name(a: str, b: str) -> bool:
    return curation_key(a) == curation_key(b)


def _edit_groups(groups: list[list[str]], names: list[str], undo: bool) -> str:
    if len(names) < 2:
        raise KgError("give at least two names")
    wanted = {curation_key(n) for n in names}
    if undo:
        before = len(groups)
        groups[:] = [
            g for g in groups if {curation_key(n) for n in g} != wanted and not wanted <= {curation_key(n) for n in g}
        ]
        return "removed" if len(groups) < before else "was not there"
    for group in groups:
        if wanted <= {curation_key(n) for n in group}:
            return "already there"
    groups.append(list(dict.fromkeys(names)))
    return "added"


def _checked(data: dict) -> Overrides:
    """The curation of ``data``, checked as a file would be (its types, roles, and that nothing contradicts)."""
    try:
        return Overrides.from_data(data)
    except InputError as exc:
        raise KgError(exc.message) from None


def edit(overrides: Overrides, action: str, args: Sequence[str], undo: bool = False) -> tuple[Overrides, str]:
    """A copy of ``overrides`` with one curation added (or removed, with ``undo``) and what happened, in words.
    Raises ``KgError`` for a wrong action or arguments, and for a curation that contradicts another."""
    import copy

    result = copy.deepcopy(overrides)
    args = [str(a).strip() for a in args]
    if action == "not-entity":
        if not args:
            raise KgError("not-entity: give one or more names")
        done = []
        for name in args:
            present = [n for n in result.not_entity if _same_name(n, name)]
            if undo:
                result.not_entity = [n for n in result.not_entity if not _same_name(n, name)]
                done.append(f"{name} {'removed' if present else 'was not there'}")
            elif present:
                done.append(f"{name} already there")
            else:
                result.not_entity.append(name)
                done.append(f"{name} added")
        what = "not-entity " + "; ".join(done)
    elif action == "type":
        if undo and len(args) in (1, 2):
            before = len(result.types)
            result.types = {n: t for n, t in result.types.items() if not _same_name(n, args[0])}
            what = f"type of {args[0]} {'removed' if len(result.types) < before else 'was not set'}"
        elif len(args) != 2:
            raise KgError("type: give NAME TYPE, e.g. kg curate type MT-Bench benchmark")
        else:
            name, etype = args
            data = result.to_yaml_data()
            types = {n: t for n, t in result.types.items() if not _same_name(n, name)}
            types[name] = etype.lower()
            data["type"] = types
            result = _checked(data)
            what = f"type {name}: {etype.lower()}"
    elif action == "role":
        if undo and len(args) in (2, 3):
            before = len(result.roles)
            result.roles = [r for r in result.roles if not (r[0] == args[0] and _same_name(r[1], args[1]))]
            what = f"role of {args[1]} in {args[0]} {'removed' if len(result.roles) < before else 'was not set'}"
        elif len(args) != 3:
            raise KgError("role: give PAPER NAME ROLE (proposes, uses, mentions or none)")
        else:
            paper, name, role = args
            data = result.to_yaml_data()
            roles = [r for r in result.roles if not (r[0] == paper and _same_name(r[1], name))]
            data["role"] = [*roles, [paper, name, role]]
            result = _checked(data)
            what = f"role of {name} in {paper}: {result.roles[-1][2]}"
    elif action in ("same", "different"):
        groups = result.same if action == "same" else result.different
        what = f"{action} {', '.join(args)}: {_edit_groups(groups, args, undo)}"
    elif action == "min-confidence":
        if undo:
            result.min_confidence = None
            what = "min-confidence removed"
        else:
            if len(args) != 1:
                raise KgError("min-confidence: give one number from 0 to 1")
            try:
                value = float(args[0])
            except ValueError:
                raise KgError(f"min-confidence {args[0]}: not a number from 0 to 1") from None
            if not 0 <= value <= 1:
                raise KgError(f"min-confidence {args[0]}: not a number from 0 to 1")
            result.min_confidence = value
            what = f"min-confidence {value:g}"
    else:
        raise KgError(f"unknown curation {action!r}; choose {', '.join(ACTIONS)}")
    problem = result.conflict()
    if problem:
        raise KgError(f"conflicting curation: {problem}")
    return result, what


def edit_file(path: str | Path, action: str, args: Sequence[str], undo: bool = False) -> tuple[Overrides, str]:
    """Apply ``edit`` to the curation file ``path`` and write it back atomically (created when missing)."""
    from kg.atomic import write_text_atomic

    path = Path(path)
    before = load_file(path)
    after, what = edit(before, action, args, undo)
    if after != before or not path.exists():
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        write_text_atomic(path, render_keeping_comments(text, after) if text.strip() else render(after))
    return after, what


def render_keeping_comments(text: str, overrides: Overrides) -> str:
    """``overrides`` written over the file ``text`` with ruamel.yaml's round trip, so the comments a person wrote
    anywhere in it stay beside what they describe: entries that remain keep their place (and comments), removed
    ones go, new ones are appended."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()  # round-trip mode
    yaml.width = 1000
    yaml.indent(mapping=2, sequence=4, offset=2)  # "  - item", as kg curate writes a new file
    document = yaml.load(text)
    if not isinstance(document, CommentedMap):  # only comments so far (or something Overrides.load refused)
        return render(overrides, _leading_comments_of(text))
    wanted = overrides.to_yaml_data()
    for key in [k for k in document if k not in wanted]:
        del document[key]
    for key, value in wanted.items():
        document[key] = _merged(document.get(key), _node(value))
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _merged(old: object, new: object) -> object:
    """``new``, reusing the nodes of ``old`` (a round-trip list or map) for the entries both have."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(old, CommentedSeq) and isinstance(new, list):
        kept = [item for item in old if _plain(item) in [_plain(n) for n in new]]
        for item in [item for item in old if item not in kept]:
            old.remove(item)
        for item in new:
            if _plain(item) not in [_plain(k) for k in kept]:
                old.append(item)
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if key not in old or _plain(old[key]) != _plain(value):
                old[key] = value
        return old
    return new


def _node(value: object) -> object:
    """A plain value as a round-trip node; lists inside lists in flow style (``- [ORPO, odds ratio ...]``)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        return CommentedMap((k, _node(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        seq = CommentedSeq([_flow(v) if isinstance(v, list | tuple) else _node(v) for v in value])
        return seq
    return value


def _flow(value: list | tuple) -> object:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(list(value))
    seq.fa.set_flow_style()
    return seq


def _plain(value: object) -> object:
    """A round-trip node as plain Python, to compare with what ``Overrides`` gives."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _leading_comments_of(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else HEADER


def describe(overrides: Overrides) -> list[str]:
    """The curation, one line per decision (``kg curate show``)."""
    lines = [f"same: {', '.join(g)}" for g in overrides.same]
    lines += [f"different: {', '.join(g)}" for g in overrides.different]
    lines += [f"not-entity: {n}" for n in overrides.not_entity]
    lines += [f"type: {n} -> {t}" for n, t in overrides.types.items()]
    lines += [f"role: {p} {n} -> {r}" for p, n, r in overrides.roles]
    if overrides.min_confidence is not None:
        lines.append(f"min-confidence: {overrides.min_confidence:g}")
    return lines
