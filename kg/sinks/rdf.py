"""The graph as RDF, following the ontology in ``schema/kg.ttl`` (design notes: ``docs/rdf.md``).

One mapping, :func:`iter_triples`, turns the networkx graph into triples of RDF terms; it is written once and
instantiated with two term libraries:

* rdflib (:func:`to_rdf`): an in-memory ``rdflib.Graph`` for anyone who wants the rdflib API;
* pyoxigraph (:func:`write_rdf`): triples streamed straight into Oxigraph's Rust serialisers, so that writing
  Turtle or N-Triples never holds the whole RDF graph in memory and runs about 18x faster than rdflib's
  (``benchmarks/bench_rdf.py``: 10 million triples of Turtle in under a minute of CPU and 100 MiB).

Every name, sentence and identifier reaches the output only as an RDF term (IRIs built from
``kg.ids.slug``, literals escaped by the serialiser), never by string concatenation into a document.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import networkx as nx
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.atomic import atomic_writer
from kg.errors import KgError, UsageError
from kg.ids import slug
from kg.sinks.rdf_results import result_triples

KG = Namespace("https://w3id.org/kg-ml/ontology#")
SCHEMA = Namespace("https://schema.org/")
ONTOLOGY_IRI = "https://w3id.org/kg-ml/ontology"
DEFAULT_BASE = "https://w3id.org/kg-ml/"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
ONTOLOGY_FILE = SCHEMA_DIR / "kg.ttl"
SHAPES_FILE = SCHEMA_DIR / "shapes.ttl"

#: relation type in graph.json -> (ontology property local name, IRI path segment)
RELATIONS = {
    "PROPOSES": ("proposes", "proposes"),
    "USES": ("uses", "uses"),
    "EVALUATES_ON": ("evaluatesOn", "evaluates-on"),
    "MENTIONS": ("mentions", "mentions"),
    "VARIANT_OF": ("variantOf", "variant-of"),
    "CITES": ("cites", "cites"),  # paper -> paper (kg.graph.citations)
}
RELATION_PROPERTY = {name: KG[local] for name, (local, _) in RELATIONS.items()}
ENTITY_CLASSES = {
    "method": "Method",
    "model": "Model",
    "dataset": "Dataset",
    "benchmark": "Benchmark",
    "metric": "Metric",
}
VOCABULARY_PREFIXES = {
    "kg": str(KG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dc": str(DC),
    "prov": str(PROV),
    "schema": str(SCHEMA),
}
DATA_PATHS = ("paper", *ENTITY_CLASSES, "statement", "evidence", "extractor", "result")

_SAFE_LOCAL = re.compile(r"[a-z0-9][a-z0-9-]*")
_ARXIV_ID = re.compile(r"arxiv:(\d{4})\.(\d{4,5})")
_ISO_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_DATE_TYPES = (
    (_ISO_DATE, "date"),
    (re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "gYearMonth"),
    (re.compile(r"\d{4}"), "gYear"),
)
_SOURCE_PAGES = (("openalex:", "https://openalex.org/"), ("s2:", "https://www.semanticscholar.org/paper/"))
_WIKIDATA = re.compile(r"Q[1-9]\d*")
_IRI_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def normalise_base(base: str) -> str:
    """Check that ``base`` is an absolute IRI that can prefix others; add a final ``/`` when it has none."""
    import pyoxigraph as ox

    base = (base or "").strip()
    problem = not _SCHEME.match(base) or _IRI_UNSAFE.search(base) or "#" in base[:-1]
    if not problem:
        base = base if base.endswith(("/", "#", ":")) else base + "/"
        try:
            ox.NamedNode(base + "x")
        except ValueError:
            problem = True
    if problem:
        raise UsageError(f"base IRI {base!r} is not an absolute IRI like {DEFAULT_BASE}")
    return base


def local_name(raw: str) -> str:
    """The IRI path segment of an id: the id itself when it is already a lowercase slug (``dpo``,
    ``dpo--direct-preference-optimization``), else ``slug(id)`` plus a short hash of the raw id, so that two ids
    never share a segment and the segment of an id never depends on the other ids in the graph."""
    raw = str(raw)
    if _SAFE_LOCAL.fullmatch(raw):
        return raw
    arxiv = _ARXIV_ID.fullmatch(raw)
    if arxiv:  # canonical new-style arXiv ids map one to one: arxiv:2401.12345 -> arxiv-2401-12345
        return f"arxiv-{arxiv.group(1)}-{arxiv.group(2)}"
    return f"{slug(raw)}-{hashlib.blake2b(raw.encode('utf-8'), digest_size=3).hexdigest()}"


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefixes of the vocabularies and of the data IRIs (``paper:``, ``method:``, ...) under ``base``."""
    base = normalise_base(base)
    data = {name: f"{base}{name}/" for name in DATA_PATHS}
    return {**VOCABULARY_PREFIXES, **data}


def node_path(node: Any, data: dict[str, Any]) -> str:
    """The IRI of a graph node relative to the base: ``paper/<id>`` or ``<type>/<id>`` (``method/dpo``)."""
    kind = data.get("kind")
    if kind == "Paper":
        if not data.get("paper_id"):
            raise KgError(f"node {node!r}: a Paper needs a 'paper_id'")
        return f"paper/{local_name(data['paper_id'])}"
    if kind in ENTITY_CLASSES.values():
        if data.get("type") not in ENTITY_CLASSES or not data.get("entity_id") or not data.get("label"):
            raise KgError(f"node {node!r}: an entity needs 'type', 'entity_id' and 'label'")
        return f"{data['type']}/{local_name(data['entity_id'])}"
    raise KgError(f"node {node!r}: unknown kind {kind!r}")


def paper_iri(base: str, paper_id: str) -> URIRef:
    return URIRef(f"{normalise_base(base)}paper/{local_name(paper_id)}")


def entity_iri(base: str, entity_type: str, entity_id: str) -> URIRef:
    return URIRef(f"{normalise_base(base)}{entity_type}/{local_name(entity_id)}")


def _web_iri(value: str) -> str | None:
    """An http(s) IRI from a URL found in the input (percent-encoding what an IRI may not hold), or None."""
    import pyoxigraph as ox

    value = value.strip()
    if not re.match(r"https?://[^/\s]", value):
        return None
    head, _, fragment = value.partition("#")
    encoded = quote(head, safe=":/?@!$&'()*+,;=%~-._") + (
        "#" + quote(fragment, safe="/?@!$&'()*+,;=~-._") if fragment else ""
    )
    encoded = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", encoded)
    try:
        ox.NamedNode(encoded)
    except ValueError:
        return None
    return encoded


def _external_links(entity_type: str, scheme: str, value: str) -> tuple[str, str] | None:
    """(property local name, IRI) for a known external id, or None."""
    value = str(value).strip()
    if scheme == "wikidata" and _WIKIDATA.fullmatch(value):
        return "exactMatch", f"http://www.wikidata.org/entity/{value}"
    if scheme == "hf" and value:
        kind = "datasets/" if entity_type in ("dataset", "benchmark") else ""
        return "seeAlso", f"https://huggingface.co/{kind}{quote(value, safe='/-._~')}"
    if scheme == "pwc" and value and entity_type in ("method", "dataset"):
        return "seeAlso", f"https://paperswithcode.com/{entity_type}/{quote(value, safe='-._~')}"
    return None


def _decimal(value: Any, where: str) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise KgError(f"{where}: confidence {value!r} is not a finite number")
    return format(Decimal(f"{number:.3f}").normalize(), "f")  # canonical: 0.7, 1 (as Oxigraph stores them)


@dataclass(frozen=True, slots=True)
class Terms:
    """The constructors of one RDF library: ``iri(str)``, ``literal(str)``, ``typed(str, datatype)``, ``triple``."""

    iri: Callable[[str], Any]
    literal: Callable[[str], Any]
    typed: Callable[[str, Any], Any]
    triple: Callable[[Any, Any, Any], Any]


def rdflib_terms() -> Terms:
    return Terms(URIRef, Literal, lambda value, datatype: Literal(value, datatype=datatype), lambda s, p, o: (s, p, o))


def oxigraph_terms() -> Terms:
    import pyoxigraph as ox

    return Terms(ox.NamedNode, ox.Literal, lambda value, datatype: ox.Literal(value, datatype=datatype), ox.Triple)


def iter_triples(
    graph: nx.MultiDiGraph,
    base: str = DEFAULT_BASE,
    terms: Terms | None = None,
    subjects: str = "all",
    papers: Iterable[Any] | None = None,
) -> Iterator[Any]:
    """Yield the triples of ``graph`` (built by ``kg.graph.build.build_graph``), one paper at a time in graph order,
    then the entities, then the extractors.

    ``subjects="papers"``: only the papers' triples and those of their edges (statements, evidence) and the
    extractors they cite; ``"entities"``: only the entities' and their VARIANT_OF edges. The two together are
    ``"all"``: this is how the N-Triples parts of an incremental build are cut (``kg.sinks.rdf_parts``).
    ``papers``: only these paper nodes (in this order), for a part cut from a whole graph.

    Each paper's triples (its own, its relations, its results, its edges' statements and evidence) depend on that
    paper and the entities it links to alone, and the extractors are described once at the end: so a paper's
    Turtle block is the same wherever it is written, which is what lets ``kg add`` splice ``graph.ttl``
    (``kg.sinks.splice``) instead of rewriting it.

    Papers and entities get readable, stable IRIs under ``base`` (``paper/<id>``, ``method/<id>``, ...). Each
    paper->entity edge is a direct triple (``paper kg:uses method``) plus a ``kg:Statement`` (an
    ``rdf:Statement`` with the edge's confidence) and one ``kg:Evidence`` per supporting sentence (PROV-O: quoted
    from the paper, attributed to the extractor, with its own confidence).
    """
    if subjects not in ("all", "papers", "entities"):
        raise KgError(f"subjects={subjects!r}: choose all, papers or entities")
    writer = TripleMaker(graph, base, terms)
    if subjects != "entities":
        nodes = writer.paper_nodes() if papers is None else papers
        for node in nodes:
            yield from writer.paper(node)
    if subjects != "papers":
        for node in writer.entity_nodes():
            yield from writer.entity(node)
    yield from writer.agents()


_VOCABULARY = (
    ("DC", DC, "creator"),
    ("DCTERMS", DCTERMS, "abstract"),
    ("DCTERMS", DCTERMS, "identifier"),
    ("DCTERMS", DCTERMS, "issued"),
    ("DCTERMS", DCTERMS, "title"),
    ("KG", KG, "Evidence"),
    ("KG", KG, "Paper"),
    ("KG", KG, "Statement"),
    ("KG", KG, "authorCount"),
    ("KG", KG, "confidence"),
    ("KG", KG, "end"),
    ("KG", KG, "family"),
    ("KG", KG, "field"),
    ("KG", KG, "fullName"),
    ("KG", KG, "generic"),
    ("KG", KG, "organisation"),
    ("KG", KG, "outsideReferenceCount"),
    ("KG", KG, "referenceCount"),
    ("KG", KG, "sentence"),
    ("KG", KG, "start"),
    ("KG", KG, "supportedBy"),
    ("KG", KG, "text"),
    ("KG", KG, "venue"),
    ("KG", KG, "year"),
    ("PROV", PROV, "SoftwareAgent"),
    ("PROV", PROV, "wasAttributedTo"),
    ("PROV", PROV, "wasQuotedFrom"),
    ("RDF", RDF, "object"),
    ("RDF", RDF, "predicate"),
    ("RDF", RDF, "subject"),
    ("RDFS", RDFS, "label"),
    ("RDFS", RDFS, "seeAlso"),
    ("SCHEMA", SCHEMA, "sameAs"),
    ("SCHEMA", SCHEMA, "url"),
    ("SKOS", SKOS, "altLabel"),
    ("SKOS", SKOS, "exactMatch"),
    ("SKOS", SKOS, "prefLabel"),
)


class TripleMaker:
    """The triples of a graph's nodes, one node at a time (IRIs computed once per node, when first needed)."""

    def __init__(self, graph: nx.MultiDiGraph, base: str = DEFAULT_BASE, terms: Terms | None = None) -> None:
        t = terms or rdflib_terms()
        self.graph, self.terms, self.base = graph, t, normalise_base(base)
        iri, typed = t.iri, t.typed

        def v(namespace: Namespace, local: str) -> Any:
            return iri(str(namespace[local]))

        self.k: dict[str, Any] = {f"{name}:{local}": v(ns, local) for name, ns, local in _VOCABULARY}
        self.a = iri(str(RDF.type))
        self.xsd = {n: v(XSD, n) for n in ("integer", "decimal", "boolean", "date", "gYearMonth", "gYear", "anyURI")}
        self.true, self.false = typed("true", self.xsd["boolean"]), typed("false", self.xsd["boolean"])
        self.classes = {etype: v(KG, cls) for etype, cls in ENTITY_CLASSES.items()}
        self.relation = {name: v(KG, local) for name, (local, _) in RELATIONS.items()}
        self._nodes: dict[Any, tuple[Any, str]] = {}  # node -> (IRI term, IRI string)
        self._extractors: dict[str, Any] = {}  # extractor name -> IRI term, described by agents()

    def paper_nodes(self) -> list[Any]:
        """The papers (not the stubs of cited papers a part graph holds: ``kg.graph.build.build_graph``)."""
        return [n for n, data in self.graph.nodes(data=True) if data.get("kind") == "Paper" and not data.get("stub")]

    def entity_nodes(self) -> list[Any]:
        return [node for node, data in self.graph.nodes(data=True) if data.get("kind") != "Paper"]

    def node(self, node: Any) -> tuple[Any, str]:
        found = self._nodes.get(node)
        if found is None:
            text = self.base + node_path(node, self.graph.nodes[node])
            found = self._nodes[node] = (self.terms.iri(text), text)
        return found

    def extractor(self, name: str) -> Any:
        found = self._extractors.get(name)
        if found is None:
            found = self._extractors[name] = self.terms.iri(f"{self.base}extractor/{local_name(name)}")
        return found

    def agents(self) -> Iterator[Any]:
        """Each extractor cited since the last call, described (sorted by name); then forgets them."""
        k = self.k
        triple, a, label = self.terms.triple, self.a, k["RDFS:label"]
        agent = k["PROV:SoftwareAgent"]
        for name in sorted(self._extractors):
            found = self._extractors[name]
            yield triple(found, a, agent)
            yield triple(found, label, self.terms.literal(name))
        self._extractors = {}

    def paper(self, node: Any) -> Iterator[Any]:
        """A paper's triples, its relations, its results, then its edges' statements and evidence."""
        graph, triple, k = self.graph, self.terms.triple, self.k
        data = graph.nodes[node]
        try:
            s = self.node(node)[0]
            yield from self._paper_triples(s, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise KgError(f"node {node!r}: bad attribute value ({type(exc).__name__}: {exc})") from None
        edges = list(graph.out_edges(node, data=True))
        for source, target, edge in edges:
            kind = edge.get("type")
            if kind not in RELATIONS:
                raise KgError(f"edge {source!r} -> {target!r}: unknown relation type {kind!r}")
            yield triple(s, self.relation[kind], self.node(target)[0])
        if data.get("results"):  # kg:Result nodes (kg.sinks.rdf_results)
            paper_local = self.node(node)[1][len(self.base) + len("paper/") :]
            lookup = lambda target: self.node(target)[0] if target in graph else None  # noqa: E731

            def agent(evidence_node: Any, name: str) -> Iterator[Any]:
                yield triple(evidence_node, k["PROV:wasAttributedTo"], self.extractor(name))

            yield from result_triples(self.terms, self.base, s, paper_local, data["results"], lookup, agent)
        for source, target, edge in edges:
            try:
                yield from self._edge_triples(source, target, edge)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                where = f"edge {source!r} -{edge.get('type')}-> {target!r}"
                raise KgError(f"{where}: bad attribute value ({type(exc).__name__}: {exc})") from None

    def entity(self, node: Any) -> Iterator[Any]:
        """An entity's triples and its VARIANT_OF relations."""
        data = self.graph.nodes[node]
        try:
            s = self.node(node)[0]
            yield from self._entity_triples(s, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise KgError(f"node {node!r}: bad attribute value ({type(exc).__name__}: {exc})") from None
        for source, target, kind in self.graph.out_edges(node, data="type"):
            if kind not in RELATIONS:
                raise KgError(f"edge {source!r} -> {target!r}: unknown relation type {kind!r}")
            yield self.terms.triple(s, self.relation[kind], self.node(target)[0])

    def _paper_triples(self, s: Any, data: dict[str, Any]) -> Iterator[Any]:
        k, iri, lit, typed, triple, xsd = (
            self.k,
            self.terms.iri,
            self.terms.literal,
            self.terms.typed,
            self.terms.triple,
            self.xsd,
        )
        yield triple(s, self.a, k["KG:Paper"])
        yield triple(s, k["DCTERMS:title"], lit(str(data.get("label") or data.get("title") or "")))
        yield triple(s, k["DCTERMS:identifier"], lit(str(data["paper_id"])))
        if data.get("abstract"):
            yield triple(s, k["DCTERMS:abstract"], lit(str(data["abstract"])))
        if data.get("date"):
            date = str(data["date"])
            kind = next((name for pattern, name in _DATE_TYPES if pattern.fullmatch(date)), None)
            yield triple(s, k["DCTERMS:issued"], typed(date, xsd[kind]) if kind else lit(date))
        if data.get("year") is not None:
            yield triple(s, k["KG:year"], typed(str(int(data["year"])), xsd["integer"]))
        for author in data.get("authors") or []:
            yield triple(s, k["DC:creator"], lit(str(author)))
        if data.get("author_count") is not None:
            yield triple(s, k["KG:authorCount"], typed(str(int(data["author_count"])), xsd["integer"]))
        if data.get("organisation"):
            yield triple(s, k["KG:organisation"], lit(str(data["organisation"])))
        if data.get("venue"):
            yield triple(s, k["KG:venue"], lit(str(data["venue"])))
        if data.get("url"):
            page = _web_iri(str(data["url"]))
            yield triple(s, k["SCHEMA:url"], iri(page) if page else typed(str(data["url"]), xsd["anyURI"]))
        same_as = k["SCHEMA:sameAs"]
        if data.get("doi"):
            yield triple(s, same_as, iri("https://doi.org/" + quote(str(data["doi"]).strip(), safe="/-._;()~:")))
        if data.get("arxiv_id"):
            yield triple(s, same_as, iri("https://arxiv.org/abs/" + quote(str(data["arxiv_id"]).strip(), safe="/-._~")))
        for alt in data.get("alt_ids") or []:  # openalex:W…, s2:<paperId> (not s2:corpus:…)
            for prefix, page in _SOURCE_PAGES:
                if str(alt).startswith(prefix) and ":" not in str(alt)[len(prefix) :]:
                    yield triple(s, same_as, iri(page + quote(str(alt)[len(prefix) :], safe="")))
        if data.get("references"):
            count = len(set(data["references"]))
            yield triple(s, k["KG:referenceCount"], typed(str(count), xsd["integer"]))
            outside = str(int(data.get("references_outside", count)))
            yield triple(s, k["KG:outsideReferenceCount"], typed(outside, xsd["integer"]))

    def _entity_triples(self, s: Any, data: dict[str, Any]) -> Iterator[Any]:
        k, iri, lit, triple = self.k, self.terms.iri, self.terms.literal, self.terms.triple
        etype, name = data["type"], str(data["label"])
        yield triple(s, self.a, self.classes[etype])
        yield triple(s, k["SKOS:prefLabel"], lit(name))
        yield triple(s, k["RDFS:label"], lit(name))
        long_form = data.get("full_name")
        if long_form and long_form != name:
            yield triple(s, k["KG:fullName"], lit(str(long_form)))
        for alias in sorted(data.get("aliases") or {}):
            if alias not in (name, long_form):
                yield triple(s, k["SKOS:altLabel"], lit(str(alias)))
        yield triple(s, k["KG:generic"], self.true if data.get("generic") else self.false)
        if data.get("family"):
            yield triple(s, k["KG:family"], lit(str(data["family"])))
        links = {"exactMatch": k["SKOS:exactMatch"], "seeAlso": k["RDFS:seeAlso"]}
        for scheme, value in sorted((data.get("external_ids") or {}).items()):
            if value is None or str(value).strip() == "":
                continue
            yield triple(s, k["DCTERMS:identifier"], lit(f"{scheme}:{value}"))
            found = _external_links(etype, scheme, value)
            if found:
                yield triple(s, links[found[0]], iri(found[1]))

    def _edge_triples(self, source: Any, target: Any, data: dict[str, Any]) -> Iterator[Any]:
        k, iri, lit, typed, triple, xsd = (
            self.k,
            self.terms.iri,
            self.terms.literal,
            self.terms.typed,
            self.terms.triple,
            self.xsd,
        )
        base, a = self.base, self.a
        kind = data["type"]
        (s, s_text), (o, o_text) = self.node(source), self.node(target)
        p = self.relation[kind]
        evidence = data.get("evidence") or []
        if not evidence and data.get("confidence") is None:
            return
        where = f"edge {source!r} -{kind}-> {target!r}"
        confidence = k["KG:confidence"]
        # paper/p1 + uses + method/dpo -> statement/p1.uses.method.dpo (slugs hold no dots: no clash)
        edge_key = f"{s_text[len(base) :]}.{RELATIONS[kind][1]}.{o_text[len(base) :]}".replace("/", ".")
        edge_key = edge_key.removeprefix("paper.")
        statement = iri(f"{base}statement/{edge_key}")
        yield triple(statement, a, k["KG:Statement"])
        yield triple(statement, k["RDF:subject"], s)
        yield triple(statement, k["RDF:predicate"], p)
        yield triple(statement, k["RDF:object"], o)
        if data.get("confidence") is not None:
            yield triple(statement, confidence, typed(_decimal(data["confidence"], where), xsd["decimal"]))
        seen: set[str] = set()
        items = []
        supported_by = k["KG:supportedBy"]
        for item in evidence:
            key = f"{item.get('field')}-{item.get('start')}-{item.get('end')}"
            if key in seen:
                key = f"{key}-{len(seen)}"
            seen.add(key)
            items.append((iri(f"{base}evidence/{edge_key}.{slug(key)}"), item))
            yield triple(statement, supported_by, items[-1][0])
        kg_evidence, sentence, text, field = k["KG:Evidence"], k["KG:sentence"], k["KG:text"], k["KG:field"]
        start, end, quoted_from = k["KG:start"], k["KG:end"], k["PROV:wasQuotedFrom"]
        attributed_to = k["PROV:wasAttributedTo"]
        for node_iri, item in items:
            yield triple(node_iri, a, kg_evidence)
            yield triple(node_iri, sentence, lit(str(item["sentence"])))
            if item.get("text") is not None:
                yield triple(node_iri, text, lit(str(item["text"])))
            yield triple(node_iri, field, lit(str(item["field"])))
            yield triple(node_iri, start, typed(str(int(item["start"])), xsd["integer"]))
            yield triple(node_iri, end, typed(str(int(item["end"])), xsd["integer"]))
            yield triple(node_iri, confidence, typed(_decimal(item["confidence"], where), xsd["decimal"]))
            yield triple(node_iri, quoted_from, s)
            yield triple(node_iri, attributed_to, self.extractor(str(item["extractor"])))


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    """The graph as an in-memory ``rdflib.Graph`` (prefixes bound). For big graphs use :func:`write_rdf`."""
    rdf = Graph()
    for prefix, namespace in prefixes(base).items():
        rdf.bind(prefix, namespace, replace=True)
    add = rdf.add
    for triple in iter_triples(graph, base, rdflib_terms()):
        add(triple)
    return rdf


def rdflib_to_oxigraph(triples: Graph | Iterable[tuple[Any, Any, Any]]) -> Iterator[Any]:
    """Convert rdflib triples to pyoxigraph triples, to serialise them fast; an ``rdflib.Graph`` is read subject
    by subject, so that Turtle groups each subject's triples."""
    import pyoxigraph as ox
    from rdflib import BNode

    cache: dict[Any, Any] = {}

    def convert(term: Any) -> Any:
        found = cache.get(term)
        if found is not None:
            return found
        if isinstance(term, URIRef):
            made = ox.NamedNode(str(term))
        elif isinstance(term, BNode):
            made = ox.BlankNode(str(term))
        elif isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
            return ox.Literal(str(term), datatype=datatype)
        else:
            raise KgError(f"cannot convert RDF term {term!r}")
        if len(cache) < 1_000_000:
            cache[term] = made
        return made

    if isinstance(triples, Graph):
        graph = triples
        triples = ((s, p, o) for s in graph.subjects(unique=True) for p, o in graph.predicate_objects(s))
    for s, p, o in triples:
        yield ox.Triple(convert(s), convert(p), convert(o))


def rdf_format(name: str) -> Any:
    """The pyoxigraph ``RdfFormat`` of an export format name (turtle, ntriples, jsonld)."""
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    if name not in formats:
        raise KgError(f"unknown RDF format {name!r}; choose one of {', '.join(formats)}")
    return formats[name]


def serialize_triples(triples: Iterable[Any], out: IO[bytes], fmt: str, base: str = DEFAULT_BASE) -> int:
    """Stream pyoxigraph triples to a binary file in ``fmt`` (turtle, ntriples, jsonld); return the count."""
    import pyoxigraph as ox

    counter = _Counter(triples)
    if fmt == "jsonld":
        write_jsonld(counter, out, base)
    else:
        names = prefixes(base) if fmt == "turtle" else None
        ox.serialize(counter, out, rdf_format(fmt), prefixes=names)
    return counter.count


def write_rdf(graph: nx.MultiDiGraph, path: Path, fmt: str = "turtle", base: str = DEFAULT_BASE) -> int:
    """Write ``graph`` as Turtle, N-Triples or JSON-LD, streaming, atomically (gzip when ``path`` ends in
    ``.gz``); return the number of triples written."""
    rdf_format(fmt)
    path = Path(path)
    with atomic_writer(path, "wb") as raw:
        out: IO[bytes] = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if path.suffix == ".gz" else raw
        try:
            count = serialize_triples(iter_triples(graph, base, oxigraph_terms()), out, fmt, base)
        finally:
            if out is not raw:
                out.close()
    return count


def write_turtle(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> Path:
    """Serialise to Turtle atomically (streamed through Oxigraph's serialiser)."""
    write_rdf(graph, path, "turtle", base)
    return path


def write_ntriples(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> Path:
    """Serialise to N-Triples atomically, streaming: memory does not grow with the number of triples."""
    write_rdf(graph, path, "ntriples", base)
    return path


class _Counter:
    """Pass triples through, counting them."""

    def __init__(self, triples: Iterable[Any]) -> None:
        self._triples = iter(triples)
        self.count = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> Any:
        item = next(self._triples)
        self.count += 1
        return item


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, Any]:
    """The JSON-LD context of :func:`write_jsonld`: the prefixes, nothing else (values keep explicit types)."""
    return dict(prefixes(base))


def write_jsonld(triples: Iterable[Any], out: IO[bytes], base: str = DEFAULT_BASE) -> None:
    """Stream pyoxigraph triples as compact JSON-LD: ``{"@context": prefixes, "@graph": [node objects]}``.

    Consecutive triples with one subject make one node object (a subject that comes back later gets a second
    node object, which JSON-LD merges). IRIs are compacted with the prefixes; every value is JSON-escaped.
    """
    import pyoxigraph as ox

    context = jsonld_context(base)
    ordered = sorted(context.items(), key=lambda item: -len(item[1]))
    rdf_type = str(RDF.type)
    xsd_string = str(XSD.string)
    compacted: dict[str, str] = {}

    def compact(value: str) -> str:
        found = compacted.get(value)
        if found is not None:
            return found
        result = value
        for name, namespace in ordered:
            if value.startswith(namespace) and len(value) > len(namespace):
                rest = value[len(namespace) :]
                if not rest.startswith("//"):
                    result = f"{name}:{rest}"
                break
        if len(compacted) < 100_000:
            compacted[value] = result
        return result

    def value_of(term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            return {"@id": compact(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"@id": f"_:{term.value}"}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == xsd_string:
            return term.value
        return {"@value": term.value, "@type": compact(term.datatype.value)}

    out.write(b'{"@context": ')
    out.write(json.dumps(context, ensure_ascii=False).encode("utf-8"))
    out.write(b',\n "@graph": [')
    current: Any = None
    node: dict[str, Any] = {}
    first = True

    def flush() -> None:
        nonlocal first
        if node:
            out.write(b"\n  " if first else b",\n  ")
            out.write(json.dumps(node, ensure_ascii=False).encode("utf-8"))
            first = False

    for triple in triples:
        subject = triple.subject
        if subject != current:
            flush()
            current = subject
            node = {"@id": value_of(subject)["@id"]}
        predicate = triple.predicate.value
        if predicate == rdf_type and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact(triple.object.value))
        else:
            node.setdefault(compact(predicate), []).append(value_of(triple.object))
    flush()
    out.write(b"\n ]}\n")


@dataclass
class Validation:
    """The outcome of :func:`validate`: ``conforms`` ignores warnings, which are listed in ``warnings``."""

    conforms: bool
    violations: int
    warnings: list[str]
    report: str


def validate(rdf: Graph, shapes: Path = SHAPES_FILE, ontology: Path = ONTOLOGY_FILE) -> Validation:
    """Validate an rdflib graph with pySHACL against ``schema/shapes.ttl``, the ontology mixed in."""
    try:
        import pyshacl
    except ModuleNotFoundError:
        raise KgError("validation needs pySHACL: pip install -e '.[dev]' (or pip install pyshacl)") from None
    from rdflib.namespace import SH

    shapes_graph = Graph().parse(shapes, format="turtle")
    ontology_graph = Graph().parse(ontology, format="turtle")
    conforms, results, text = pyshacl.validate(
        rdf, shacl_graph=shapes_graph, ont_graph=ontology_graph, inference="none", allow_warnings=True
    )
    warnings, violations = [], 0
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        if severity == SH.Violation:
            violations += 1
            continue
        focus, value = results.value(result, SH.focusNode), results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        warnings.append(f"{focus} {value if value is not None else ''}: {message}")
    return Validation(bool(conforms), violations, sorted(warnings), text)
