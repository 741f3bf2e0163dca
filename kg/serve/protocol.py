"""The SPARQL 1.1 Protocol's parts that need no server: the answer formats, content negotiation, update refusal.

SELECT and ASK answers: SPARQL JSON (the default), XML, CSV, TSV. CONSTRUCT and DESCRIBE answers: Turtle (the
default), N-Triples, RDF/XML. The format comes from the ``format`` parameter when given (a short name or a media
type), else from the ``Accept`` header (q-values and wildcards; nothing acceptable: the default), so one URL
works from a browser, curl, rdflib's SPARQLStore or SPARQLWrapper.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import UsageError

SELECT, GRAPH = "select", "graph"  # the two kinds of answer: solutions or a boolean / triples


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    kind: str  # SELECT (solutions and booleans) or GRAPH (triples)
    aliases: tuple[str, ...] = ()


FORMATS = (  # by kind, the default first
    Format("json", "application/sparql-results+json", SELECT, ("srj", "application/json")),
    Format("xml", "application/sparql-results+xml", SELECT, ("srx", "application/xml", "text/xml")),
    Format("csv", "text/csv", SELECT),
    Format("tsv", "text/tab-separated-values", SELECT),
    Format("turtle", "text/turtle", GRAPH, ("ttl", "application/x-turtle")),
    Format("ntriples", "application/n-triples", GRAPH, ("nt", "n-triples", "text/plain")),
    Format("rdfxml", "application/rdf+xml", GRAPH, ("rdf", "rdf+xml", "xml")),
)
_BY_NAME = {
    name: f for f in FORMATS for name in (f.name, f.media_type, *f.aliases) if not (f.kind == GRAPH and name == "xml")
}
UPDATE_TYPE = "application/sparql-update"
QUERY_TYPE = "application/sparql-query"
FORM_TYPE = "application/x-www-form-urlencoded"


class Refused(UsageError):
    """A request this read-only server will not run (an update): 403."""


def requested(value: str | None) -> str | None:
    """Check a ``format`` parameter (short name or media type); returns it normalised, or None when absent."""
    if value is None or not value.strip():
        return None
    key = value.strip().lower()
    if key not in _BY_NAME:
        names = ", ".join(f.name for f in FORMATS)
        raise UsageError(f"format {value!r} is not one of {names} (or their media types)")
    return key


def accepted(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their q-values, best first (``*/*`` when absent)."""
    ranges = []
    for position, item in enumerate((accept or "*/*").split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality, position))
    ranges.sort(key=lambda item: (-item[1], item[2]))
    return [(media, quality) for media, quality, _ in ranges]


def choose(kind: str, format_name: str | None, accept: str | None) -> Format:
    """The format of an answer of ``kind``: the ``format`` parameter's, else the best one ``Accept`` allows,
    else the kind's default. A ``format`` of the other kind is refused (a CSV of triples does not exist)."""
    options = [f for f in FORMATS if f.kind == kind]
    if format_name is not None:
        if format_name == "xml":  # SPARQL XML results, or RDF/XML for triples
            return next(f for f in options if f.media_type.endswith("+xml"))
        found = _BY_NAME[format_name]
        if found.kind != kind:
            what = "SELECT and ASK" if kind == SELECT else "CONSTRUCT and DESCRIBE"
            names = ", ".join(f.name for f in options)
            raise UsageError(f"format {format_name!r} does not suit a {what} answer; use one of {names}")
        return found
    for media, quality in accepted(accept):
        if quality <= 0:
            continue
        for option in options:
            names = (option.media_type, *(a for a in option.aliases if "/" in a))
            if media in names or media == "*/*" or (media.endswith("/*") and option.media_type.startswith(media[:-1])):
                return option
    return options[0]
