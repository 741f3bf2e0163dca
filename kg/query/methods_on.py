"""``methods-on B``: the methods and models evaluated on a benchmark or dataset, with paper counts."""

from __future__ import annotations

from kg.query.common import Source
from kg.query.pairs import EVALUATION_KINDS, METHOD_KINDS, METHOD_TYPES, Paired, paired


def methods_on(
    source: Source, name: str, since: str | None = None, until: str | None = None, limit: int | None = None
) -> list[Paired]:
    """Methods and models that papers propose or use where they evaluate on (or use) ``name``, most papers first."""
    return paired(source, name, EVALUATION_KINDS, METHOD_KINDS, METHOD_TYPES, since, until, limit)
