"""A small static site of a built graph, under ``DIR/site/``; every page works offline from ``file://``.

``index.html`` (counts, most-used entities, search over names and aliases), ``entities.html`` (all of them),
``graph.html`` (the whole graph, capped and ranked), ``e/<entity>.html`` (aliases, type, the papers that
propose / use / evaluate on / mention it with the evidence highlighted, its neighbourhood as an interactive
graph), ``p/<paper>.html`` (the abstract with its entities marked) and ``assets/`` (vis-network from pyvis,
CSS, JS and the search index). Text from papers only ever reaches a page through Jinja2 autoescaping or
escaped JSON, and no page loads anything from outside the site folder (a Content-Security-Policy says so).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import staging_path
from kg.graph.names import PREFIX_SCORE, SUGGEST_CUTOFF, SUGGESTIONS, NameIndex, spelling_pairs
from kg.progress import step
from kg.sinks.html import (
    RELATION_WORDS,
    SITE_CSP,
    GraphIndex,
    Selection,
    environment,
    graph_data,
    json_for_script,
    render_graph_page,
    select_whole_graph,
    static_text,
)
from kg.sinks.leaderboard import SiteLeaderboards
from kg.sinks.trends import RISING_LIMIT, ROLE_SLUGS, SiteTrends

SITE_DIR = "site"
ASSETS = ("vis-network.min.js", "vis-network.css", "site.css", "search.js", "graph.js", "filters.js")
PAPER_RELATIONS = ("PROPOSES", "EVALUATES_ON", "USES", "MENTIONS")
RELATION_HEADINGS = {
    "PROPOSES": "Proposed by",
    "EVALUATES_ON": "Evaluated on by",
    "USES": "Used by",
    "MENTIONS": "Mentioned by",
}
PAPER_FIELDS = ("date", "year", "venue", "organisation", "author_count", "source")
TOP_KINDS = ("Method", "Benchmark", "Model", "Dataset")
EXTERNAL_LINKS = {
    "wikidata": "https://www.wikidata.org/wiki/{}",
    "pwc": "https://paperswithcode.com/{}",
    "hf": "https://huggingface.co/{}",
}

Segments = list[tuple[str, Any]]


def write_site(
    graph: nx.MultiDiGraph,
    out_dir: Path,
    max_nodes: int = 400,
    neighbourhood_papers: int = 30,
    neighbourhood_entities: int = 40,
    title: str = "kg: knowledge graph",
) -> Path:
    """Write the site into ``out_dir/site/`` (built in a temporary folder, then swapped in); returns that folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / SITE_DIR
    staging = staging_path(out_dir, f".{SITE_DIR}-new-")
    try:
        staging.mkdir(mode=0o700)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        SiteWriter(graph, staging, title, max_nodes, neighbourhood_papers, neighbourhood_entities).write()
        _replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _replace_folder(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``; an existing ``target`` is moved aside first and removed only afterwards."""
    if not target.exists():
        new.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def highlight(text: str, spans: list[tuple[int, int, Any]]) -> Segments:
    """Cut ``text`` into ``(piece, tag)`` runs; ``tag`` is the span's tag or None. Overlapping spans are dropped."""
    segments: Segments = []
    position = 0
    for start, end, tag in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < position or end <= start or end > len(text):
            continue
        if start > position:
            segments.append((text[position:start], None))
        segments.append((text[start:end], tag))
        position = end
    if position < len(text) or not segments:
        segments.append((text[position:], None))
    return segments


def _sentence_span(evidence: dict[str, Any], field_text: str) -> tuple[str, int, int] | None:
    """The evidence sentence and where its mention lies in it (offsets are into the paper's field)."""
    sentence = str(evidence.get("sentence") or "")
    mention = str(evidence.get("text") or "")
    start, end = int(evidence.get("start", -1)), int(evidence.get("end", -1))
    if not sentence:
        return None
    at = field_text.rfind(sentence, 0, start + 1) if start >= 0 else -1
    if at >= 0 and end <= at + len(sentence) and sentence[start - at : end - at] == mention:
        return sentence, start - at, end - at
    found = sentence.find(mention) if mention else -1
    return (sentence, found, found + len(mention)) if found >= 0 else (sentence, 0, 0)


def evidence_sentences(evidence: list[dict[str, Any]], paper: dict[str, Any], limit: int = 3) -> list[Segments]:
    """Distinct evidence sentences (at most ``limit``), each with its mentions marked."""
    spans: dict[str, list[tuple[int, int, Any]]] = {}
    for item in evidence:
        field_text = str(paper.get(item.get("field", "abstract")) or paper.get("label") or "")
        located = _sentence_span(item, field_text)
        if located is None:
            continue
        sentence, start, end = located
        spans.setdefault(sentence, [])
        if end > start:
            spans[sentence].append((start, end, True))
    return [highlight(sentence, marks) for sentence, marks in list(spans.items())[:limit]]


def _newest_first(date: object) -> tuple[int, ...]:
    """A sort key putting later dates first: 2024-05-03 before 2024-05 before 2024 before 2023; undated last."""
    parts = [int(p) for p in str(date or "").split("-") if p.isdigit()]
    return tuple(-p for p in parts) + (0,) * (3 - len(parts)) if parts else (1,)


def safe_url(url: object) -> str | None:
    """Only http(s) links leave the site; anything else (``javascript:``...) is shown as text, not linked."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) and " " not in text else None


@dataclass
class SiteWriter:
    """Renders every page of one graph into ``folder``."""

    graph: nx.MultiDiGraph
    folder: Path
    title: str
    max_nodes: int
    neighbourhood_papers: int
    neighbourhood_entities: int

    @functools.cached_property
    def leaderboards(self) -> SiteLeaderboards:
        return SiteLeaderboards.of(self.graph, self.index)

    @functools.cached_property
    def trends(self) -> SiteTrends:
        return SiteTrends.of(self.graph, self.index)

    def __post_init__(self) -> None:
        self.index = GraphIndex.of(self.graph)
        self.env = environment()
        self.papers = self.index.paper_nodes()
        self.pages = 0

    def write(self) -> None:
        (self.folder / "assets").mkdir()
        (self.folder / "e").mkdir()
        (self.folder / "p").mkdir()
        self.write_index_pages()
        self.write_pages(self.index.entities(), sorted(self.papers))

    def write_index_pages(self) -> None:
        """The assets and the pages about the whole graph (written again by every ``kg add``; see
        ``update_site``): every page that is not one entity's or one paper's belongs here."""
        for name in ASSETS:
            (self.folder / "assets" / name).write_text(static_text(name), encoding="utf-8")
        (self.folder / "assets" / "search-index.js").write_text(self.search_index(), encoding="utf-8")
        self.page("index.html", "site/index.html.j2", root="", **self.overview())
        self.page("entities.html", "site/entities.html.j2", root="", title="All entities", **self.entities_context())
        self.page("rising.html", "site/rising.html.j2", root="", title="Rising and new", **self.rising_context())
        if self.leaderboards:  # results reported in the abstracts (kg.sinks.leaderboard)
            self.page("leaderboards.html", "site/leaderboards.html.j2", root="", **self.leaderboards.index_context())
        whole = render_graph_page(
            self.index,
            select_whole_graph(self.index, self.max_nodes),
            "Whole graph",
            root="",
            inline=False,
            site_title=self.title,
            papers=len(self.papers),
        )
        (self.folder / "graph.html").write_text(whole, encoding="utf-8")

    def write_pages(self, entities: Iterable[str], papers: Iterable[str]) -> None:
        """The pages of the given entity and paper nodes."""
        entities, papers = list(entities), list(papers)
        with step("site", total=len(entities) + len(papers), unit="pages") as task:
            for node in entities:
                context = self.entity_context(node)
                self.page(self.index.urls[node], "site/entity.html.j2", root="../", papers=None, **context)
                task.advance()
            for node in papers:
                context = self.paper_context(node)
                self.page(self.index.urls[node], "site/paper.html.j2", root="../", papers=None, **context)
                task.advance()

    def page(self, name: str, template: str, **context: Any) -> None:
        html = self.env.get_template(template).render(
            csp=SITE_CSP,
            site_title=self.title,
            papers=context.pop("papers", len(self.papers)),  # None on one paper's or entity's page: see write_pages
            inline=False,
            search=True,
            has_leaderboards=bool(self.leaderboards),
            **context,
        )
        (self.folder / name).write_text(html, encoding="utf-8")
        self.pages += 1

    # ---- shared pieces

    def row(self, node: str) -> dict[str, Any]:
        """What a list item needs to show an entity or a paper."""
        data = self.graph.nodes[node]
        roles = self.index.by_relation.get(node, Counter())
        return {
            "label": self.index.label(node),
            "url": self.index.urls[node],
            "kind": self.index.kind(node),
            "type": data.get("type") or self.index.kind(node).lower(),
            "full_name": data.get("full_name") if data.get("full_name") != data.get("label") else None,
            "papers": self.index.papers.get(node, 0),
            "used": roles.get("USES", 0) + roles.get("EVALUATES_ON", 0),
            "roles": roles,
            "year": data.get("year"),
            "date": data.get("date") or data.get("year"),  # the full date where the source gave one
            "venue": data.get("venue"),
            "aliases": sorted(
                (a for a in (data.get("aliases") or {}) if a not in (data.get("label"), data.get("full_name"))),
                key=lambda a: (-(data.get("aliases") or {})[a], a),
            ),
        }

    def search_index(self) -> str:
        """``window.KG_SEARCH``: ``entities``, one ``[label, kind, papers, url, names, keys, mentions]`` per entity
        (``keys``: each name's folded key, from ``kg.graph.names``, the lookup of the command line and the API),
        and the folding rules ``search.js`` applies to what is typed (British spellings, suggestion cut-offs)."""
        names = NameIndex.of(self.graph)
        entries = []
        for node in self.index.entities():
            entries.append(
                [
                    self.index.label(node),
                    self.index.kind(node),
                    self.index.papers[node],
                    self.index.urls[node],
                    names.names.get(node, []),
                    names.keys.get(node, []),
                    names.mentions.get(node, 0),
                ]
            )
        data = {
            "entities": entries,
            "spelling": [list(pair) for pair in spelling_pairs()],
            "cutoff": SUGGEST_CUTOFF,
            "prefix": PREFIX_SCORE,
            "suggestions": SUGGESTIONS,
        }
        return "window.KG_SEARCH = " + json_for_script(data) + ";\n"

    # ---- pages

    def overview(self) -> dict[str, Any]:
        kinds = Counter(self.index.kind(n) for n in self.graph.nodes)
        relations = Counter(str(d.get("type", "")) for _, _, d in self.graph.edges(data=True))
        years = sorted(int(self.graph.nodes[p]["year"]) for p in self.papers if self.graph.nodes[p].get("year"))
        top: dict[str, list[dict[str, Any]]] = {}
        for kind in TOP_KINDS:
            rows = [self.row(n) for n in self.index.entities() if self.index.kind(n) == kind]
            rows.sort(key=lambda r: (-r["used"], -r["papers"], r["label"].casefold()))
            top[kind] = [r for r in rows if r["papers"]][:12]
        return {
            "title": self.title,
            "kind_counts": kinds,
            "entity_total": sum(v for k, v in kinds.items() if k != "Paper"),
            "relation_counts": [(r, relations[r]) for r in (*PAPER_RELATIONS, "VARIANT_OF") if relations.get(r)],
            "years": (years[0], years[-1]) if years else None,
            "top": top,
            "timeline": self.trends.timeline(),
        }

    def entity_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in self.index.entities():
            row = self.row(node)
            row["when"] = self.trends.tokens(node)
            groups[self.index.kind(node)].append(row)
        return [(kind, groups[kind]) for kind in ("Method", "Model", "Dataset", "Benchmark", "Metric") if groups[kind]]

    def neighbourhood(self, node: str) -> Selection:
        """The entity, its papers (proposing first, then newest) and the entities sharing most papers with it."""
        graph, index = self.graph, self.index
        best: dict[str, int] = {}
        for source, _, data in graph.in_edges(node, data=True):
            if index.kind(source) == "Paper":
                rank = PAPER_RELATIONS.index(data["type"]) if data.get("type") in PAPER_RELATIONS else 9
                best[source] = min(rank, best.get(source, 9))
        papers = sorted(best, key=lambda p: (best[p], -int(graph.nodes[p].get("year") or 0), index.label(p)))
        kept_papers = papers[: self.neighbourhood_papers]
        variants = sorted(
            {n for n in (*graph.successors(node), *graph.predecessors(node)) if index.kind(n) != "Paper"} - {node}
        )
        shared_all = self.trends.together(node)
        shared_kept: Counter[str] = Counter(
            t for p in kept_papers for t in graph.successors(p) if t != node and index.kind(t) != "Paper"
        )  # not the papers they cite (CITES)
        ranked = sorted(shared_kept, key=lambda t: (-shared_kept[t], -index.papers.get(t, 0), index.label(t)))
        kept_entities = variants[:10] + [t for t in ranked if t not in variants][: self.neighbourhood_entities]
        related_total = len(set(shared_all) | set(variants))
        shown = len(kept_entities)
        all_papers = len(kept_papers) == len(papers)
        all_related = shown == related_total
        note = (
            f"Showing {'all ' if all_papers else ''}{len(kept_papers)}{'' if all_papers else f' of {len(papers)}'} "
            f"paper{'' if len(papers) == 1 else 's'}{'' if all_papers else ' (proposing first, then newest)'} and "
            f"{'all ' if all_related and shown > 1 else ''}{shown}{'' if all_related else f' of {related_total}'} "
            f"related entit{'y' if related_total == 1 else 'ies'}"
            f"{'' if all_related else ' (those sharing most papers)'}."
        )
        left_out = len(papers) - len(kept_papers) + related_total - shown
        return Selection([node, *kept_papers, *kept_entities], note, left_out)

    def entity_context(self, node: str) -> dict[str, Any]:
        graph = self.graph
        data = graph.nodes[node]
        groups: dict[str, list[dict[str, Any]]] = {r: [] for r in PAPER_RELATIONS}
        variants: list[tuple[str, dict[str, Any]]] = []
        for source, _, edge in graph.in_edges(node, data=True):
            relation = str(edge.get("type", ""))
            if self.index.kind(source) != "Paper":
                variants.append(("has variant", self.row(source)))
            elif relation in groups:
                paper = graph.nodes[source]
                item = self.row(source)
                item["sentences"] = evidence_sentences(edge.get("evidence") or [], paper)
                item["confidence"] = edge.get("confidence")
                item["curated"] = edge.get("curated")
                item["when"] = self.trends.paper_token(source, relation)
                groups[relation].append(item)
        for _, target, edge in graph.out_edges(node, data=True):
            variants.append((RELATION_WORDS.get(str(edge.get("type")), "related to"), self.row(target)))
        for items in groups.values():
            items.sort(key=lambda r: (_newest_first(r["date"]), r["label"].casefold()))
        selection = self.neighbourhood(node)
        aliases = data.get("aliases") or {}
        return {
            "title": self.index.label(node),
            "entity": self.row(node),
            "generic": bool(data.get("generic")),
            "curated": [str(note) for note in data.get("curated") or []],
            "alias_counts": sorted(aliases.items(), key=lambda item: (-item[1], item[0])),
            "external": [
                (scheme, value, safe_url(EXTERNAL_LINKS.get(scheme, "").format(value)))
                for scheme, value in sorted((data.get("external_ids") or {}).items())
            ],
            "groups": [(r, RELATION_HEADINGS[r], groups[r]) for r in PAPER_RELATIONS if groups[r]],
            "variants": variants,
            **self.trend_context(node),
            "graph": graph_data(self.index, selection.nodes, link_prefix="../", focus=node),
            "note": selection.note,
            "kind_counts": Counter(self.index.kind(n) for n in selection.nodes),
            "leaderboard": self.leaderboards.for_entity(node),
        }

    def paper_context(self, node: str) -> dict[str, Any]:
        graph = self.graph
        data = graph.nodes[node]
        marks: dict[str, list[tuple[int, int, Any]]] = {"title": [], "abstract": []}
        groups: dict[str, list[dict[str, Any]]] = {r: [] for r in PAPER_RELATIONS}
        for _, target, edge in graph.out_edges(node, data=True):
            row = self.row(target)
            if edge.get("type") in groups:
                groups[edge["type"]].append(row)
            for item in edge.get("evidence") or []:
                if item.get("field") in marks:
                    tag = {"url": "../" + row["url"], "kind": row["kind"], "label": row["label"]}
                    marks[item["field"]].append((int(item.get("start", -1)), int(item.get("end", -1)), tag))
        for rows in groups.values():  # by name: a paper page shows nothing that other papers change (kg add)
            rows.sort(key=lambda r: (r["label"].casefold(), r["url"]))
        cites = sorted(
            (self.row(t) for _, t, kind in graph.out_edges(node, data="type") if kind == "CITES"),
            key=lambda r: (_newest_first(r["date"]), r["label"].casefold()),
        )
        cited_by = sorted(
            (self.row(s) for s, _, kind in graph.in_edges(node, data="type") if kind == "CITES"),
            key=lambda r: (_newest_first(r["date"]), r["label"].casefold()),
        )
        title = str(data.get("title") or data.get("label") or "")
        authors = [str(a) for a in data.get("authors") or []]
        links = [("link", safe_url(data.get("url")))]
        if data.get("doi"):
            links.append(("doi", safe_url(f"https://doi.org/{data['doi']}")))
        if data.get("arxiv_id"):
            links.append(("arXiv", safe_url(f"https://arxiv.org/abs/{data['arxiv_id']}")))
        return {
            "title": title,
            "paper": {key: data.get(key) for key in PAPER_FIELDS},
            "title_segments": highlight(title, marks["title"]),
            "abstract_segments": highlight(str(data.get("abstract") or ""), marks["abstract"]),
            "authors": authors[:40],
            "more_authors": max(len(authors) - 40, 0),
            "links": [(name, url) for name, url in links if url],
            "raw_url": data.get("url") if data.get("url") and not safe_url(data.get("url")) else None,
            "groups": [(r, RELATION_WORDS[r], groups[r]) for r in PAPER_RELATIONS if groups[r]],
            "results": self.leaderboards.for_paper(node),
            "cites": cites,
            "cited_by": cited_by,
            "references_outside": data.get("references_outside"),
        }

    # ---- trends (kg.sinks.trends): charts, evaluations, often together, rising and new, list filters

    def trend_context(self, node: str) -> dict[str, Any]:
        """An entity page's trend chart, what it is evaluated on (or what is evaluated on it), what is often named
        with it (the ranking of ``kg query used-with``) and its papers' years for the list filter."""
        trends = self.trends
        what, rows, total = trends.evaluations(node)
        papers = trends.links.get(node, {})
        years = {(trends.paper_period[p] or "")[:4] for p in papers} - {""}
        relations = {relation for found in papers.values() for relation in found}
        return {
            "trend": trends.chart(node),
            "evaluations": {"what": what, "rows": [(self.row(n), count) for n, count in rows], "total": total},
            "related": [(self.row(n), shared, score) for n, score, shared in trends.often_together(node)],
            "paper_filters": {
                "types": [],
                "roles": [(s, RELATION_WORDS[r]) for r, s in ROLE_SLUGS.items() if r in relations],
                "years": sorted(years, reverse=True),
            },
        }

    def filter_options(self, kinds: list[str] | None = None, roles: bool = True, years: bool = True) -> dict[str, Any]:
        """What the type, role and year filters of a list offer (``viz/static/filters.js``)."""
        return {
            "types": kinds or [],
            "roles": [(slug, RELATION_WORDS[relation]) for relation, slug in ROLE_SLUGS.items()] if roles else [],
            "years": sorted({p[:4] for p in self.trends.periods}, reverse=True) if years else [],
        }

    def entities_context(self) -> dict[str, Any]:
        groups = self.entity_groups()
        return {"groups": groups, "filters": self.filter_options([kind for kind, _ in groups])}

    def rising_context(self) -> dict[str, Any]:
        """The rising page: ``kg.graph.measures.rising_rank`` over the corpus's years (as ``kg query rising``)
        and the entities first seen in the same last window, each with the paper that introduced it."""
        trends = self.trends
        recent, before = trends.windows()
        ranked = trends.rising()
        rising = [
            {"row": self.row(node), "growth": growth, "recent": now, "before": then}
            for node, growth, now, then in ranked[:RISING_LIMIT]
        ]
        new = []
        for node, period, paper in trends.new():
            relation = trends.role(node, paper)
            new.append(
                {
                    "row": self.row(node),
                    "period": period,
                    "paper": self.row(paper),
                    "relation": relation,
                    "when": trends.paper_token(paper, relation),
                }
            )
        kinds = ["Method", "Model", "Dataset", "Benchmark", "Metric"]
        return {
            "rising": rising,
            "rising_total": len(ranked),
            "recent": recent,
            "before": before,
            "window": len(recent),
            "new": new,
            "rising_filters": self.filter_options(kinds, roles=False, years=False),
            "new_filters": self.filter_options(kinds),
        }


# ---- kg add: only the pages that changed (docs/incremental.md)


def touched_pages(
    graph: nx.MultiDiGraph, papers: set[str], entities: set[str], renamed: set[str] | None = None
) -> tuple[set[str], set[str]]:
    """The entity and paper nodes whose pages show something that changed, given the paper nodes that changed
    (new, re-resolved), the entity nodes that changed (fields, paper count; gone ones too) and, of those, the ones
    ``renamed`` whose name, type or link changed (None: all of them).

    An entity page shows its papers (with their fields and evidence), the entities named in them (with their
    names and paper counts: the graph's sizes, the ranking of related entities) and its family; a paper page shows
    its entities by name and type only (no counts, sorted by name) and the papers it cites and is cited by. So:
    the entities of a changed paper, a changed entity, the entities sharing a paper with it and its family are
    touched, and so are the changed papers, the papers citing or cited by them, and the papers of a renamed
    entity."""
    renamed = entities if renamed is None else renamed
    entity_pages = {node for node in entities if node in graph}
    paper_pages = {node for node in papers if node in graph}
    for node in paper_pages.copy():  # its entities, and the papers it cites and that cite it (their lists)
        for other in (*graph.successors(node), *graph.predecessors(node)):
            (paper_pages if graph.nodes[other].get("kind") == "Paper" else entity_pages).add(other)
    for node in entities:
        if node not in graph:
            continue
        for source in graph.predecessors(node):
            if graph.nodes[source].get("kind") == "Paper":
                if node in renamed:
                    paper_pages.add(source)
                entity_pages.update(t for t in graph.successors(source) if graph.nodes[t].get("kind") != "Paper")
            else:
                entity_pages.add(source)
        entity_pages.update(graph.successors(node))
    return entity_pages, paper_pages


def update_site(
    graph: nx.MultiDiGraph,
    out_dir: Path,
    staging_dir: Path,
    papers: set[str],
    entities: set[str],
    max_nodes: int = 400,
    neighbourhood_papers: int = 30,
    neighbourhood_entities: int = 40,
    title: str = "kg: knowledge graph",
    pages: list[int] | None = None,
    renamed: set[str] | None = None,
) -> Path:
    """``staging_dir/site``: the site of ``out_dir`` brought up to ``graph``, whose changed paper and entity nodes
    are ``papers`` and ``entities``: the pages they touch (``touched_pages``) and the index pages are written, every
    other page is a hard link to the page already in ``out_dir/site`` (so the folder swaps in whole, as
    ``write_site``'s does). Pages of entities that are gone are left out."""
    old, target = Path(out_dir) / SITE_DIR, Path(staging_dir) / SITE_DIR
    target.mkdir(parents=True)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(target, 0o777 & ~umask)
    writer = SiteWriter(graph, target, title, max_nodes, neighbourhood_papers, neighbourhood_entities)
    if (old / "leaderboards.html").exists() != bool(writer.leaderboards):  # every page's menu changes
        entity_pages, paper_pages = set(writer.index.entities()), set(writer.papers)
    else:
        entity_pages, paper_pages = touched_pages(graph, papers, entities, renamed)
    for folder in ("assets", "e", "p"):
        (target / folder).mkdir()
    rewrite = {writer.index.urls[node] for node in entity_pages | paper_pages}
    for node in (*writer.index.entities(), *writer.papers):
        name = writer.index.urls[node]
        if name not in rewrite:
            try:
                os.link(old / name, target / name)
            except FileNotFoundError:  # a page missing from the old site: written
                rewrite.add(name)
                (entity_pages if graph.nodes[node].get("kind") != "Paper" else paper_pages).add(node)
            except OSError:  # a file system without hard links: copied
                shutil.copyfile(old / name, target / name)
    writer.write_index_pages()
    entity_nodes = [node for node in writer.index.entities() if node in entity_pages]
    paper_nodes = sorted(paper_pages & set(writer.papers))
    writer.write_pages(entity_nodes, paper_nodes)
    if pages is not None:  # the pages written, of all the entity and paper pages
        pages[:] = [len(entity_nodes) + len(paper_nodes), len(writer.index.urls)]
    return target
