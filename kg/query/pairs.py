"""Entities evaluated together: what ``evaluated-on`` (benchmarks and datasets of a method or model) and
``methods-on`` (methods and models on a benchmark or dataset) both count."""

from __future__ import annotations

from dataclasses import dataclass

from kg.query.common import Source, bounds, entity_ids, limited, using

EVALUATION_KINDS = ("EVALUATES_ON", "USES")  # how a paper names what it evaluates on
METHOD_KINDS = ("PROPOSES", "USES")  # how a paper names the method or model it evaluates
BENCHMARK_TYPES = ("benchmark", "dataset")
METHOD_TYPES = ("method", "model")


@dataclass(frozen=True, slots=True)
class Paired:
    entity_id: str
    name: str
    type: str
    papers: int  # papers that name both (the one asked about as a method and this one as evaluated on, or back)


def paired(
    source: Source,
    name: str,
    kinds: tuple[str, ...],
    other_kinds: tuple[str, ...],
    other_types: tuple[str, ...],
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> list[Paired]:
    """Entities of ``other_types`` that papers name with ``other_kinds`` where they name ``name`` with ``kinds``,
    most papers first."""
    low, high = bounds(since, until)
    with using(source) as index:
        shared = index.together(entity_ids(index, name), low, high, 1, kinds, other_kinds, other_types)
        info = index.label_types(shared)
    rows = [Paired(i, *info[i], n) for i, n in shared.items()]
    return limited(sorted(rows, key=lambda r: (-r.papers, r.name.casefold(), r.entity_id)), limit)
