"""``kg add`` keeps the whole-graph outputs current in proportion to the change (``docs/incremental.md``).

graph.json and graph.ttl are spliced (``kg.sinks.splice``): the old file with the blocks of the papers that changed
written again; the site gets the pages of the touched papers and entities and its index pages
(``kg.sinks.site.update_site``); index.html (the whole-graph view) is written again from the graph. An output
that is stale (an earlier ``kg add --formats none``), missing, or not in the shape the splice expects is written
whole from the state. Each output's generation is recorded in the state (``written:NAME``), so that the next add
knows the file on disk is the one it would splice.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kg.errors import UsageError
from kg.graph.state_view import StateView
from kg.progress import step
from kg.store.state import BuildState

WHOLE_GRAPH = ("graph", "turtle", "html", "site")
FILES = {"graph": "graph.json", "turtle": "graph.ttl", "html": "index.html", "site": "site"}


def kept_outputs(out: Path, formats: Sequence[str]) -> list[str]:
    """The whole-graph outputs ``kg add`` keeps current: those named in ``formats``; by default (none named)
    every one the build folder has; ``none``: none (they are left stale, and queries read the state)."""
    from kg.workflow.build import OUTPUTS

    always = [name for name in OUTPUTS if name not in WHOLE_GRAPH]  # rdf/ and the stores: updated by every add
    chosen = [name for name in formats if name not in ("none", *always)]
    unknown = sorted(set(chosen) - set(WHOLE_GRAPH))
    if unknown:
        raise UsageError(
            f"--formats: {', '.join(unknown)}; kg add keeps {', '.join(WHOLE_GRAPH)} current, or none "
            f"({', '.join(always)}: always, when the build has them)"
        )
    if "none" in formats:
        if chosen:
            raise UsageError("--formats: none cannot be given with other outputs")
        return []
    if not formats:
        return [name for name in WHOLE_GRAPH if (out / FILES[name]).exists()]
    return [name for name in WHOLE_GRAPH if name in chosen]


@dataclass
class Before:
    """What the outputs showed before the add: the generation, the paper count, each entity and its paper count."""

    generation: int
    papers: int
    entities: dict[str, tuple]  # entity id -> its fields and paper count
    names: dict[str, tuple[str, str, bool]]  # entity id -> what a paper's results and IRIs read of it

    @classmethod
    def of(cls, view: StateView, paper_counts: dict[str, int]) -> Before:
        names = {entity.id: (entity.name, entity.type, entity.generic) for entity in view.entities.values()}
        return cls(view.state.generation(), view.state.paper_count(), _entity_rows(view, paper_counts), names)

    def shown(self, entity_id: str) -> tuple[str, str, bool] | None:
        return self.names.get(entity_id)


def _entity_rows(view: StateView, paper_counts: dict[str, int]) -> dict[str, tuple]:
    counts: dict[str, int] = {}
    for key, count in paper_counts.items():  # merged keys (overrides) count together, as the graph does
        entity_id = view.ids.get(key)
        if entity_id is not None:
            counts[entity_id] = counts.get(entity_id, 0) + count
    rows = {}
    for entity in view.entities.values():
        fields = tuple(json.dumps(value, sort_keys=True) for value in dataclasses.astuple(entity))
        rows[entity.id] = (*fields, counts.get(entity.id, 0))
    return rows


def _shown(view: StateView, entity_id: str) -> tuple[str, str, bool] | None:
    """What a paper page shows of an entity (its name, type and genericity); None when it is gone."""
    entity = view.by_id.get(entity_id)
    return (entity.name, entity.type, entity.generic) if entity is not None else None


def changed_entities(before: Before, view: StateView, paper_counts: dict[str, int]) -> set[str]:
    """Ids of the entities whose fields or paper count the add changed (new and gone ones included)."""
    after = _entity_rows(view, paper_counts)
    return {
        entity_id
        for entity_id in set(before.entities) | set(after)
        if before.entities.get(entity_id) != after.get(entity_id)
    }


def write_current(
    view: StateView,
    staging: Path,
    out: Path,
    outputs: Sequence[str],
    changed_papers: Iterable[str],
    entities: set[str],
    before: Before,
    base_iri: str,
    how: dict[str, str] | None = None,
    lap: Callable[[str], None] = lambda name: None,
) -> dict[str, Path]:
    """Write the ``outputs`` into ``staging`` as they are after the add; ``changed_papers``: ids of the papers
    whose blocks and pages change, ``entities``: ids of the entities that changed. ``how`` receives, per output,
    what was done: ``spliced``, ``written`` (whole), ``N of M pages``; ``lap(name)`` is called after each."""
    how = {} if how is None else how
    from kg.graph.files import read_graph_file
    from kg.sinks.html import write_graph_page
    from kg.sinks.rdf import write_turtle
    from kg.sinks.site import update_site, write_site
    from kg.sinks.splice import Unspliceable, splice_graph_json, splice_turtle, write_graph_json

    state = view.state
    changed = sorted(set(changed_papers))
    files: dict[str, Path] = {}
    graphs: dict[str, nx.MultiDiGraph] = {}
    current = {name: _current(state, out, name, before.generation) for name in outputs}

    def whole_graph() -> nx.MultiDiGraph:
        """The whole graph from the state (results computed again: ~35 CPU s at 100k papers)."""
        if "built" not in graphs:
            graphs["built"] = view.graph()
        return graphs["built"]

    def read_graph() -> nx.MultiDiGraph:
        """The whole graph for the pages: graph.json just written read back (~6 CPU s at 100k), as ``kg html``
        reads it, else built from the state."""
        if "built" in graphs or "graph" not in files:
            return whole_graph()
        if "read" not in graphs:
            graphs["read"] = read_graph_file(files["graph"])
        return graphs["read"]

    # the changed papers (cited papers as stubs: a paper's block holds its CITES edges) and every entity
    small = view.graph(state.get_papers(changed).values(), stubs=True) if any(current.values()) else None
    lap("changed papers")
    with step("write", total=len(outputs), unit="outputs") as writing:
        if "graph" in outputs:
            writing.update(note="graph.json")
            files["graph"] = _splice_or_write(
                how,
                "graph",
                current["graph"],
                lambda: splice_graph_json(
                    out / FILES["graph"], staging / FILES["graph"], small, changed, before.papers
                ),
                lambda: write_graph_json(whole_graph(), staging / FILES["graph"]),
                Unspliceable,
            )
            writing.advance()
            lap("graph json")
        if "turtle" in outputs:
            writing.update(note="graph.ttl")
            files["turtle"] = _splice_or_write(
                how,
                "turtle",
                current["turtle"],
                lambda: splice_turtle(
                    out / FILES["turtle"], staging / FILES["turtle"], small, changed, before.papers, base_iri
                ),
                lambda: write_turtle(whole_graph(), staging / FILES["turtle"], base_iri),
                Unspliceable,
            )
            writing.advance()
            lap("graph ttl")
        if "html" in outputs:
            writing.update(note="index.html")
            files["html"] = write_graph_page(read_graph(), staging / FILES["html"])
            how["html"] = "written"
            writing.advance()
            lap("index html")
        if "site" in outputs:
            writing.update(note="site/")
            if current["site"]:
                papers = {f"paper:{paper_id}" for paper_id in changed}
                pages: list[int] = []
                changed_entities = {f"entity:{e}" for e in entities}
                renamed = {f"entity:{e}" for e in entities if before.shown(e) != _shown(view, e)}
                files["site"] = update_site(
                    read_graph(), out, staging, papers, changed_entities, pages=pages, renamed=renamed
                )
                how["site"] = f"{pages[0]:,} of {pages[1]:,} pages"
            else:
                files["site"] = write_site(read_graph(), staging)
                how["site"] = "written"
            writing.advance()
            lap("site")
        writing.update(note="")
    for name in files:
        state.set_meta(f"written:{name}", state.generation())
    return files


def _current(state: BuildState, out: Path, name: str, generation: int) -> bool:
    """Whether ``out``'s copy of output ``name`` was written at ``generation`` (the state before the add)."""
    written = state.meta(f"written:{name}")
    return written is not None and written.isdigit() and int(written) == generation and (out / FILES[name]).exists()


def _splice_or_write(
    how: dict[str, str], name: str, current: bool, splice, write, unspliceable: type[Exception]
) -> Path:  # type: ignore[no-untyped-def]
    if current:
        try:
            path = splice()
            how[name] = "spliced"
            return path
        except unspliceable as exc:
            how[name] = f"written ({exc})"
            return write()
    how[name] = "written"
    return write()
