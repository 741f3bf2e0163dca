"""``graph.json`` and ``graph.ttl`` kept current by ``kg add`` in proportion to the change (``docs/incremental.md``).

Both files are one document for the whole graph, but each is a sequence of per-paper blocks in paper-id order
(graph.json: a paper's edges, then later its node; graph.ttl: a paper's triples with its statements and evidence,
``kg.sinks.rdf.iter_triples``), followed by the entities (and, in Turtle, the extractors). A paper's block depends
on the paper and the entities it links to alone, so after an add the new file is the old one with the blocks of
the papers that changed (new, re-resolved, linked to an entity whose name or type changed) replaced or inserted,
and the entity sections written again: old bytes copied, never parsed into a graph. The result is byte for byte
what a full write gives (``tests/test_outputs_digest.py``). When the old file does not have the expected shape
(another version of kg wrote it, it was edited), the caller writes it whole instead: :class:`Unspliceable`.
"""

from __future__ import annotations

import bisect
import io
import json
import mmap
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.atomic import atomic_writer
from kg.sinks.rdf import DEFAULT_BASE, TripleMaker, local_name, oxigraph_terms, serialize_triples

_JSON_SOURCE = re.compile(rb'\n   "source": "((?:[^"\\]|\\.)*)"')
_JSON_ID = re.compile(rb'\n   "id": "((?:[^"\\]|\\.)*)"')
_JSON_ITEM = b"\n  {\n"
_JSON_EDGES_END = b'\n ],\n "graph": '
_TTL_PAPER = re.compile(rb"\npaper:([^ \n]+) a kg:Paper")
_TTL_REST = re.compile(rb"\n(?:method|model|dataset|benchmark|metric|extractor):[^ \n]+ a ")
_TTL_AGENT = re.compile(rb"\nextractor:([^ \n]+) a ")
_TTL_ID = re.compile(rb'\n\tdcterms:identifier "((?:[^"\\]|\\.)*)"')


class Unspliceable(Exception):
    """The old file is not the shape this module writes: write it whole."""


# ---- graph.json, written as json.dump(nx.node_link_data(graph), sort_keys=True, indent=1) writes it


def _item(value: Any) -> bytes:
    """One element of the top-level ``edges`` or ``nodes`` list, indented as ``json.dump`` indents it there."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    return ("  " + text.replace("\n", "\n  ")).encode("utf-8")


def _edge_items(graph: nx.MultiDiGraph, node: Any) -> list[bytes]:
    return [
        _item({**data, "source": source, "target": target, "key": key})
        for source, target, key, data in graph.out_edges(node, keys=True, data=True)
    ]


def _node_item(graph: nx.MultiDiGraph, node: Any) -> bytes:
    return _item({**graph.nodes[node], "id": node})


def _json_head(graph: nx.MultiDiGraph) -> tuple[bytes, bytes, bytes]:
    """The bytes before the edges, between the edges and the nodes, and after the nodes."""
    attributes = json.dumps(graph.graph, ensure_ascii=False, sort_keys=True, indent=1).replace("\n", "\n ")
    middle = f'\n ],\n "graph": {attributes},\n "multigraph": true,\n "nodes": [\n'
    return b'{\n "directed": true,\n "edges": [\n', middle.encode("utf-8"), b"\n ]\n}\n"


def _write_list(out: IO[bytes], pieces: Iterable[bytes | memoryview]) -> None:
    """List elements joined by ``,\\n``."""
    first = True
    for piece in pieces:
        if not first:
            out.write(b",\n")
        out.write(piece)
        first = False


def _peek(pieces: Iterable[bytes | memoryview]) -> Iterator[bytes | memoryview] | None:
    """``pieces`` again, or None when there are none."""
    iterator = iter(pieces)
    for first in iterator:
        return _chain([first], iterator)
    return None


def _write_json(out: IO[bytes], graph: nx.MultiDiGraph, edges: Iterable[bytes], nodes: Iterable[bytes]) -> None:
    head, middle, tail = _json_head(graph)
    some_edges, some_nodes = _peek(edges), _peek(nodes)
    if some_nodes is None:
        raise Unspliceable("a graph without nodes")  # json.dump writes "nodes": [] for it: save_graph does
    if some_edges is None:
        out.write(head[: -len(b"[\n")] + b"[]" + middle[len(b"\n ]") :])
    else:
        out.write(head)
        _write_list(out, some_edges)
        out.write(middle)
    _write_list(out, some_nodes)
    out.write(tail)


def write_graph_json(graph: nx.MultiDiGraph, path: Path) -> Path:
    """``graph.json`` of ``graph``, byte for byte what ``kg.graph.files.save_graph`` writes (tested)."""
    if graph.number_of_nodes() == 0:
        return _empty(graph, path)
    papers, entities = _split_nodes(graph)
    with atomic_writer(path, "wb") as out:
        edges = (item for node in (*papers, *entities) for item in _edge_items(graph, node))
        _write_json(out, graph, edges, (_node_item(graph, node) for node in (*papers, *entities)))
    return path


def _empty(graph: nx.MultiDiGraph, path: Path) -> Path:
    """A graph without nodes, as json.dump writes it ("nodes": [])."""
    data = nx.node_link_data(graph)
    with atomic_writer(path) as out:
        json.dump(data, out, ensure_ascii=False, sort_keys=True, indent=1)
        out.write("\n")
    return path


def _split_nodes(graph: nx.MultiDiGraph) -> tuple[list[Any], list[Any]]:
    papers = [node for node, data in graph.nodes(data=True) if data.get("kind") == "Paper"]
    entities = [node for node, data in graph.nodes(data=True) if data.get("kind") != "Paper"]
    return papers, entities


@dataclass
class _Blocks:
    """Consecutive byte ranges of one file, each belonging to one key (a paper), in file order."""

    keys: list[str]
    starts: list[int]
    ends: list[int]


def _json_blocks(data: mmap.mmap | bytes, pattern: re.Pattern[bytes], start: int, end: int) -> _Blocks:
    """The ranges of consecutive list items (between ``start`` and ``end``) that share the value ``pattern``
    captures (an edge's source, a node's id)."""
    blocks = _Blocks([], [], [])
    for found in pattern.finditer(data, start, end):
        key = _json_string(found.group(1))
        if blocks.keys and blocks.keys[-1] == key:
            continue
        item = data.rfind(_JSON_ITEM, start - 1, found.start()) + 1
        if item <= 0:
            raise Unspliceable("an item without its opening brace")
        if blocks.keys:
            blocks.ends.append(item - 2)  # the ",\n" between two items
        blocks.keys.append(key)
        blocks.starts.append(item)
    if blocks.keys:
        blocks.ends.append(end)
    return blocks


def _json_string(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return json.loads(f'"{text}"') if "\\" in text else text


def splice_graph_json(
    old: Path, path: Path, graph: nx.MultiDiGraph, changed: Iterable[str], papers_before: int
) -> Path:
    """Write ``path``: ``old`` (graph.json of the build before the add, ``papers_before`` papers) with the blocks
    of the papers in ``changed`` (ids) taken from ``graph``, which holds those papers and every entity."""
    changed_nodes = {f"paper:{paper_id}" for paper_id in changed}
    new_papers, entities = _split_nodes(graph)
    if not changed_nodes <= set(new_papers):
        raise Unspliceable("a changed paper is not in the graph given")
    with open(old, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        head_end = data.find(b'"edges": [')
        if data[:2] != b"{\n" or head_end < 0:
            raise Unspliceable("not a graph.json of kg")
        empty = data[head_end + len(b'"edges": ') : head_end + len(b'"edges": []')] == b"[]"
        edges_start = head_end + len(b'"edges": [\n')
        edges_end = head_end + len(b'"edges": ') if empty else data.find(_JSON_EDGES_END, edges_start)
        nodes_start = data.find(b'\n "nodes": [\n', max(edges_end, 0))
        nodes_end = len(data) - len(b"\n ]\n}\n")
        if edges_end < 0 or nodes_start < 0 or data[nodes_end:] != b"\n ]\n}\n":
            raise Unspliceable("not a graph.json of kg")
        nodes_start += len(b'\n "nodes": [\n')
        edge_blocks = _Blocks([], [], []) if empty else _json_blocks(data, _JSON_SOURCE, edges_start, edges_end)
        node_blocks = _json_blocks(data, _JSON_ID, nodes_start, nodes_end)
        old_papers = [key for key in node_blocks.keys if key.startswith("paper:")]
        if len(old_papers) != papers_before or old_papers != sorted(old_papers):
            raise Unspliceable(f"{len(old_papers)} papers in the file, {papers_before} in the state")
        rendered_edges = {node: _edge_items(graph, node) for node in changed_nodes}
        rendered_nodes = {node: _node_item(graph, node) for node in changed_nodes}
        order = sorted(set(old_papers) | changed_nodes)
        with atomic_writer(path, "wb") as out:
            edges = _merge(data, edge_blocks, order, rendered_edges)
            entity_edges = (item for node in entities for item in _edge_items(graph, node))
            nodes = _merge(data, node_blocks, order, {node: [item] for node, item in rendered_nodes.items()})
            _write_json(
                out, graph, _chain(edges, entity_edges), _chain(nodes, (_node_item(graph, n) for n in entities))
            )
    return path


def _chain(*iterables: Iterable[Any]) -> Iterator[Any]:
    for iterable in iterables:
        yield from iterable


def _merge(
    data: mmap.mmap, blocks: _Blocks, order: list[str], rendered: dict[str, list[bytes]]
) -> Iterator[bytes | memoryview]:
    """List elements in ``order``: old blocks copied (runs of them at once), the ``rendered`` ones instead of the
    old ones; blocks of keys not in ``order`` (the entities') are left out."""
    where = {key: n for n, key in enumerate(blocks.keys)}
    view = memoryview(data)
    run: tuple[int, int] | None = None  # consecutive old blocks, written as one slice
    previous = -2
    for key in order:
        if key in rendered:
            if run:
                yield view[run[0] : run[1]]
                run = None
            yield from rendered[key]
            continue
        n = where.get(key)
        if n is None:
            continue  # a paper without edges
        if run and n == previous + 1:
            run = (run[0], blocks.ends[n])
        else:
            if run:
                yield view[run[0] : run[1]]
            run = (blocks.starts[n], blocks.ends[n])
        previous = n
    if run:
        yield view[run[0] : run[1]]


# ---- graph.ttl: the header, paper blocks (each paper with its statements and evidence), entities, extractors


def _ttl_split(data: mmap.mmap | bytes) -> tuple[int, _Blocks, int, dict[str, tuple[int, int]]]:
    """Where the header (the prefixes) ends, the paper blocks (by IRI local name), where the entities begin, and
    the extractor blocks (by local name)."""
    last = data.rfind(b"@prefix ")
    header = data.find(b"\n", last) + 1 if last >= 0 else 0
    scan = max(header - 1, 0)  # the patterns match from the newline before a subject
    blocks = _Blocks([], [], [])
    for found in _TTL_PAPER.finditer(data, scan):
        if blocks.keys:
            blocks.ends.append(found.start() + 1)
        blocks.keys.append(found.group(1).decode("utf-8"))
        blocks.starts.append(found.start() + 1)
    rest = _TTL_REST.search(data, blocks.starts[-1] - 1 if blocks.starts else scan)
    rest_start = rest.start() + 1 if rest else len(data)
    if blocks.keys:
        blocks.ends.append(rest_start)
    agents: dict[str, tuple[int, int]] = {}
    found_agents = list(_TTL_AGENT.finditer(data, max(rest_start - 1, 0)))
    for n, found in enumerate(found_agents):
        end = found_agents[n + 1].start() + 1 if n + 1 < len(found_agents) else len(data)
        agents[found.group(1).decode("utf-8")] = (found.start() + 1, end)
    return header, blocks, rest_start, agents


def _turtle_string(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\\" not in text:
        return text
    return json.loads('"' + text.replace("\\'", "'") + '"')  # Turtle's short-string escapes are JSON's here


def _ttl_papers(maker: TripleMaker, nodes: list[Any], base: str) -> tuple[bytes, _Blocks, int]:
    """The Turtle of the papers ``nodes`` (in this order) as Oxigraph writes it, its blocks, its header's end."""
    buffer = io.BytesIO()
    serialize_triples(_chain(*(maker.paper(node) for node in nodes)), buffer, "turtle", base)
    text = buffer.getvalue()
    header, blocks, _, _ = _ttl_split(text)
    return text, blocks, header


def splice_turtle(
    old: Path, path: Path, graph: nx.MultiDiGraph, changed: Iterable[str], papers_before: int, base: str = DEFAULT_BASE
) -> Path:
    """Write ``path``: ``old`` (graph.ttl before the add) with the blocks of the papers in ``changed`` (ids) taken
    from ``graph`` (those papers and every entity), and the entities and extractors written again."""
    changed = sorted(set(changed))
    by_id = {node: data["paper_id"] for node, data in graph.nodes(data=True) if data.get("kind") == "Paper"}
    nodes = sorted((node for node, paper_id in by_id.items() if paper_id in set(changed)), key=by_id.__getitem__)
    if len(nodes) != len(changed):
        raise Unspliceable("a changed paper is not in the graph given")
    maker = TripleMaker(graph, base, oxigraph_terms())
    fresh, fresh_blocks, header_end = _ttl_papers(maker, nodes, base)
    header = fresh[:header_end]
    fresh_names = {local_name(name): name for name in maker._extractors}
    cited = set(fresh_names)
    if len(fresh_blocks.keys) != len(nodes):
        raise Unspliceable("a paper block not found in the Turtle just written")
    with open(old, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        old_header, blocks, _, old_agents = _ttl_split(data)
        if data[:old_header] != header or len(blocks.keys) != papers_before:
            raise Unspliceable(f"{len(blocks.keys)} papers in the file, {papers_before} in the state")
        replaced = {local_name(paper_id) for paper_id in changed}
        kept = [n for n, key in enumerate(blocks.keys) if key not in replaced]
        with memoryview(data) as view:

            def old_id(position: int) -> str:
                n = kept[position]
                found = _TTL_ID.search(data, blocks.starts[n], blocks.ends[n])
                if found is None:
                    raise Unspliceable("a paper block without its identifier")
                return _turtle_string(found.group(1))

            inserts = [bisect.bisect_left(range(len(kept)), paper_id, key=old_id) for paper_id in changed]
            # an extractor no fresh block cites may still be cited by a kept one
            ranges = _runs([(blocks.starts[n], blocks.ends[n]) for n in kept])
            for name in set(old_agents) - cited:
                needle = f" extractor:{name} ".encode()
                if any(data.find(needle, start, end) >= 0 for start, end in ranges):
                    cited.add(name)
            with atomic_writer(path, "wb") as out:
                out.write(header)
                position = 0
                for n, insert in enumerate(inserts):
                    for start, end in _runs([(blocks.starts[k], blocks.ends[k]) for k in kept[position:insert]]):
                        out.write(view[start:end])
                    position = insert
                    out.write(fresh[fresh_blocks.starts[n] : fresh_blocks.ends[n]])
                for start, end in _runs([(blocks.starts[k], blocks.ends[k]) for k in kept[position:]]):
                    out.write(view[start:end])
                rest = io.BytesIO()
                entities = [node for node in graph.nodes if node not in by_id]
                maker._extractors = {}
                triples = _chain(*(maker.entity(node) for node in entities))
                names = _agent_names(data, old_agents, cited, fresh_names)
                for name in names:
                    maker.extractor(name)
                serialize_triples(_chain(triples, maker.agents()), rest, "turtle", base)
                out.write(rest.getvalue()[len(header) :])
    return path


def _agent_names(
    data: mmap.mmap, old_agents: dict[str, tuple[int, int]], cited: set[str], fresh: dict[str, str]
) -> list[str]:
    """The names of the cited extractors (read from their old description when no fresh block cites them)."""
    names = []
    for local in sorted(cited):
        if local in fresh:
            names.append(fresh[local])
        elif local in old_agents:
            start, end = old_agents[local]
            found = re.search(rb'rdfs:label "((?:[^"\\]|\\.)*)"', data[start:end])
            if found is None:
                raise Unspliceable("an extractor without its label")
            names.append(_turtle_string(found.group(1)))
    return names


def _runs(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent ranges joined."""
    runs: list[tuple[int, int]] = []
    for start, end in ranges:
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs
