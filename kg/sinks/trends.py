"""Trends in the static site (``kg.sinks.site``): each entity's papers per period by role, what it is evaluated on,
what is often named with it, and the corpus's rising and new entities and timeline.

Everything is counted in one pass over the graph's paper -> entity edges (``SiteTrends.of``); a page then needs
only its entity's own papers and their entities, so writing every page is linear in the graph. Rankings are the
shared measures of ``kg.graph.measures`` (the ones ``kg query used-with`` and ``rising`` use), over the same counts:
an entity's papers are the distinct papers that propose, evaluate on, use or mention it; the total is every paper
of the graph; periods run over the corpus's whole continuous range of years, zeros included.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.graph.measures import (
    RISING_BY,
    RISING_WINDOW,
    co_occurrence_rank,
    filled,
    period_of,
    period_range,
    rising_rank,
)
from kg.sinks.charts import bar_chart, bar_svg
from kg.sinks.html import GraphIndex

ROLES = ("PROPOSES", "EVALUATES_ON", "USES", "MENTIONS")  # strongest first: a paper's bar part is its strongest
ROLE_SLUGS = {"PROPOSES": "proposes", "EVALUATES_ON": "evaluates-on", "USES": "uses", "MENTIONS": "mentions"}
ROLE_PARTS = (("MENTIONS", "only mention"), ("USES", "use"), ("EVALUATES_ON", "evaluate on"), ("PROPOSES", "propose"))
EVALUATED = frozenset({"Benchmark", "Dataset"})  # what methods and models are evaluated on
EVALUATING = frozenset({"Method", "Model"})
APPLIES = frozenset({"PROPOSES", "USES"})  # a paper applies a method or model it proposes or uses
EVALUATES = frozenset({"EVALUATES_ON", "USES"})  # and evaluates on a benchmark or dataset it names so (datasets: used)
TOGETHER_LIMIT = 15
EVALUATIONS_LIMIT = 15
RISING_LIMIT = 200
CHART_PERIODS = 10  # an entity's chart runs over the periods from its first paper to its last, 10 at least


def date_key(date: object) -> tuple[int, ...]:
    """Earliest first: 2023 before 2023-05 before 2023-05-02 before 2024; a paper without a date sorts last."""
    parts = [int(p) for p in str(date or "").split("-")[:3] if p.isdigit()]
    return (0, *parts, *(0,) * (3 - len(parts))) if parts else (1,)


def _shift(period: str, by_periods: int, by: str) -> str:
    """The period ``by_periods`` after ``period`` (before it when negative)."""
    if by == "year":
        return f"{int(period[:4]) + by_periods:04d}"
    month = int(period[:4]) * 12 + int(period[5:7]) - 1 + by_periods
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


@dataclass
class SiteTrends:
    """Per-entity counts of one graph, computed once and shared by every page."""

    index: GraphIndex
    by: str = RISING_BY
    links: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # entity -> paper -> relations
    paper_entities: dict[str, list[str]] = field(default_factory=dict)  # paper -> entities it names
    paper_period: dict[str, str | None] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)  # the corpus's continuous range
    ids: dict[str, str] = field(default_factory=dict)  # entity node -> entity id (the key the rankings sort by)
    drawn: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)  # charts drawn, by their counts

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, index: GraphIndex, by: str = RISING_BY) -> SiteTrends:
        trends = cls(index=index, by=by)
        for node, data in graph.nodes(data=True):
            if data.get("kind") == "Paper":
                trends.paper_period[node] = period_of(data.get("date"), data.get("year"), by)
                trends.paper_entities[node] = []
            else:
                trends.links[node] = {}
                trends.ids[node] = str(data.get("entity_id") or node.split(":", 1)[-1])
        for source, target, relation in graph.edges(data="type"):
            if relation in ROLE_SLUGS and source in trends.paper_entities and target in trends.links:
                papers = trends.links[target]
                if source not in papers:
                    papers[source] = set()
                    trends.paper_entities[source].append(target)
                papers[source].add(relation)
        dated = sorted(p for p in trends.paper_period.values() if p)
        trends.periods = period_range(dated[0], dated[-1], by) if dated else []
        return trends

    @property
    def total(self) -> int:
        return len(self.paper_period)

    def role(self, entity: str, paper: str) -> str:
        """The strongest relation of ``paper`` to ``entity`` (proposes, evaluates on, uses, mentions)."""
        relations = self.links[entity][paper]
        return next(r for r in ROLES if r in relations)

    # ---- one entity

    def chart(self, entity: str) -> dict[str, Any] | None:
        """Its papers per period, each counted once under its strongest role, from its first period to its last
        (and over ``CHART_PERIODS`` at least, ending with its last), zeros included; papers without a date are
        counted apart (``undated``). Only its own papers decide the chart (so ``kg add`` rewrites it only when they
        change). None when none of its papers has a date."""
        per: dict[str, Counter[str]] = defaultdict(Counter)
        undated = 0
        for paper in self.links[entity]:
            period = self.paper_period[paper]
            if period is None:
                undated += 1
            else:
                per[period][self.role(entity, paper)] += 1
        if not per:
            return None
        seen = sorted(per)
        periods = period_range(seen[0], seen[-1], self.by)
        if len(periods) < CHART_PERIODS:
            periods = period_range(_shift(seen[-1], 1 - CHART_PERIODS, self.by), seen[-1], self.by)
        none: dict[str, int] = {}
        values = [per.get(p, none) for p in periods]
        key = (periods[0], periods[-1], *(tuple(v.get(r, 0) for r, _ in ROLE_PARTS) for v in values))
        drawn = self.drawn.get(key)
        if drawn is None:  # many entities have the same few papers: each chart is drawn once
            drawn = self.drawn[key] = bar_chart(periods, values, ROLE_PARTS)
            drawn["svg"] = bar_svg(drawn, f"Papers per {self.by}, by role")
        chart = dict(drawn)
        chart.update(undated=undated, dated=len(self.links[entity]) - undated, first=seen[:1], last=seen[-1:])
        return chart

    def series(self, entity: str) -> list[tuple[str, int]]:
        """Its papers per period over the corpus's whole range (the series ``rising_rank`` compares)."""
        counts = Counter(self.paper_period[p] for p in self.links[entity])
        counts.pop(None, None)
        return filled(counts, self.by, self.periods)  # type: ignore[arg-type]

    def together(self, entity: str) -> Counter[str]:
        """Every other entity named in one of its papers, with the number of papers they share."""
        entities = self.paper_entities
        return Counter(other for paper in self.links[entity] for other in entities[paper] if other != entity)

    def often_together(self, entity: str, limit: int = TOGETHER_LIMIT) -> list[tuple[str, float, int]]:
        """``kg.graph.measures.co_occurrence_rank`` of ``entity`` (association, min support), best first, by
        node: the ranking of ``kg query used-with``. Rows: (node, association, shared papers)."""
        ids, shares = self.ids, self.together(entity)
        together = {ids[other]: shared for other, shared in shares.items()}
        nodes = {ids[other]: other for other in shares}
        counts = {ids[other]: len(self.links[other]) for other in shares}
        ranked = co_occurrence_rank(together, len(self.links[entity]), counts)
        return [(nodes[key], score, shared) for key, score, shared in ranked[:limit]]

    def evaluations(self, entity: str, limit: int = EVALUATIONS_LIMIT) -> tuple[str, list[tuple[str, int]], int]:
        """For a method or model: the benchmarks and datasets that the papers proposing or using it evaluate on
        (or use); for a benchmark or dataset: the methods and models proposed or used in the papers that evaluate
        on (or use) it, as ``kg query evaluated-on`` and ``methods-on`` count them. Returns (what the list is,
        rows of (node, papers) most papers first, how many in all)."""
        kind = self.index.kind(entity)
        if kind in EVALUATING:
            mine, theirs, kinds, what = APPLIES, EVALUATES, EVALUATED, "evaluated-on"
        elif kind in EVALUATED:
            mine, theirs, kinds, what = EVALUATES, APPLIES, EVALUATING, "methods-on"
        else:
            return "", [], 0
        found: Counter[str] = Counter()
        for paper, relations in self.links[entity].items():
            if relations & mine:
                for other in self.paper_entities[paper]:
                    if other != entity and self.index.kind(other) in kinds and self.links[other][paper] & theirs:
                        found[other] += 1
        label = self.index.label
        ranked = sorted(found, key=lambda n: (-found[n], label(n).casefold(), n))
        return what, [(n, found[n]) for n in ranked[:limit]], len(found)

    def tokens(self, entity: str) -> str:
        """``role:year`` of each of its papers (``role:`` when undated), for the list filters."""
        period = self.paper_period
        found = {
            f"{ROLE_SLUGS[r]}:{(period[p] or '')[:4]}" for p, relations in self.links[entity].items() for r in relations
        }
        return " ".join(sorted(found))

    def paper_token(self, paper: str, relation: str) -> str:
        return f"{ROLE_SLUGS.get(relation, relation.lower())}:{(self.paper_period.get(paper) or '')[:4]}"

    # ---- the corpus

    def first_paper(self, entity: str) -> str | None:
        """The dated paper that introduced it: the earliest, proposing ones first on the same date."""
        graph = self.index.graph
        dated = [p for p in self.links[entity] if self.paper_period[p]]
        if not dated:
            return None

        def key(paper: str) -> tuple[Any, ...]:
            data = graph.nodes[paper]
            return date_key(data.get("date") or data.get("year")), ROLES.index(self.role(entity, paper)), paper

        return min(dated, key=key)

    def rising(self, window: int = RISING_WINDOW) -> list[tuple[str, float, int, int]]:
        """``kg.graph.measures.rising_rank`` of every entity over the corpus's range, by node: the ranking of
        ``kg query rising``. Rows: (node, growth, papers in the last ``window`` periods, in the ``window`` before)."""
        if not self.periods:
            return []
        nodes = {self.ids[e]: e for e in self.links}
        ranked = rising_rank({key: self.series(node) for key, node in nodes.items()}, window)
        return [(nodes[key], growth, recent, before) for key, growth, recent, before in ranked]

    def windows(self, window: int = RISING_WINDOW) -> tuple[list[str], list[str]]:
        """The periods ``rising`` compares: the last ``window`` and the ``window`` before them."""
        return self.periods[-window:], self.periods[-2 * window : -window]

    def first_seen(self) -> dict[str, str]:
        """Each entity named in a dated paper -> the period of its earliest one."""
        found = {}
        for entity, papers in self.links.items():
            periods = [self.paper_period[p] for p in papers if self.paper_period[p]]
            if periods:
                found[entity] = min(periods)  # type: ignore[type-var]
        return found

    def new(self, window: int = RISING_WINDOW) -> list[tuple[str, str, str]]:
        """Entities first seen in the last ``window`` periods, newest first: rows of (node, period, paper)."""
        recent = set(self.periods[-window:])
        first = self.first_seen()
        rows = [(e, first[e], self.first_paper(e)) for e in first if first[e] in recent]
        papers = self.index.papers
        rows.sort(key=lambda row: (-int(row[1].replace("-", "")), -papers.get(row[0], 0), self.ids[row[0]]))
        return [(e, period, paper) for e, period, paper in rows if paper]

    def timeline(self) -> dict[str, Any] | None:
        """Papers and entities first seen per period over the corpus's range (two charts), and undated papers."""
        if not self.periods:
            return None
        papers = Counter(p for p in self.paper_period.values() if p)
        new = Counter(self.first_seen().values())
        papers_chart = bar_chart(self.periods, [{"papers": papers[p]} for p in self.periods], [("papers", "papers")])
        new_chart = bar_chart(
            self.periods, [{"new": new[p]} for p in self.periods], [("new", "new")], ("new entity", "new entities")
        )
        papers_chart["svg"] = bar_svg(papers_chart, f"Papers per {self.by}")
        new_chart["svg"] = bar_svg(new_chart, f"New entities per {self.by}")
        return {
            "papers": papers_chart,
            "new": new_chart,
            "undated": sum(1 for p in self.paper_period.values() if not p),
            "new_total": sum(new.values()),
        }
