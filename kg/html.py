"""Interactive graph page (pyvis data, vis-network inlined): works offline, no CDN."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import networkx as nx
import pyvis
from pyvis.network import Network

from kg.atomic import write_text_atomic
from kg.graph import papers_count

VIZ_DIR = Path(__file__).resolve().parents[1] / "viz"
VIS_LIB = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
COLOURS = {
    "Paper": "#9e9e9e",
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
EDGE_COLOURS = {
    "PROPOSES": "#d62728",
    "USES": "#1f77b4",
    "EVALUATES_ON": "#ff7f0e",
    "MENTIONS": "#bbbbbb",
    "VARIANT_OF": "#9467bd",
}


def _json_for_script(value: object) -> str:
    """JSON safe to embed in a <script>: no '</script>' or HTML comment can be formed."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_pyvis(graph: nx.MultiDiGraph, max_nodes: int = 400) -> tuple[Network, int]:
    """The graph as a pyvis Network, keeping the ``max_nodes`` most connected nodes; returns the number left out."""
    ranked = sorted(graph.nodes, key=lambda n: (-graph.degree(n), n))
    kept = set(ranked[:max_nodes])
    net = Network(directed=True, cdn_resources="remote")
    for node in sorted(kept):
        data = graph.nodes[node]
        kind = data["kind"]
        count = papers_count(graph, node) if kind != "Paper" else 0
        tooltip = f"{kind}: {data.get('label', '')}"
        if kind != "Paper":
            tooltip += f"\n{count} paper(s)"
        net.add_node(
            node,
            label=str(data.get("label", ""))[:40],
            title=tooltip,
            color=COLOURS[kind],
            shape=SHAPES[kind],
            size=8 + min(count, 30) * 1.5 if kind != "Paper" else 6,
            group=kind,
        )
    for source, target, data in graph.edges(data=True):
        if source in kept and target in kept:
            net.add_edge(
                source,
                target,
                label=data["type"],
                title=data["type"],
                color=EDGE_COLOURS.get(data["type"], "#999"),
                arrows="to",
            )
    return net, graph.number_of_nodes() - len(kept)


def write_graph_page(
    graph: nx.MultiDiGraph, path: Path, title: str = "kg: knowledge graph", max_nodes: int = 400
) -> Path:
    """One self-contained HTML page of the graph (everything inlined)."""
    net, left_out = to_pyvis(graph, max_nodes)
    options = {
        "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 150}},
        "edges": {"font": {"size": 8, "align": "middle"}, "smooth": False},
        "interaction": {"hover": True, "tooltipDelay": 120},
    }
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(VIZ_DIR / "templates"), autoescape=True)
    page = environment.get_template("graph.html.j2").render(
        title=title,
        legend=list(COLOURS.items()),
        note=f"{len(net.nodes)} nodes drawn" + (f", {left_out} less connected nodes left out" if left_out else ""),
        vis_js=jinja2.utils.markupsafe.Markup((VIS_LIB / "vis-network.min.js").read_text(encoding="utf-8")),
        vis_css=jinja2.utils.markupsafe.Markup((VIS_LIB / "vis-network.css").read_text(encoding="utf-8")),
        nodes_json=jinja2.utils.markupsafe.Markup(_json_for_script(net.nodes)),
        edges_json=jinja2.utils.markupsafe.Markup(_json_for_script(net.edges)),
        options_json=jinja2.utils.markupsafe.Markup(_json_for_script(options)),
    )
    write_text_atomic(path, page)
    return path
