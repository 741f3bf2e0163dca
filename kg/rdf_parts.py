"""RDF as N-Triples parts under ``OUT/rdf/``, so that ``kg add`` writes RDF in time proportional to what it adds.

``papers-NNNNNN.nt``: the triples of one part's papers (each paper, its relations, their statements and
evidence); a cold build cuts its papers into parts of ``kg.build_state.PART_PAPERS``, each ``kg add`` writes one
new part, and patches an older part only when papers in it changed (a repeated id with a longer abstract, a bare
short form re-keyed by a new definition, an entity whose type and so IRI changed). ``entities.nt``: every entity
and VARIANT_OF edge, rewritten each time (entities are few). N-Triples concatenate: ``cat rdf/*.nt`` is the
whole graph, the same triples as ``graph.ttl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from kg.atomic import atomic_writer
from kg.rdf import DEFAULT_BASE, iter_triples, local_name, normalise_base, oxigraph_terms, serialize_triples
from kg.state_graph import StateView

RDF_DIR = "rdf"
ENTITIES_FILE = "entities.nt"


def part_file(part: int) -> str:
    return f"papers-{part:06d}.nt"


def write_entities(view: StateView, folder: Path, base: str = DEFAULT_BASE) -> tuple[Path, int]:
    """``entities.nt``; returns it and its number of triples."""
    path = Path(folder) / ENTITIES_FILE
    graph = view.graph([])
    with atomic_writer(path, "wb") as out:
        count = serialize_triples(iter_triples(graph, base, oxigraph_terms(), "entities"), out, "ntriples", base)
    return path, count


def patch_part(
    view: StateView, part: int, source: Path, folder: Path, papers: Iterable[str], base: str = DEFAULT_BASE
) -> tuple[Path, int]:
    """Rewrite part ``part`` from its file ``source`` without the triples of ``papers`` (found by subject: the
    paper's IRI, its statements and evidence), then append the current triples of those still in the part.
    Time: one regular-expression pass over the file, not a regeneration of the part. Returns the new file and the
    number of triples appended."""
    base = normalise_base(base)
    ids = set(papers)
    names = b"|".join(re.escape(local_name(paper_id).encode()) for paper_id in sorted(ids))
    head = re.escape(base.encode())
    lines = re.compile(
        rb"^<" + head + rb"(?:paper/(?:" + names + rb")>|(?:statement|evidence)/(?:" + names + rb")\.)[^\n]*\n", re.M
    )
    path = Path(folder) / part_file(part)
    with atomic_writer(path, "wb") as out:
        out.write(lines.sub(b"", source.read_bytes()) if ids else source.read_bytes())
        kept = [stored for stored in view.state.get_papers(sorted(ids)).values() if stored.part == part]
        graph = view.graph(kept, linked_only=True)
        count = serialize_triples(iter_triples(graph, base, oxigraph_terms(), "papers"), out, "ntriples", base)
    return path, count


def write_part(view: StateView, part: int, folder: Path, base: str = DEFAULT_BASE) -> tuple[Path, int]:
    """``papers-NNNNNN.nt`` of one part, from the state; returns it and its number of triples."""
    path = Path(folder) / part_file(part)
    graph = view.graph(view.state.iter_papers(part), linked_only=True)
    with atomic_writer(path, "wb") as out:
        count = serialize_triples(iter_triples(graph, base, oxigraph_terms(), "papers"), out, "ntriples", base)
    return path, count
