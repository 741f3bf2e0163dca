"""Measures over counts of papers, shared by the query verbs (``kg query used-with``, ``trend``, ``rising``,
``related``) and the site (its "often together" lists, trend charts and "rising" page), so both rank the same way.

Plain functions over numbers and date strings; nothing here knows where the counts come from
(docs/queries.md explains each measure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

PERIODS = ("year", "month")
MIN_SUPPORT = 2  # papers two entities must share before their co-occurrence is ranked
GROWTH_PRIOR = 2.0  # pseudo-papers added to both windows of ``growth`` (so 0 -> 1 is not "infinitely rising")
RISING_WINDOW = 2  # periods compared by ``rising_rank`` (last 2 against the 2 before): `kg query rising`, the site
RISING_BY = "year"  # the period of ``rising_rank`` and of the site's "new" list, over the corpus's whole range


def period_of(date: str | None, year: int | None, by: str = "year") -> str | None:
    """The period a paper falls in: ``2024`` by year, ``2024-05`` by month; None when its date does not say
    (a paper with only a year has no month)."""
    if by not in PERIODS:
        raise ValueError(f"period {by!r}: use one of {', '.join(PERIODS)}")
    text = str(date) if date else (f"{int(year):04d}" if year is not None else "")
    if by == "year":
        return text[:4] if len(text) >= 4 and text[:4].isdigit() else None
    return text[:7] if len(text) >= 7 and text[:4].isdigit() and text[5:7].isdigit() else None


def period_range(first: str, last: str, by: str = "year") -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (so periods with no papers show as zero)."""
    if by == "year":
        return [f"{y:04d}" for y in range(int(first[:4]), int(last[:4]) + 1)]
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    end = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, end + 1)]


def filled(counts: dict[str, int], by: str = "year", periods: Iterable[str] | None = None) -> list[tuple[str, int]]:
    """``counts`` (period -> papers) over a continuous range of periods, zeros included: ``periods`` when given
    (e.g. the corpus's whole span), else from the first to the last period of ``counts``."""
    if periods is not None:
        return [(period, counts.get(period, 0)) for period in periods]
    if not counts:
        return []
    keys = sorted(counts)
    return [(period, counts.get(period, 0)) for period in period_range(keys[0], keys[-1], by)]


def association(together: int, a: int, b: int) -> float:
    """How strongly two entities go together: the cosine (Ochiai) similarity of their sets of papers,
    ``together / sqrt(a * b)`` where ``together`` papers name both and ``a``, ``b`` each; 1 when they always appear
    together, near 0 when one is everywhere and the other rare. Unlike PMI it does not depend on the corpus size,
    so papers that name neither never reorder a ranking (what lets ``kg add`` rewrite only the pages it touched)."""
    if together <= 0 or a <= 0 or b <= 0:
        return 0.0
    return min(1.0, together / math.sqrt(a * b))


def co_occurrence_rank(
    together: dict[str, int], count: int, counts: dict[str, int], min_support: int = MIN_SUPPORT
) -> list[tuple[str, float, int]]:
    """Entities that share papers with one entity (seen in ``count`` papers), best first: ``together`` maps
    each other entity to the papers they share, ``counts`` to its own papers. Ranked by ``association``, then
    shared papers, then name; those with fewer than ``min_support`` shared papers are left out. Rows: (entity,
    association, shared)."""
    rows = [
        (other, association(shared, count, counts.get(other, shared)), shared)
        for other, shared in together.items()
        if shared >= min_support
    ]
    return sorted(rows, key=lambda row: (-round(row[1], 9), -row[2], row[0]))


def growth(recent: int, before: int, prior: float = GROWTH_PRIOR) -> float:
    """How fast use grows between two equal windows of periods: ``log2((recent + prior) / (before + prior))``.
    The prior keeps small counts honest: 0 -> 1 paper scores 0.58, 0 -> 10 scores 2.58, 10 -> 20 scores 0.93."""
    return math.log2((recent + prior) / (before + prior))


def windows(series: list[tuple[str, int]], window: int) -> tuple[int, int]:
    """Papers in the last ``window`` periods of ``series`` and in the ``window`` periods before them."""
    counts = [count for _, count in series]
    recent = sum(counts[-window:]) if window > 0 else 0
    before = sum(counts[-2 * window : -window]) if window > 0 and len(counts) > window else 0
    return recent, before


def rarity(papers: int, total: int) -> float:
    """How specific an entity is, as inverse document frequency: ``log(1 + total / papers)``; an entity in every
    paper weighs ``log 2``, one in a single paper of 10,000 weighs about 9.2."""
    return math.log1p(total / papers) if papers > 0 and total > 0 else 0.0


def rising_rank(
    series: dict[str, list[tuple[str, int]]], window: int = RISING_WINDOW, min_support: int = MIN_SUPPORT
) -> list[tuple[str, float, int, int]]:
    """Entities whose use grows fastest, best first: ``series`` maps each entity to its papers per period over
    one shared, continuous range of periods (``filled``). Growth compares the last ``window`` periods with the
    ``window`` before (``growth``); entities with fewer than ``min_support`` recent papers are left out. Ties: more
    recent papers, then name. Rows: (entity, growth, recent, before)."""
    rows = []
    for entity, counts in series.items():
        recent, before = windows(counts, window)
        if recent >= min_support:
            rows.append((entity, growth(recent, before), recent, before))
    return sorted(rows, key=lambda row: (-round(row[1], 9), -row[2], row[0]))
