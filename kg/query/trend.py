"""``trend X --by year|month``: papers per period naming an entity, by relation; periods without papers are
zero (``kg.graph.measures.filled`` over the corpus's span), papers whose date does not say the period are counted
apart."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import UsageError
from kg.graph.measures import PERIODS, filled, period_of, period_range
from kg.query.common import Source, bounds, entity_ids, using


@dataclass(frozen=True, slots=True)
class TrendRow:
    period: str
    papers: int  # naming the entity in any way
    proposes: int
    uses: int
    evaluates_on: int
    mentions: int


@dataclass(frozen=True, slots=True)
class Trend:
    name: str
    by: str
    rows: list[TrendRow]
    undated: int  # papers naming the entity whose date does not say the period (no date; by month: a year only)
    undated_by_relation: dict[str, int] = field(default_factory=dict)


_COLUMNS = {"PROPOSES": "proposes", "USES": "uses", "EVALUATES_ON": "evaluates_on", "MENTIONS": "mentions"}


def trend(
    source: Source,
    name: str,
    by: str = "year",
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> Trend:
    """Papers per period (``year`` or ``month``) naming ``name``, over the corpus's continuous range of periods
    (cut to ``since`` / ``until``; ``limit``: the last periods only), with zeros where none."""
    if by not in PERIODS:
        raise UsageError(f"--by {by}: use one of {', '.join(PERIODS)}")
    low, high = bounds(since, until)
    with using(source) as index:
        ids = entity_ids(index, name)
        dated, undated = index.periods(ids, by, low, high)
        totals, undated_total = index.period_totals(ids, by, low, high)
        first, last = index.span(by)
    if low is not None and first is not None:
        first = max(first, period_of(low, None, by) or first)
    if high is not None and last is not None:
        last = min(last, period_of(high, None, by) or last)
    periods = period_range(first, last, by) if first and last and first <= last else []
    by_kind: dict[str, dict[str, int]] = {column: {} for column in _COLUMNS.values()}
    for period, kind, papers in dated:
        by_kind[_COLUMNS[kind]][period] = papers
    rows = [
        TrendRow(period, papers, *(by_kind[column].get(period, 0) for column in _COLUMNS.values()))
        for period, papers in filled(totals, by, periods)
    ]
    rows = rows[-limit:] if limit else rows
    relations = {_COLUMNS[kind]: n for kind, n in sorted(undated.items())}
    return Trend(name, by, rows, undated_total, relations)
