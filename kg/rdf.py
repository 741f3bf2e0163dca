"""The graph as RDF (rdflib), with the ontology in ``schema/kg.ttl``: SKOS names, DCTERMS papers, PROV evidence."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.atomic import atomic_writer
from kg.ids import slug

KG = Namespace("https://w3id.org/kg-ml/ontology#")
SCHEMA = Namespace("https://schema.org/")
DEFAULT_BASE = "https://w3id.org/kg-ml/"
RELATION_PROPERTY = {
    "PROPOSES": KG.proposes,
    "USES": KG.uses,
    "EVALUATES_ON": KG.evaluatesOn,
    "MENTIONS": KG.mentions,
    "VARIANT_OF": KG.variantOf,
}
EXTERNAL_IRI = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "pwc": "https://paperswithcode.com/{}",
    "hf": "https://huggingface.co/{}",
}


def entity_iri(base: str, entity_type: str, entity_id: str) -> URIRef:
    return URIRef(f"{base}{entity_type}/{slug(entity_id)}")


def paper_iri(base: str, paper_id: str) -> URIRef:
    return URIRef(f"{base}paper/{slug(paper_id)}")


def to_rdf(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    """Convert the networkx graph to an rdflib Graph; every value goes through rdflib terms."""
    if not base.endswith(("/", "#")):
        base += "/"
    rdf = Graph()
    for prefix, namespace in (
        ("kg", KG),
        ("skos", SKOS),
        ("dcterms", DCTERMS),
        ("prov", PROV),
        ("schema", SCHEMA),
        ("owl", OWL),
    ):
        rdf.bind(prefix, namespace)
    iris: dict[str, URIRef] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] == "Paper":
            iri = paper_iri(base, data["paper_id"])
            iris[node] = iri
            rdf.add((iri, RDF.type, KG.Paper))
            rdf.add((iri, DCTERMS.title, Literal(data.get("label", ""))))
            rdf.add((iri, DCTERMS.identifier, Literal(data["paper_id"])))
            if data.get("abstract"):
                rdf.add((iri, DCTERMS.abstract, Literal(data["abstract"])))
            if data.get("date"):
                rdf.add((iri, DCTERMS.issued, Literal(data["date"], datatype=XSD.date)))
            if data.get("year"):
                rdf.add((iri, KG.year, Literal(int(data["year"]), datatype=XSD.integer)))
            if data.get("venue"):
                rdf.add((iri, SCHEMA.publisher, Literal(data["venue"])))
            if data.get("url"):
                rdf.add((iri, SCHEMA.url, Literal(data["url"], datatype=XSD.anyURI)))
            for author in data.get("authors") or []:
                rdf.add((iri, DCTERMS.creator, Literal(author)))
        else:
            iri = entity_iri(base, data["type"], data["entity_id"])
            iris[node] = iri
            rdf.add((iri, RDF.type, KG[data["kind"]]))
            rdf.add((iri, SKOS.prefLabel, Literal(data["label"])))
            rdf.add((iri, RDFS.label, Literal(data["label"])))
            if data.get("full_name"):
                rdf.add((iri, KG.fullName, Literal(data["full_name"])))
            for alias in sorted(data.get("aliases") or {}):
                if alias != data["label"]:
                    rdf.add((iri, SKOS.altLabel, Literal(alias)))
            if data.get("generic"):
                rdf.add((iri, KG.generic, Literal(True)))
            for scheme, value in sorted((data.get("external_ids") or {}).items()):
                template = EXTERNAL_IRI.get(scheme)
                if template:
                    rdf.add((iri, OWL.sameAs, URIRef(template.format(value))))
    for source, target, data in graph.edges(data=True):
        subject, obj = iris[source], iris[target]
        prop = RELATION_PROPERTY[data["type"]]
        rdf.add((subject, prop, obj))
        for evidence in data.get("evidence") or []:
            node = BNode()
            rdf.add((node, RDF.type, KG.Evidence))
            rdf.add((node, KG.paper, subject))
            rdf.add((node, KG.entity, obj))
            rdf.add((node, KG.relation, prop))
            rdf.add((node, KG.sentence, Literal(evidence["sentence"])))
            rdf.add((node, KG.field, Literal(evidence["field"])))
            rdf.add((node, KG.start, Literal(int(evidence["start"]), datatype=XSD.integer)))
            rdf.add((node, KG.end, Literal(int(evidence["end"]), datatype=XSD.integer)))
            rdf.add((node, PROV.wasDerivedFrom, subject))
            rdf.add((node, PROV.wasGeneratedBy, KG[f"extractor-{slug(evidence['extractor'])}"]))
            rdf.add((node, KG.confidence, Literal(round(float(evidence["confidence"]), 3), datatype=XSD.decimal)))
    return rdf


def write_turtle(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> Path:
    """Serialise to Turtle atomically."""
    data = to_rdf(graph, base).serialize(format="turtle")
    with atomic_writer(path) as out:
        out.write(data)
    return path
