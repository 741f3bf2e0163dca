"""Results questions over a built graph: the results reported on a benchmark (or by a method), and the best one.

``results(graph, benchmark="MT-Bench", metric=None, method=None, since=None)`` -> ``ResultHit`` rows, leaderboard
order (absolute scores best first by the metric's direction, per metric and setting, then gains, then ranks);
``best(graph, "MT-Bench")`` -> the best absolute score of each metric and setting reported on it. A benchmark or
method is found by any of its names (``kg.graph.names.lookup``, near misses get "did you mean"); a benchmark that
is no entity of the graph (a shared task named by the results rules) is found by its name as the results give it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import networkx as nx

from kg.errors import KgError
from kg.graph.names import lookup
from kg.graph.results import BenchmarkResults, ResultRow, benchmark_key, display_value, leaderboards, result_rows
from kg.sources.dates import bound, within

KINDS = ("absolute", "gain", "rank")


@dataclass(frozen=True, slots=True)
class ResultHit:
    """One reported result, flat: what ``kg query results`` prints (``--json``: these fields)."""

    benchmark: str
    metric: str | None
    kind: str
    value: float
    unit: str | None
    score: float | None
    method: str
    own: bool
    baseline: str | None
    setting: str | None
    paper_id: str
    title: str
    date: str | None
    year: int | None
    text: str  # the number as written in the sentence
    sentence: str
    shown: str = ""  # the number for a table ("15.9%" for "15.9\\%")
    rank: int | None = None  # place in its leaderboard (absolute scores only)
    direction: str | None = None  # of the metric: higher or lower is better

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _hit(row: ResultRow, rank: int | None = None, direction: str | None = None) -> ResultHit:
    item = row.item
    return ResultHit(
        benchmark=row.benchmark,
        metric=item.get("metric"),
        kind=row.kind,
        value=float(item.get("value") or 0.0),
        unit=item.get("unit"),
        score=item.get("score"),
        method=row.method(),
        own=bool(item.get("own")),
        baseline=item.get("baseline"),
        setting=item.get("setting"),
        paper_id=row.paper_id,
        title=row.title,
        date=row.date or None,
        year=row.year,
        text=str(item.get("text") or ""),
        sentence=str(item.get("sentence") or ""),
        shown=display_value(item),
        rank=rank,
        direction=direction,
    )


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _benchmarks(graph: nx.MultiDiGraph, name: str, boards: dict[str, BenchmarkResults]) -> list[BenchmarkResults]:
    """The results entries a benchmark name refers to: an entity of the graph, else results named so."""
    wanted = _norm(name)
    by_name = [entry for entry in boards.values() if _norm(entry.benchmark) == wanted]
    match = lookup(graph, name)
    nodes = set(match.nodes)
    by_node = [entry for entry in boards.values() if entry.benchmark_node in nodes]
    found = list({id(e): e for e in [*by_node, *by_name]}.values())
    if not found:
        if match.nodes:
            raise KgError(f"no results reported on {name!r} in the graph")
        raise KgError(match.message())
    return found


def _method_matches(graph: nx.MultiDiGraph, method: str) -> tuple[set[str], str]:
    match = lookup(graph, method)
    if not match.nodes and not any(_norm(row.method()) == _norm(method) for row in result_rows(graph)):
        raise KgError(match.message())
    return set(match.nodes), _norm(method)


def results(
    graph: nx.MultiDiGraph,
    benchmark: str | None = None,
    metric: str | None = None,
    method: str | None = None,
    since: str | None = None,
    until: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[ResultHit]:
    """Results reported in the graph, on ``benchmark`` and by ``method`` when given (any name of them), of
    ``metric`` and ``kind`` (absolute, gain, rank) when given, by papers dated between ``since`` and ``until``;
    in leaderboard order per benchmark: each metric's scores best first, then the gains, then the ranks."""
    bound(since, "--since")
    bound(until, "--until")
    if kind is not None and kind not in KINDS:
        raise KgError(f"kind {kind!r}: choose one of {', '.join(KINDS)}")
    rows = list(result_rows(graph))
    boards = leaderboards(rows)
    entries = (
        _benchmarks(graph, benchmark, boards)
        if benchmark
        else sorted(boards.values(), key=lambda e: (-e.count, e.benchmark.casefold()))
    )
    nodes, method_key = _method_matches(graph, method) if method else (set(), "")
    wanted_metric = _norm(metric) if metric else None
    hits: list[ResultHit] = []
    for entry in entries:
        ordered: list[tuple[ResultRow, int | None, str | None]] = []
        for board in entry.boards:
            ordered += [(row, n, board.direction) for n, row in enumerate(board.rows, start=1)]
        ordered += [(row, None, None) for row in entry.gains]
        ordered += [(row, None, None) for row in entry.ranks]
        for row, rank, way in ordered:
            if wanted_metric is not None and _norm(row.metric or "") != wanted_metric:
                continue
            if kind is not None and row.kind != kind:
                continue
            if method and not (row.item.get("subject_node") in nodes or _norm(row.method()) == method_key):
                continue
            if not within(row.date or None, row.year, since, until):
                continue
            hits.append(_hit(row, rank, way))
    return hits[:limit] if limit else hits


def best(graph: nx.MultiDiGraph, benchmark: str, metric: str | None = None) -> list[ResultHit]:
    """The best absolute score reported on ``benchmark`` for each of its metrics and settings (``metric``: that one
    only; 0-shot and 5-shot scores are not compared), by the metric's direction; ties go to the earlier paper."""
    rows = list(result_rows(graph))
    found = []
    for entry in _benchmarks(graph, benchmark, leaderboards(rows)):
        for board in entry.boards:
            if metric is not None and _norm(board.metric or "") != _norm(metric):
                continue
            if board.best is not None:
                found.append(_hit(board.best, 1, board.direction))
    if not found:
        raise KgError(f"no absolute scores reported on {benchmark!r}" + (f" in {metric}" if metric else ""))
    return found


__all__ = ["KINDS", "ResultHit", "benchmark_key", "best", "results"]
