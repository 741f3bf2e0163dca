"""Results in the graph: each paper node's ``results`` attribute, and leaderboards built from them.

A paper's results are computed by ``kg.extract.results.find_results`` from the paper node (title, abstract) and
its evidenced edges (every mention of every entity, with the entity's type and name): the same function the
extraction pipeline runs over the extracted entities. So the graph needs no new store: ``kg build``, ``kg add``,
``kg.build``, the RDF parts and a graph read back from a build state all give the same results, curated types and
roles included.

Why an attribute and not a node of its own (docs/results.md): a result belongs to exactly one paper, like the
evidence of an edge (which is an edge attribute too); as nodes they would enter every count, ranking,
neighbourhood and drawing of the graph (papers using X, the most used entities, the site's graph pages). The
sinks that have typed structures make them nodes there: ``kg:Result`` in RDF, ``(:Result)`` in Neo4j, rows of
``results.csv``.

``results`` items are the fields of ``kg.types.Result`` with the entity ordinals replaced by graph nodes
(``benchmark_node``, ``subject_node``, ``baseline_node``; None when the results rules named the benchmark without an
entity, e.g. "SemEval-2019 Task 3"), plus an ``id`` unique in the paper (``abstract-512-517``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.extract.results import ANCHOR_KINDS, FIELD_SEPARATOR, Anchor, find_results, knowledge, might_report
from kg.types import Result

RESULT_RELATIONS = ("PROPOSES", "USES", "EVALUATES_ON", "MENTIONS")
_ISO_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")


def display_value(item: dict[str, Any]) -> str:
    """The number as written, without TeX ("15.9\\%" -> "15.9%", "$\\pm$" -> "±"), for tables."""
    text = str(item.get("text") or item.get("value"))
    return text.replace("\\%", "%").replace("$\\pm$", "±").replace("\\pm", "±").replace("$", "").strip()


def result_id(item: dict[str, Any]) -> str:
    return f"{item['field']}-{item['start']}-{item['end']}"


def paper_results(graph: nx.MultiDiGraph, node: str, skipped: Counter[str] | None = None) -> list[dict[str, Any]]:
    """The results of paper ``node`` from its text and its edges to entities (not stored: computed)."""
    data = graph.nodes[node]
    title = str(data.get("title") or data.get("label") or "").replace("\n", " ")
    abstract = str(data.get("abstract") or "")
    text = title + FIELD_SEPARATOR + abstract
    if not might_report(text):  # most papers: no number shaped like a result, no need to gather the mentions
        return []
    targets: list[str] = []
    anchors: list[Anchor] = []
    body = len(title) + len(FIELD_SEPARATOR)
    for _, target, edge in graph.out_edges(node, data=True):
        if edge.get("type") not in RESULT_RELATIONS:
            continue
        entity = graph.nodes[target]
        kind = ANCHOR_KINDS.get(str(entity.get("type")))
        if kind is None:
            continue
        ref = len(targets)
        targets.append(target)
        for item in edge.get("evidence") or []:
            offset = 0 if item.get("field") == "title" else body
            try:
                start, end = int(item["start"]) + offset, int(item["end"]) + offset
            except (KeyError, TypeError, ValueError):
                continue
            anchors.append(
                Anchor(
                    start,
                    end,
                    kind,
                    str(entity.get("label") or target),
                    ref,
                    own=edge.get("type") == "PROPOSES",
                    generic=bool(entity.get("generic")),
                    etype=str(entity.get("type")),
                )
            )
    anchors.sort(key=lambda a: (a.start, -a.end, a.ref))
    found = find_results(text, len(title), anchors, skipped, gated=True)
    know = knowledge()
    metrics = {}
    for target in targets:
        if graph.nodes[target].get("type") == "metric":
            name = know.metric_name(str(graph.nodes[target].get("label") or ""))
            if name:
                metrics.setdefault(name, target)
    return [_as_item(result, targets, metrics) for result in found]


def _as_item(result: Result, targets: list[str], metrics: dict[str, str]) -> dict[str, Any]:
    item = result.to_dict()
    for name in ("benchmark", "subject", "baseline"):
        ref = item.pop(f"{name}_entity")
        item[f"{name}_node"] = targets[ref] if isinstance(ref, int) and 0 <= ref < len(targets) else None
    item["metric_node"] = metrics.get(item["metric"]) if item.get("metric") else None  # the paper's metric entity
    item["id"] = result_id(item)
    return item


def attach_results(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Set the ``results`` attribute of every paper node that reports any (``kg.graph.build.build_graph`` calls it)."""
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "Paper":
            items = paper_results(graph, node)
            if items:
                data["results"] = items
            else:
                data.pop("results", None)
    return graph


# ---- reading results back


def when(paper: dict[str, Any]) -> tuple[str, str]:
    """(sort key, label) of a paper's date: the ISO date, else the year, else empty."""
    date = str(paper.get("date") or "")
    found = _ISO_DATE.match(date)
    if found:
        return found.group(0), found.group(0)
    if paper.get("year"):
        return f"{int(paper['year']):04d}", str(paper["year"])
    return "", ""


@dataclass
class ResultRow:
    """One result with its paper: what a leaderboard row, a query answer and a CSV line show."""

    paper_node: str
    paper_id: str
    title: str
    date: str
    year: int | None
    url: str | None
    item: dict[str, Any]

    @property
    def benchmark(self) -> str:
        return str(self.item.get("benchmark") or "")

    @property
    def metric(self) -> str | None:
        return self.item.get("metric")

    @property
    def kind(self) -> str:
        return str(self.item.get("kind"))

    @property
    def score(self) -> float:
        score = self.item.get("score")
        return float(score if score is not None else self.item.get("value") or 0.0)

    def method(self, graph: nx.MultiDiGraph | None = None) -> str:
        """Who got the number: the subject's name, or "this paper's method" when the paper's own is unnamed."""
        subject = self.item.get("subject")
        if subject:
            return str(subject)
        return "this paper's method" if self.item.get("own") else "(unnamed)"

    def to_dict(self) -> dict[str, Any]:
        item = self.item
        return {
            "paper_id": self.paper_id,
            "title": self.title,
            "date": self.date or None,
            "year": self.year,
            "benchmark": item.get("benchmark"),
            "benchmark_node": item.get("benchmark_node"),
            "metric": item.get("metric"),
            "kind": item.get("kind"),
            "value": item.get("value"),
            "unit": item.get("unit"),
            "score": item.get("score"),
            "method": self.method(),
            "subject_node": item.get("subject_node"),
            "own": item.get("own"),
            "baseline": item.get("baseline"),
            "setting": item.get("setting"),
            "text": item.get("text"),
            "sentence": item.get("sentence"),
            "field": item.get("field"),
            "start": item.get("start"),
            "end": item.get("end"),
            "confidence": item.get("confidence"),
            "extractor": item.get("extractor"),
            "id": item.get("id"),
        }


def result_rows(graph: nx.MultiDiGraph) -> Iterator[ResultRow]:
    """Every result of the graph with its paper, papers in graph order."""
    for node, data in graph.nodes(data=True):
        if data.get("kind") != "Paper":
            continue
        items = data.get("results")
        if items is None:
            items = paper_results(graph, node)  # a graph built by hand or by an older kg
        if not items:
            continue
        date = when(data)[1]
        for item in items:
            yield ResultRow(
                node,
                str(data.get("paper_id") or node),
                str(data.get("title") or data.get("label") or ""),
                date,
                data.get("year"),
                data.get("url"),
                item,
            )


def benchmark_key(row: ResultRow) -> str:
    """Which leaderboard a row belongs to: its benchmark node, else its benchmark's name."""
    node = row.item.get("benchmark_node")
    return str(node) if node else "name:" + re.sub(r"[^0-9a-z]+", "", row.benchmark.casefold())


@functools.cache
def _direction(metric: str | None) -> str:
    info = knowledge().metric(metric) if metric else None
    return info.direction if info is not None else "higher"


def direction(metric: str | None) -> str:
    """ "higher" or "lower": which way is better for ``metric`` (``pipelines/metrics.jsonl``; unknown: higher)."""
    found = _direction(metric)
    return "lower" if found == "lower" else "higher"


_SETTING_WORDS = {"zero": "0", "one": "1", "finetuned": "fine-tuned", "fine-tuning": "fine-tuned"}
_SPLITS = {"validation": "dev", "development": "dev", "dev": "dev", "test": "test", "held-out": "held-out"}


def setting_key(setting: str | None) -> str:
    """The setting a result was measured in, compared loosely: "zero shot" = "zero-shot" = "0-shot", "finetuned" =
    "fine-tuned", "validation set" = "dev split", "Sub-task A" = "subtask a", "English–German" = "english-german";
    "" when none is stated (a setting of its own: it is not known to match any other)."""
    text = re.sub(r"[\s\-–—_]+", "-", str(setting or "").strip().casefold())
    if not text:
        return ""
    text = re.sub(r"^sub-task", "subtask", text)
    split = re.fullmatch(r"(validation|development|dev|test|held-out)-(?:set|split)", text)
    if split:
        return _SPLITS[split.group(1)]
    shot = re.fullmatch(r"(zero|one)-shot", text)
    if shot:
        return _SETTING_WORDS[shot.group(1)] + "-shot"
    return _SETTING_WORDS.get(text, text)


@dataclass
class Leaderboard:
    """The absolute results of one benchmark, metric and setting, best first; gains and ranks of the benchmark
    apart. Results of different settings (0-shot and 5-shot, test and dev set, none stated) are never ranked in one
    board: ``setting`` is the setting as written (None: not stated)."""

    key: str
    benchmark: str
    benchmark_node: str | None
    metric: str | None
    direction: str
    rows: list[ResultRow] = field(default_factory=list)
    setting: str | None = None

    @property
    def best(self) -> ResultRow | None:
        return self.rows[0] if self.rows else None

    def over_time(self) -> list[tuple[str, ResultRow, bool]]:
        """The dated rows oldest first, each with whether it set a new best (the state of the art by date)."""
        dated = sorted((r for r in self.rows if r.date), key=lambda r: (when_key(r), r.paper_id))
        out: list[tuple[str, ResultRow, bool]] = []
        best: float | None = None
        for row in dated:
            better = best is None or (row.score < best if self.direction == "lower" else row.score > best)
            if better:
                best = row.score
            out.append((row.date, row, better))
        return out


def when_key(row: ResultRow) -> str:
    return row.date


@dataclass
class BenchmarkResults:
    """Everything reported on one benchmark: a leaderboard per metric, and the gains and ranks."""

    key: str
    benchmark: str
    benchmark_node: str | None
    boards: list[Leaderboard] = field(default_factory=list)
    gains: list[ResultRow] = field(default_factory=list)
    ranks: list[ResultRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(b.rows) for b in self.boards) + len(self.gains) + len(self.ranks)


def _ranked(rows: list[ResultRow], lower: bool) -> list[ResultRow]:
    return sorted(
        rows, key=lambda r: ((r.score if lower else -r.score), r.date or "9999", r.paper_id, r.item.get("start", 0))
    )


def leaderboards(rows: Iterable[ResultRow]) -> dict[str, BenchmarkResults]:
    """Results grouped by benchmark: absolute scores in one leaderboard per metric and setting (best first by the
    metric's direction; ``setting_key``), relative gains and ranks listed apart, never ranked with the scores."""
    grouped: dict[str, list[ResultRow]] = defaultdict(list)
    for row in rows:
        grouped[benchmark_key(row)].append(row)
    out: dict[str, BenchmarkResults] = {}
    for key, found in grouped.items():
        names = Counter(r.benchmark for r in found)
        name = max(names, key=lambda n: (names[n], -len(n), n))
        node = next((r.item.get("benchmark_node") for r in found if r.item.get("benchmark_node")), None)
        entry = BenchmarkResults(key, name, node)
        by_board: dict[tuple[str | None, str], list[ResultRow]] = defaultdict(list)
        for row in found:
            if row.kind == "absolute":
                by_board[(row.metric, setting_key(row.item.get("setting")))].append(row)
            elif row.kind == "gain":
                entry.gains.append(row)
            else:
                entry.ranks.append(row)
        per_metric: Counter[str | None] = Counter()
        for (metric, _), board_rows in by_board.items():
            per_metric[metric] += len(board_rows)
        # a metric's boards together (the metric with most results first), the board without a setting first
        for metric, setting in sorted(by_board, key=lambda b: (-per_metric[b[0]], b[0] or "", b[1] != "", b[1])):
            way = direction(metric)
            board = by_board[(metric, setting)]
            written = Counter(str(r.item.get("setting")) for r in board if r.item.get("setting"))
            label = max(written, key=lambda w: (written[w], w)) if written else None
            ranked = _ranked(board, way == "lower")
            entry.boards.append(Leaderboard(key, name, node, metric, way, ranked, label))
        entry.gains.sort(key=lambda r: (r.date or "9999", r.paper_id, r.item.get("start", 0)))
        entry.ranks.sort(key=lambda r: (r.score, r.date or "9999", r.paper_id))
        out[key] = entry
    return out
