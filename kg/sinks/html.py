"""Interactive graph views (pyvis data drawn by vis-network, shipped with pyvis): offline, no CDN, escaped.

Shared by the self-contained whole-graph page ``DIR/index.html`` (``write_graph_page``) and the static site
(``kg.sinks.site``): colours and shapes by type, size by number of papers, edge labels by relation, text tooltips,
ranked selection of what is drawn on a large graph with a note of what was left out.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import pyvis
from markupsafe import Markup
from pyvis.network import Network

from kg import __version__
from kg.atomic import write_text_atomic
from kg.ids import slug

VIZ_DIR = Path(__file__).resolve().parents[2] / "viz"
STATIC_DIR = VIZ_DIR / "static"
VIS_LIB = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
KINDS = ("Method", "Model", "Dataset", "Benchmark", "Metric", "Paper")
COLOURS = {
    "Paper": "#8d99a6",
    "Method": "#1f77b4",
    "Model": "#9467bd",
    "Dataset": "#2ca02c",
    "Benchmark": "#ff7f0e",
    "Metric": "#d62728",
}
SHAPES = {
    "Paper": "square",
    "Method": "dot",
    "Model": "diamond",
    "Dataset": "triangle",
    "Benchmark": "star",
    "Metric": "triangleDown",
}
GLYPHS = {"Paper": "■", "Method": "●", "Model": "◆", "Dataset": "▲", "Benchmark": "★", "Metric": "▼"}
RELATIONS = ("PROPOSES", "USES", "EVALUATES_ON", "MENTIONS", "VARIANT_OF")
RELATION_WORDS = {
    "PROPOSES": "proposes",
    "USES": "uses",
    "EVALUATES_ON": "evaluates on",
    "MENTIONS": "mentions",
    "VARIANT_OF": "variant of",
}
EDGE_COLOURS = {
    "PROPOSES": "#d62728",
    "USES": "#1f77b4",
    "EVALUATES_ON": "#ff7f0e",
    "MENTIONS": "#b0b0b0",
    "VARIANT_OF": "#9467bd",
}
# no request may leave the page: scripts only from the site's own folder, nothing fetched, no forms
SITE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")


def json_for_script(value: object) -> str:
    """JSON safe inside a <script> element: ``<``, ``>`` and ``&`` are escaped, so no tag can be closed."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of all pages: autoescape on for every template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(VIZ_DIR / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates are read once per process, not checked on disk at every page
    )
    env.filters["script_json"] = lambda value: Markup(json_for_script(value))
    env.filters["thousands"] = lambda value: f"{value:,}"
    env.globals.update(
        colours=COLOURS,
        edge_colours=EDGE_COLOURS,
        glyphs=GLYPHS,
        relation_words=RELATION_WORDS,
        kinds=KINDS,
        version=__version__,
    )
    return env


def static_text(name: str) -> str:
    """A file of ``viz/static`` (or of pyvis's vis-network when named ``vis-network.*``)."""
    folder = VIS_LIB if name.startswith("vis-network") else STATIC_DIR
    return (folder / name).read_text(encoding="utf-8")


def _file_name(identifier: str, used: set[str]) -> str:
    name = identifier if _SAFE_NAME.fullmatch(identifier) else ""
    if not name:
        digest = hashlib.blake2b(identifier.encode("utf-8"), digest_size=4).hexdigest()
        name = f"{slug(identifier)[:60]}-{digest}"
    base, n = name, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def page_names(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Each node's page, relative to the site folder: ``e/<entity>.html`` or ``p/<paper>.html``.

    Ids that are not plain lower-case slugs get a slug plus a hash, so every name is safe on any file system.
    """
    used: dict[str, set[str]] = {"e": set(), "p": set()}
    names: dict[str, str] = {}
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        folder = "p" if data.get("kind") == "Paper" else "e"
        identifier = str(data.get("paper_id" if folder == "p" else "entity_id") or node.split(":", 1)[-1])
        names[node] = f"{folder}/{_file_name(identifier, used[folder])}.html"
    return names


@dataclass
class GraphIndex:
    """Counts and lookups computed once per graph and shared by every view and page."""

    graph: nx.MultiDiGraph
    papers: dict[str, int] = field(default_factory=dict)  # entity node -> distinct papers
    by_relation: dict[str, Counter[str]] = field(default_factory=dict)  # entity node -> relation -> papers
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> GraphIndex:
        index = cls(graph=graph, urls=page_names(graph))
        sources: dict[str, set[str]] = defaultdict(set)
        for source, target, data in graph.edges(data=True):
            if graph.nodes[source].get("kind") == "Paper":
                sources[target].add(source)
                index.by_relation.setdefault(target, Counter())[data.get("type", "")] += 1
        for node, data in graph.nodes(data=True):
            if data.get("kind") != "Paper":
                index.papers[node] = len(sources.get(node, ()))
                index.by_relation.setdefault(node, Counter())
        return index

    def kind(self, node: str) -> str:
        kind = self.graph.nodes[node].get("kind", "Method")
        return kind if kind in COLOURS else "Method"

    def label(self, node: str) -> str:
        return str(self.graph.nodes[node].get("label") or node)

    def entities(self) -> list[str]:
        """Entity nodes, most papers first."""
        return sorted(self.papers, key=lambda n: (-self.papers[n], self.label(n).casefold(), n))

    def paper_nodes(self) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True) if d.get("kind") == "Paper"]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} " + (word if count == 1 else plural or word + "s")


def _tooltip(index: GraphIndex, node: str) -> str:
    data = index.graph.nodes[node]
    kind = index.kind(node)
    if kind == "Paper":
        lines = [index.label(node)]
        when = " · ".join(str(v) for v in (data.get("date") or data.get("year"), data.get("venue")) if v)
        if when:
            lines.append(when)
        lines.append(_plural(index.graph.out_degree(node), "entity", "entities"))
    else:
        lines = [f"{index.label(node)} ({data.get('type') or kind.lower()})"]
        if data.get("full_name") and data["full_name"] != index.label(node):
            lines.append(str(data["full_name"]))
        roles = index.by_relation.get(node, Counter())
        detail = ", ".join(f"{roles[r]} {RELATION_WORDS[r]}" for r in RELATIONS if roles.get(r))
        lines.append(_plural(index.papers.get(node, 0), "paper") + (f": {detail}" if detail else ""))
    lines.append("Click to open its page")
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def node_size(papers: int) -> float:
    """Entity size grows with the square root of its number of papers, capped."""
    return round(min(12 + 5 * math.sqrt(papers), 48), 1)


def graph_data(
    index: GraphIndex, nodes: Iterable[str], link_prefix: str = "", focus: str | None = None, paper_labels: bool = True
) -> dict[str, Any]:
    """vis-network data of the subgraph on ``nodes``, built with pyvis, plus the drawing options."""
    kept = sorted(set(nodes))
    net = Network(directed=True, cdn_resources="remote")
    for node in kept:
        kind = index.kind(node)
        label = index.label(node)
        if kind == "Paper":
            label, size = (_shorten(label, 28) if paper_labels else ""), 7.0
        else:
            size = node_size(index.papers.get(node, 0))
        attributes: dict[str, Any] = {"url": link_prefix + index.urls[node], "kind": kind}
        if kind != "Paper":
            attributes["font"] = {"size": round(min(14 + 2.5 * math.sqrt(index.papers.get(node, 0)), 34))}
        if node == focus:
            attributes.update(borderWidth=4, font={"size": 26, "strokeWidth": 5, "bold": True})
            size = max(size, 30)
        net.add_node(
            node,
            label=label or " ",
            title=_tooltip(index, node),
            color=COLOURS[kind],
            shape=SHAPES[kind],
            size=size,
            **attributes,
        )
    members = set(kept)
    for source, target, key, data in sorted(
        (e for n in kept for e in index.graph.out_edges(n, keys=True, data=True) if e[1] in members),
        key=lambda e: e[:3],
    ):
        relation = str(data.get("type", key))
        evidence = data.get("evidence") or []
        title = RELATION_WORDS.get(relation, relation)
        if evidence:
            title += "\n“" + _shorten(str(evidence[0].get("sentence", "")), 220) + "”"
        net.add_edge(
            source,
            target,
            id=f"{source}|{target}|{key}",
            label=relation,
            title=title,
            color=EDGE_COLOURS.get(relation, "#999999"),
            dashes=relation == "MENTIONS",
        )
    return {"nodes": net.nodes, "edges": net.edges, "options": vis_options(len(net.nodes))}


def vis_options(node_count: int) -> dict[str, Any]:
    """Drawing options: force layout that settles, then physics off; text tooltips on hover."""
    return {
        "autoResize": True,
        "layout": {"improvedLayout": node_count <= 120, "randomSeed": 7},
        "physics": {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -70, "springLength": 110, "avoidOverlap": 0.4},
            "stabilization": {"iterations": 220 if node_count <= 200 else 140, "updateInterval": 50},
        },
        "nodes": {
            "font": {"size": 11, "face": "system-ui, sans-serif", "strokeWidth": 3},
            "borderWidth": 1,
            "scaling": {"label": {"drawThreshold": 4}},
        },
        "edges": {
            "font": {"size": 8, "align": "middle", "color": "#666666", "strokeWidth": 3},
            "smooth": False,
            "width": 1,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "selectionWidth": 2,
        },
        "interaction": {"hover": True, "tooltipDelay": 80, "hideEdgesOnDrag": node_count > 200},
    }


@dataclass
class Selection:
    """What a view draws and, in words, what it left out."""

    nodes: list[str]
    note: str
    left_out: int


def select_whole_graph(index: GraphIndex, max_nodes: int = 400) -> Selection:
    """The most-used entities (up to 60% of ``max_nodes``; those in one paper only if few are in more) and the
    papers most linked to them; the note says what was left out."""
    entities = index.entities()
    papers = index.paper_nodes()
    total = len(entities) + len(papers)
    if total <= max_nodes:
        return Selection(entities + papers, f"All {_plural(total, 'node')} drawn.", 0)
    budget = min(len(entities), max(1, round(max_nodes * 0.6)))
    shared = [e for e in entities if index.papers[e] >= 2]
    kept = (shared if len(shared) >= min(30, budget) else entities)[:budget]
    members = set(kept)
    links = {p: sum(1 for t in index.graph.successors(p) if t in members) for p in papers}
    ranked_papers = sorted((p for p in papers if links[p]), key=lambda p: (-links[p], p))
    kept_papers = ranked_papers[: max_nodes - len(kept)]
    threshold = index.papers[kept[-1]] if kept else 0
    note = (
        f"Drawn: {len(kept):,} of {_plural(len(entities), 'entity', 'entities')} "
        f"(the most used, each in ≥ {_plural(threshold, 'paper')}) and {len(kept_papers):,} of "
        f"{_plural(len(papers), 'paper')} (those linked to most of them). "
        f"Left out: {len(entities) - len(kept):,} entities and {len(papers) - len(kept_papers):,} papers."
    )
    return Selection(kept + kept_papers, note, total - len(kept) - len(kept_papers))


def inline_csp(scripts: Iterable[str]) -> str:
    """A CSP for a self-contained page: only the given inline scripts (by hash) may run; nothing is fetched."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii") + "'" for s in scripts
    )
    return f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def render_graph_page(
    index: GraphIndex, selection: Selection, title: str, root: str, inline: bool, **extra: Any
) -> str:
    """The whole-graph view: site page (assets beside) or self-contained page (everything inlined)."""
    data = graph_data(index, selection.nodes, link_prefix=root, paper_labels=False)
    counts = Counter(index.kind(n) for n in selection.nodes)
    context: dict[str, Any] = {
        "title": title,
        "root": root,
        "inline": inline,
        "note": selection.note,
        "graph": data,
        "kind_counts": counts,
        "search": not inline,
        **extra,
    }
    if not inline:
        return environment().get_template("site/graph.html.j2").render(csp=SITE_CSP, **context)
    scripts = [static_text("vis-network.min.js"), static_text("graph.js")]
    styles = Markup(static_text("vis-network.css") + "\n" + static_text("site.css"))
    return (
        environment()
        .get_template("site/graph.html.j2")
        .render(csp=inline_csp(scripts), inline_scripts=[Markup(s) for s in scripts], inline_css=styles, **context)
    )


def write_graph_page(
    graph: nx.MultiDiGraph,
    path: Path,
    title: str = "kg: knowledge graph",
    max_nodes: int = 400,
    site_prefix: str = "site/",
) -> Path:
    """One self-contained page of the whole graph (vis-network inlined); nodes link to the site's pages."""
    index = GraphIndex.of(graph)
    page = render_graph_page(
        index,
        select_whole_graph(index, max_nodes),
        "Whole graph",
        root=site_prefix,
        inline=True,
        site_title=title,
        papers=len(index.paper_nodes()),
    )
    write_text_atomic(path, page)
    return path
