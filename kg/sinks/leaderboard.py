"""Leaderboards in the static site (``kg.sinks.site``): the results of every benchmark, best first, and a "state of
the art over time" chart drawn as inline SVG (no script, nothing fetched).

Each benchmark page (``e/<benchmark>.html``) gets one table per metric and setting (``kg.graph.results.setting_key``:
0-shot and 5-shot scores are never ranked together) of the absolute scores reported on it, ranked by the metric's
direction (``pipelines/metrics.jsonl``: FID, perplexity, WER lower is better), and below
them the relative gains and ranks, listed apart and never ranked with the scores. Every row links to the method,
the paper and the sentence that states the number (``p/<paper>.html#result-...``, where the paper page lists its
results). ``leaderboards.html`` lists every benchmark with results, including those that are not entities of the
graph (a shared task named only by the results rules), whose tables it shows itself.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.graph.results import BenchmarkResults, Leaderboard, ResultRow, display_value, leaderboards, result_rows
from kg.sinks.html import GraphIndex

CHART_WIDTH, CHART_HEIGHT = 640, 240
MARGIN = {"left": 56, "right": 16, "top": 18, "bottom": 34}


@dataclass
class SiteLeaderboards:
    """The results of one graph, arranged for the site's pages."""

    graph: nx.MultiDiGraph
    index: GraphIndex
    by_key: dict[str, BenchmarkResults] = field(default_factory=dict)
    by_paper: dict[str, list[ResultRow]] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, index: GraphIndex) -> SiteLeaderboards:
        rows = list(result_rows(graph))
        by_paper: dict[str, list[ResultRow]] = {}
        for row in rows:
            by_paper.setdefault(row.paper_node, []).append(row)
        return cls(graph, index, leaderboards(rows), by_paper)

    @functools.cached_property
    def by_node(self) -> dict[str, BenchmarkResults]:
        return {entry.benchmark_node: entry for entry in self.by_key.values() if entry.benchmark_node}

    def __bool__(self) -> bool:
        return bool(self.by_key)

    # ---- pieces

    def _url(self, node: str | None, root: str) -> str | None:
        if node and node in self.index.urls:
            return root + self.index.urls[node]
        return None

    def row(self, row: ResultRow, root: str, rank: int | None = None) -> dict[str, Any]:
        item = row.item
        unit = item.get("unit")
        value = display_value(item)
        return {
            "rank": rank,
            "method": row.method(),
            "method_url": self._url(item.get("subject_node"), root),
            "own": bool(item.get("own")),
            "value": value,
            "unit": unit,
            "score": item.get("score"),
            "kind": item.get("kind"),
            "metric": item.get("metric"),
            "setting": item.get("setting"),
            "baseline": item.get("baseline"),
            "baseline_url": self._url(item.get("baseline_node"), root),
            "benchmark": row.benchmark,
            "benchmark_url": self._url(item.get("benchmark_node"), root),
            "paper": row.title,
            "paper_url": self._url(row.paper_node, root),
            "evidence_url": (self._url(row.paper_node, root) or "") + f"#result-{item.get('id')}",
            "date": row.date,
            "sentence": item.get("sentence") or "",
            "confidence": item.get("confidence"),
        }

    def board(self, board: Leaderboard, root: str) -> dict[str, Any]:
        return {
            "metric": board.metric,
            "setting": board.setting,
            "direction": board.direction,
            "rows": [self.row(r, root, n) for n, r in enumerate(board.rows, start=1)],
            "chart": chart(board),
        }

    def entry(self, entry: BenchmarkResults, root: str) -> dict[str, Any]:
        return {
            "benchmark": entry.benchmark,
            "url": self._url(entry.benchmark_node, root),
            "anchor": "leaderboard",
            "count": entry.count,
            "boards": [self.board(b, root) for b in entry.boards],
            "gains": [self.row(r, root) for r in entry.gains],
            "ranks": [self.row(r, root) for r in entry.ranks],
        }

    # ---- what the pages get

    def for_entity(self, node: str) -> dict[str, Any] | None:
        """The leaderboard section of an entity page (a benchmark or dataset with results), or None."""
        entry = self.by_node.get(node)
        return self.entry(entry, "../") if entry is not None else None

    def for_paper(self, node: str) -> list[dict[str, Any]]:
        """The results a paper reports, for its page (each with the ``id`` its leaderboard rows link to)."""
        out = []
        for row in sorted(
            self.by_paper.get(node, []), key=lambda r: (r.item.get("field") != "title", r.item.get("start", 0))
        ):
            item = dict(self.row(row, "../"))
            item["id"] = row.item.get("id")
            item["segments"] = sentence_segments(row.item)
            out.append(item)
        return out

    def index_context(self) -> dict[str, Any]:
        entries = sorted(self.by_key.values(), key=lambda e: (-e.count, e.benchmark.casefold()))
        listed = []
        for number, entry in enumerate(entries, 1):
            data = self.entry(entry, "")
            data["linked"] = data["url"] is not None
            data["anchor"] = f"board-{number}"  # the section of a benchmark that has no page of its own
            data["best"] = [
                {"metric": b["metric"], "setting": b["setting"], "direction": b["direction"], "row": b["rows"][0]}
                for b in data["boards"]
                if b["rows"]
            ]
            listed.append(data)
        return {"title": "Leaderboards", "entries": listed, "total": sum(e.count for e in entries)}


def sentence_segments(item: dict[str, Any]) -> list[tuple[str, bool]]:
    """The result's sentence cut into (text, is-the-number) runs, to mark the number."""
    sentence, text = str(item.get("sentence") or ""), str(item.get("text") or "")
    at = sentence.find(text) if text else -1
    if at < 0:
        return [(sentence, False)]
    return [(sentence[:at], False), (text, True), (sentence[at + len(text) :], False)]


def _scale(low: float, high: float, size: float, invert: bool = False) -> Any:
    span = high - low or 1.0

    def place(value: float) -> float:
        share = (value - low) / span
        return round((1 - share if invert else share) * size, 1)

    return place


def _year_of(date: str) -> float:
    """A date ("2024-10-11", "2019") as a fractional year, for the x axis."""
    parts = [int(p) for p in date.split("-") if p.isdigit()]
    if not parts:
        return 0.0
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 7
    day = parts[2] if len(parts) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def chart(board: Leaderboard) -> dict[str, Any] | None:
    """The geometry of a "state of the art over time" chart (rendered as SVG by the template), or None when fewer
    than two results have dates. Points: every dated result; the line: the best so far, by date."""
    timeline = board.over_time()
    if len({date for date, _, _ in timeline}) < 2:
        return None
    xs = [_year_of(date) for date, _, _ in timeline]
    ys = [row.score for _, row, _ in timeline]
    x_low, x_high = min(xs), max(xs)
    x_pad = max((x_high - x_low) * 0.04, 0.25)  # the first and last points off the axes
    x_low, x_high = x_low - x_pad, x_high + x_pad
    y_low, y_high = min(ys), max(ys)
    pad = (y_high - y_low) * 0.08 or max(abs(y_high) * 0.05, 0.5)
    y_low, y_high = y_low - pad, y_high + pad
    width = CHART_WIDTH - MARGIN["left"] - MARGIN["right"]
    height = CHART_HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    x_of = _scale(x_low, x_high, width)
    y_of = _scale(y_low, y_high, height, invert=True)
    points, steps = [], []
    best_y: float | None = None
    for (date, row, better), x, y in zip(timeline, xs, ys, strict=True):
        px, py = MARGIN["left"] + x_of(x), MARGIN["top"] + y_of(y)
        points.append(
            {
                "x": px,
                "y": py,
                "best": better,
                "label": f"{row.method()}: {display_value(row.item)} ({date})",
                "method": row.method(),
            }
        )
        if better:
            if best_y is not None:
                steps.append((px, best_y))
            best_y = py
            steps.append((px, py))
    if best_y is not None:
        steps.append((MARGIN["left"] + width, best_y))
    ticks_y = _nice_ticks(y_low, y_high)
    right = MARGIN["left"] + width
    for point in points:  # a label near the right edge runs leftwards, inside the chart
        point["anchor"] = "end" if point["x"] > right - 90 else "start"
        point["label_x"] = round(point["x"] - 6 if point["anchor"] == "end" else point["x"] + 6, 1)
    first_year, last_year = math.ceil(x_low), math.floor(x_high)
    every = next(step for step in (1, 2, 5, 10, 20, 50) if (last_year - first_year) / step <= 8)
    years = [year for year in range(first_year, last_year + 1) if year % every == 0] or sorted({int(x) for x in xs})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": MARGIN["left"],
        "top": MARGIN["top"],
        "right": MARGIN["left"] + width,
        "bottom": MARGIN["top"] + height,
        "points": points,
        "path": " ".join(f"{'M' if n == 0 else 'L'}{x},{y}" for n, (x, y) in enumerate(steps)),
        "y_ticks": [{"y": MARGIN["top"] + y_of(v), "label": _short(v)} for v in ticks_y],
        "x_ticks": [
            {"x": MARGIN["left"] + x_of(float(year)), "label": str(year)} for year in years if x_low <= year <= x_high
        ]
        or [{"x": points[0]["x"], "label": timeline[0][0][:7]}],
        "metric": (board.metric or "score") + (f" ({board.setting})" if board.setting else ""),
        "direction": board.direction,
        "best": [p for p in points if p["best"]],
    }


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (a step of 1, 2 or 5 times a power of ten) inside [low, high]."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _short(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
