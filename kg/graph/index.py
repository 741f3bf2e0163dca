"""The query index's rows from a graph (``kg.store.index``): written by ``kg build``, brought up to date by
``kg add``, and made in memory for a graph without a build folder (``kg.build(papers)``), so every query verb has
one implementation, over the index.

An entity's names are those of the one name lookup (``kg.graph.names.entity_names``: label, long form, aliases,
the gazetteer's names), each with its ``lookup_key``; a paper's periods are ``kg.graph.measures.period_of``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.graph.measures import period_of
from kg.graph.names import _gazetteer_names, entity_names, lookup_key, mentions
from kg.sources.dates import date_span, when
from kg.store.index import INDEX_FILE, EntityRow, PaperRow, QueryIndex, RelationRow, Rows, memory_index
from kg.store.index import update_index as _update_index
from kg.store.index import write_index as _write_index

if TYPE_CHECKING:
    import networkx as nx

PAPER_KINDS = ("PROPOSES", "USES", "EVALUATES_ON", "MENTIONS")


def paper_row(node: dict[str, Any]) -> PaperRow:
    date, year = node.get("date"), node.get("year")
    known = when(date, year)
    span = date_span(known) if known else None
    return PaperRow(
        id=str(node.get("paper_id")),
        title=str(node.get("label") or node.get("title") or ""),
        date=str(date) if date else None,
        year=int(year) if year is not None else None,
        url=node.get("url"),
        start=span[0] if span else None,
        end=span[1] if span else None,
        year_period=period_of(date, year, "year") if span else None,
        month_period=period_of(date, year, "month") if span else None,
        outside=int(node.get("references_outside") or 0),
    )


def index_rows(graph: nx.MultiDiGraph, papers: Iterable[str] | None = None, gazetteer: bool = True) -> Rows:
    """Rows of every entity of ``graph`` and of its papers (only those with the ids ``papers``, when given)."""
    known = _gazetteer_names() if gazetteer else None
    wanted = None if papers is None else {f"paper:{paper_id}" for paper_id in papers}
    rows = Rows()
    variants: dict[str, list[str]] = {}
    cites: dict[str, list[str]] = {}
    for source, target, data in graph.edges(data=True):
        kind = data.get("type")
        if kind == "VARIANT_OF":
            variants.setdefault(target, []).append(str(graph.nodes[source].get("label") or source))
        elif kind == "CITES":
            cites.setdefault(source, []).append(str(graph.nodes[target].get("paper_id") or target))
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Paper":
            if wanted is None or node in wanted:
                row = paper_row(data)
                row.references = sorted(set(cites.get(node, ())))
                rows.papers.append(row)
                rows.relations.extend(_relations(graph, node))
            continue
        names = entity_names(data, known)
        rows.entities.append(
            EntityRow(
                id=str(data.get("entity_id") or node.split(":", 1)[-1]),
                label=str(data.get("label") or node),
                type=str(data.get("type") or str(data.get("kind", "")).lower()),
                names=names,
                keys=[lookup_key(name) for name in names],
                generic=bool(data.get("generic")),
                full_name=data.get("full_name"),
                family=data.get("family"),
                mentions=mentions(data),
                aliases=dict(data.get("aliases") or {}),
                external_ids=dict(data.get("external_ids") or {}),
                curated=[str(note) for note in data.get("curated") or []],
                variants=sorted(variants.get(node, ())),
            )
        )
    return rows


def _relations(graph: nx.MultiDiGraph, node: str) -> Iterable[RelationRow]:
    paper_id = str(graph.nodes[node].get("paper_id"))
    for _, target, data in graph.out_edges(node, data=True):
        kind = data.get("type")
        if kind not in PAPER_KINDS:
            continue
        evidence = data.get("evidence") or []
        entity = graph.nodes[target]
        yield RelationRow(
            paper_id=paper_id,
            entity_id=str(entity.get("entity_id") or target.split(":", 1)[-1]),
            kind=str(kind),
            sentence=str(evidence[0].get("sentence", "")) if evidence else "",
            texts=list(dict.fromkeys(str(e["text"]) for e in evidence if e.get("text"))),
        )


def write_query_index(graph: nx.MultiDiGraph, folder: Path, generation: int = 0) -> Path:
    """``folder/index.sqlite`` from the whole graph."""
    return _write_index(Path(folder) / INDEX_FILE, index_rows(graph), generation)


def update_query_index(
    graph: nx.MultiDiGraph, source: Path, target: Path, paper_ids: Iterable[str], generation: int
) -> Path:
    """A copy of the index ``source`` at ``target`` with the papers ``paper_ids`` taken from ``graph`` (which
    holds them and every entity)."""
    ids = sorted(set(paper_ids))
    return _update_index(source, target, index_rows(graph, ids), ids, generation)


def graph_index(graph: nx.MultiDiGraph) -> QueryIndex:
    """The index of a graph, in memory."""
    return memory_index(index_rows(graph))


def build_output(graph: nx.MultiDiGraph, folder: Path, state: Any) -> Path:
    """``kg build``'s hook: ``folder/index.sqlite`` from the whole graph, stamped with the state's generation."""
    return write_query_index(graph, folder, state.generation())


def update_for_add(view: Any, out: Path, staging: Path, changes: Any) -> dict[str, Path]:
    """``kg add``'s hook: when ``out`` has a query index, a copy of it in ``staging`` with the papers the add
    added, changed or re-resolved (``changes``: ``kg.resolve.resolver.Changes``) and every entity, taken from
    ``view`` (the state after the add); moved in with the add's other files. ``{}`` when there is no index."""
    source = Path(out) / INDEX_FILE
    if not source.exists():
        return {}
    ids = sorted({*changes.added, *changes.changed, *changes.rekeyed})
    graph = view.graph(view.state.get_papers(ids).values())
    return {"index": update_query_index(graph, source, Path(staging) / INDEX_FILE, ids, view.state.generation())}
