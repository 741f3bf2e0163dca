"""``rising``: the entities whose use grows fastest (``kg.graph.measures.rising_rank``, the site's rising page
too): papers in the last ``window`` periods against the ``window`` before, smoothed so small counts stay honest,
over the corpus's continuous range of periods."""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import UsageError
from kg.graph.measures import MIN_SUPPORT, PERIODS, RISING_WINDOW, filled, period_of, period_range, rising_rank
from kg.query.common import Source, bounds, limited, types_of, using

DEFAULT_WINDOW = RISING_WINDOW  # the site's rising page uses the same


@dataclass(frozen=True, slots=True)
class Rising:
    entity_id: str
    name: str
    type: str
    growth: float  # log2 of the smoothed ratio (measures.growth)
    recent: int  # papers in the last window
    before: int  # papers in the window before
    periods: str  # the two windows, e.g. "2022-2023 -> 2024-2025"


def rising(
    source: Source,
    by: str = "year",
    window: int = DEFAULT_WINDOW,
    types: str | tuple[str, ...] | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    min_support: int = MIN_SUPPORT,
) -> list[Rising]:
    """Entities ranked by growth over the last ``window`` periods (``year`` or ``month``) of the corpus (cut to
    ``since`` / ``until``: the last period is ``until``'s); entities with fewer than ``min_support`` recent
    papers are left out."""
    if by not in PERIODS:
        raise UsageError(f"--by {by}: use one of {', '.join(PERIODS)}")
    if window < 1:
        raise UsageError(f"--window {window}: give at least 1")
    low, high = bounds(since, until)
    with using(source) as index:
        first, last = index.span(by)
        if low is not None and first is not None:
            first = max(first, period_of(low, None, by) or first)
        if high is not None and last is not None:
            last = min(last, period_of(high, None, by) or last)
        if not first or not last or first > last:
            return []
        periods = period_range(first, last, by)[-2 * window :]  # rising_rank reads no further back
        counts = index.series(by, periods[0], periods[-1], types_of(types), periods[-window], min_support)
        series = {entity: filled(by_period, by, periods) for entity, by_period in counts.items()}
        ranked = limited(rising_rank(series, window, min_support), limit)
        info = index.entities(entity for entity, *_ in ranked)
    recent = periods[-window:]
    earlier = periods[-2 * window : -window]
    span = f"{_span(earlier)} -> {_span(recent)}" if earlier else _span(recent)
    return [Rising(e, info[e].label, info[e].type, round(g, 4), r, b, span) for e, g, r, b in ranked]


def _span(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]}" if periods else ""
