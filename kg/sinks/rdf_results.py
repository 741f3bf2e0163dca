"""The results of a paper as RDF (``kg:Result``, schema/kg.ttl; shapes in schema/shapes.ttl), for ``kg.sinks.rdf``.

``paper kg:reports result``; the result carries its number (``kg:value``, ``kg:score`` as ``xsd:decimal``, never
strings), its kind, unit, setting, the benchmark / metric / subject / baseline as entity links when they are
entities of the graph and always as names, and one ``kg:Evidence`` (the sentence and the offsets of the number),
quoted from the paper and attributed to the ``results`` extractor like every other evidence.

IRIs: ``result/<paper>.<field>-<start>-<end>`` and ``evidence/<paper>.result.<field>-<start>-<end>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.errors import KgError
from kg.ids import slug

KG_NS = "https://w3id.org/kg-ml/ontology#"
KINDS = ("absolute", "gain", "rank")


def decimal_text(value: Any, where: str) -> str:
    """The canonical ``xsd:decimal`` lexical form of a finite number (94.1, -4.9, 0.833, 12)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise KgError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise KgError(f"{where}: {value!r} is not a finite number")
    try:
        text = format(Decimal(repr(number)).normalize(), "f")
    except InvalidOperation:
        raise KgError(f"{where}: {value!r} is not a number") from None
    return "0" if text in ("-0", "") else text


def result_label(item: dict[str, Any]) -> str:
    """ "94.1 on RewardBench (accuracy)", "+6.9% on AlpacaEval (gain)": a readable name for a result."""
    kind = item.get("kind")
    text = str(item.get("text") or item.get("value"))
    metric = f" ({item['metric']})" if item.get("metric") else ""
    extra = " (gain)" if kind == "gain" and not metric else (" (rank)" if kind == "rank" else "")
    return f"{text} on {item.get('benchmark')}{metric}{extra}"


def result_triples(
    terms: Any,
    base: str,
    paper: Any,
    paper_local: str,
    items: list[dict[str, Any]],
    node_iri: Callable[[str], Any | None],
    agent: Callable[[str], Iterator[Any]],
) -> Iterator[Any]:
    """The triples of a paper's ``results`` attribute. ``node_iri(node)``: the IRI term of a graph node (None when
    it is not in the graph); ``agent(name)``: the triples linking an evidence to its extractor (and describing the
    extractor the first time)."""
    from kg.graph.results import direction

    iri, lit, typed, triple = terms.iri, terms.literal, terms.typed, terms.triple

    def kg(local: str) -> Any:
        return iri(KG_NS + local)

    a = iri(str(RDF.type))
    xsd_decimal, xsd_integer, xsd_boolean = iri(str(XSD.decimal)), iri(str(XSD.integer)), iri(str(XSD.boolean))
    label = iri(str(RDFS.label))
    quoted_from = iri(str(PROV.wasQuotedFrom))
    seen: set[str] = set()
    checked = []
    for item in items:
        where = f"result {item.get('id')!r} of paper {paper_local!r}"
        try:
            key = f"{item['field']}-{int(item['start'])}-{int(item['end'])}"
            kind = str(item["kind"])
        except (KeyError, TypeError, ValueError):
            raise KgError(f"{where}: needs field, start, end and kind") from None
        if kind not in KINDS or key in seen:
            raise KgError(f"{where}: kind {kind!r} unknown or the result repeated")
        seen.add(key)
        local = f"{paper_local}.{slug(key)}"
        checked.append(
            (item, where, kind, iri(f"{base}result/{local}"), iri(f"{base}evidence/{paper_local}.result.{slug(key)}"))
        )
    for _, _, _, result, _ in checked:  # the paper's own triples first: one subject block in Turtle
        yield triple(paper, kg("reports"), result)
    for item, where, kind, result, evidence in checked:
        yield triple(result, a, kg("Result"))
        yield triple(result, label, lit(result_label(item)))
        yield triple(result, kg("resultKind"), lit(kind))
        yield triple(result, kg("value"), typed(decimal_text(item.get("value"), where), xsd_decimal))
        if item.get("score") is not None:
            yield triple(result, kg("score"), typed(decimal_text(item["score"], where), xsd_decimal))
        if item.get("unit"):
            yield triple(result, kg("unit"), lit(str(item["unit"])))
        if item.get("error") is not None:
            yield triple(result, kg("uncertainty"), typed(decimal_text(abs(float(item["error"])), where), xsd_decimal))
        yield triple(result, kg("benchmarkName"), lit(str(item.get("benchmark") or "")))
        links = (
            ("benchmark_node", "onBenchmark"),
            ("metric_node", "measuredBy"),
            ("subject_node", "achievedBy"),
            ("baseline_node", "comparedWith"),
        )
        for attribute, prop in links:
            target = node_iri(item[attribute]) if item.get(attribute) else None
            if target is not None:
                yield triple(result, kg(prop), target)
        for attribute, prop in (
            ("metric", "metricName"),
            ("subject", "achieverName"),
            ("baseline", "baselineName"),
            ("setting", "setting"),
        ):
            if item.get(attribute):
                yield triple(result, kg(prop), lit(str(item[attribute])))
        yield triple(result, kg("ownMethod"), typed("true" if item.get("own") else "false", xsd_boolean))
        if kind == "absolute":  # which way the metric is better, for ORDER BY in SPARQL (docs/results.md)
            lower = direction(item.get("metric")) == "lower"
            yield triple(result, kg("lowerIsBetter"), typed("true" if lower else "false", xsd_boolean))
        extractor = str(item.get("extractor") or "results")
        name, _, rule = extractor.partition(":")
        if rule:
            yield triple(result, kg("extractorRule"), lit(rule))
        yield triple(result, kg("supportedBy"), evidence)
        yield triple(evidence, a, kg("Evidence"))
        yield triple(evidence, kg("sentence"), lit(str(item.get("sentence") or item.get("text") or "")))
        yield triple(evidence, kg("text"), lit(str(item.get("text"))))
        yield triple(evidence, kg("field"), lit(str(item["field"])))
        yield triple(evidence, kg("start"), typed(str(int(item["start"])), xsd_integer))
        yield triple(evidence, kg("end"), typed(str(int(item["end"])), xsd_integer))
        confidence = min(1.0, max(0.0, float(item.get("confidence") or 0.0)))
        yield triple(evidence, kg("confidence"), typed(decimal_text(round(confidence, 3), where), xsd_decimal))
        yield triple(evidence, quoted_from, paper)
        yield from agent_triples(evidence, name or "results", agent)


def agent_triples(evidence: Any, name: str, agent: Callable[..., Iterator[Any]]) -> Iterator[Any]:
    yield from agent(evidence, name)


def result_csv_rows(
    graph: Any, iris: dict[str, str], base: str, local_name: Callable[[str], str]
) -> Iterator[dict[str, Any]]:
    """One row per result of the graph for ``results.csv`` (``kg export --format csv``), with the IRIs of the RDF
    (``local_name``: kg.sinks.rdf's, the IRI segment of a paper id)."""
    from kg.graph.results import display_value, when

    for node, data in graph.nodes(data=True):
        if data.get("kind") != "Paper" or not data.get("results"):
            continue
        paper_local = local_name(str(data.get("paper_id") or node))
        for item in data["results"]:
            key = slug(f"{item['field']}-{int(item['start'])}-{int(item['end'])}")
            yield {
                **{name: item.get(name) for name in ("benchmark", "metric", "kind", "value", "unit", "score", "own")},
                **{name: item.get(name) for name in ("baseline", "setting", "text", "field", "start", "end")},
                **{name: item.get(name) for name in ("sentence", "confidence", "extractor")},
                "paper": data.get("paper_id"),
                "paper_iri": iris.get(node),
                "result_iri": f"{base}result/{paper_local}.{key}",
                "benchmark_iri": iris.get(item.get("benchmark_node") or ""),
                "metric_iri": iris.get(item.get("metric_node") or ""),
                "method": item.get("subject") or ("this paper's method" if item.get("own") else None),
                "method_iri": iris.get(item.get("subject_node") or ""),
                "baseline_iri": iris.get(item.get("baseline_node") or ""),
                "date": when(data)[1] or None,
                "shown": display_value(item),
            }
