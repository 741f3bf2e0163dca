"""``evaluated-on X``: the benchmarks and datasets a method or model is evaluated on, with paper counts (a paper
that proposes or uses X and evaluates on or uses B; datasets count as well as benchmarks)."""

from __future__ import annotations

from kg.query.common import Source
from kg.query.pairs import BENCHMARK_TYPES, EVALUATION_KINDS, METHOD_KINDS, Paired, paired


def evaluated_on(
    source: Source, name: str, since: str | None = None, until: str | None = None, limit: int | None = None
) -> list[Paired]:
    """Benchmarks and datasets that the papers proposing or using ``name`` evaluate on, most papers first."""
    return paired(source, name, METHOD_KINDS, EVALUATION_KINDS, BENCHMARK_TYPES, since, until, limit)
