"""``kg build`` and ``kg add`` over the build state: resolve papers into it, write outputs from it."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from kg.errors import KgError
from kg.extract.resources import load_resources
from kg.graph.state_view import StateView
from kg.progress import step, track
from kg.resolve.overrides import Overrides
from kg.resolve.resolver import Resolver
from kg.sinks.rdf_parts import RDF_DIR, RETRACTED_FILE, part_nodes, write_entities, write_lines, write_part
from kg.store.cache import extract_with_cache, pipeline_fingerprint
from kg.store.extractions import ExtractionReader
from kg.store.state import STATE_FILE, BuildState
from kg.types import Paper, PaperExtraction
from kg.workflow.parallel import Background

BATCH_PAPERS = 10_000  # papers resolved at a time by a cold build
PART_PAPERS = 1_000  # papers per N-Triples part (files of about 12 MB)


def overrides_json(overrides: Overrides) -> str:
    return json.dumps(overrides.to_dict(), ensure_ascii=False, sort_keys=True)


def gazetteer_list(gazetteer_paths: Sequence[str | Path]) -> list[str]:
    return [str(Path(p).resolve()) for p in gazetteer_paths]


class ExtractionSource:
    """Extractions of batches of papers: from ``kg extract`` lines when given, else extracted through the cache."""

    def __init__(
        self,
        gazetteer_paths: Sequence[str | Path],
        n_process: int,
        cache_dir: Path | None,
        extractions_path: str | Path | None,
        reader_gazetteer: object = None,
    ) -> None:
        self.gazetteer_paths = gazetteer_paths
        self.n_process = n_process
        self.cache_dir = cache_dir
        self.reader = ExtractionReader(extractions_path, reader_gazetteer) if extractions_path else None  # type: ignore[arg-type]
        self.extracted = 0

    def take(self, papers: Sequence[Paper], todo: Sequence[Paper]) -> dict[str, PaperExtraction]:
        """Extractions of ``todo`` (a subset of ``papers``, which are the next papers of the inputs)."""
        if self.reader is not None:
            found = self.reader.take(papers)
            return {paper.id: found[paper.id] for paper in todo}
        extractions, new = extract_with_cache(todo, self.gazetteer_paths, self.n_process, self.cache_dir)
        self.extracted += new
        return {e.id: e for e in extractions}

    def finish(self) -> None:
        if self.reader is not None:
            self.reader.finish()
            self.reader.close()


def resolve_into_state(
    papers: Sequence[Paper],
    folder: Path,
    gazetteer_paths: Sequence[str | Path],
    overrides: Overrides,
    n_process: int,
    cache_dir: Path | None,
    extractions_path: str | Path | None,
    base_iri: str,
    overrides_path: str = "",
) -> StateView:
    """A fresh ``folder/state.sqlite`` with ``papers`` resolved into it, batch by batch (memory: one batch of
    extractions plus the entity aggregates). Returns it open."""
    gazetteer = load_resources(gazetteer_paths).gazetteer
    state = BuildState(folder / STATE_FILE, create=True)
    try:
        state.db.execute("PRAGMA synchronous=OFF")  # a fresh file in a staging folder: thrown away if interrupted
        source = ExtractionSource(gazetteer_paths, n_process, cache_dir, extractions_path, gazetteer)
        resolver = Resolver(state, gazetteer, overrides)
        with state.transaction():
            state.set_meta("fingerprint", pipeline_fingerprint(gazetteer_paths))
            state.set_meta("gazetteers", json.dumps(gazetteer_list(gazetteer_paths)))
            state.set_meta("overrides", overrides_json(overrides))
            state.set_meta("overrides_path", overrides_path)  # a file given with --overrides (not OUT's own)
            state.set_meta("base_iri", base_iri)
            with step("extract", total=len(papers)), step("resolve", total=len(papers)) as resolving:
                for start in range(0, len(papers), BATCH_PAPERS):
                    batch = papers[start : start + BATCH_PAPERS]
                    todo, changes = resolver.split(batch)
                    parts = [(start + n) // PART_PAPERS for n in range(len(todo))]
                    resolver.apply(todo, source.take(batch, todo), parts, changes, track=False)
                    resolving.advance(len(batch))
            source.finish()
            state.set_meta("generation", 1)
            state.set_meta("next_part", -(-len(papers) // PART_PAPERS))
        return StateView.of(state, resolver.aggregates, gazetteer, overrides)
    except BaseException:
        state.close()
        raise


def write_outputs(view: StateView, folder: Path, formats: Sequence[str], base_iri: str) -> dict[str, Path]:
    """Write the outputs named in ``formats`` into ``folder`` from the whole state; returns them by name."""
    from kg.graph.files import save_graph
    from kg.graph.index import build_output as index_output
    from kg.sinks.html import write_graph_page
    from kg.sinks.rdf import write_turtle
    from kg.sinks.rdf_store import build_output as store_output
    from kg.sinks.site import write_site

    state = view.state
    files: dict[str, Path] = {}
    chosen = [name for name in ("graph", "turtle", "oxigraph", "index", "html", "site", "ntriples") if name in formats]
    with step("write", total=len(chosen), unit="outputs") as writing, contextlib.ExitStack() as cleanup:
        graph = site = None
        if {"graph", "turtle", "oxigraph", "index", "html", "site"} & set(formats):
            graph = view.graph()
            if "site" in formats:  # written by a second process meanwhile (kg.workflow.parallel)
                site = Background(functools.partial(write_site, graph, folder))
                cleanup.callback(site.stop)
            if "graph" in formats:
                writing.update(note="graph.json")
                files["graph"] = save_graph(graph, folder)
                state.set_meta("written:graph", state.generation())
                writing.advance()
            if "turtle" in formats:
                writing.update(note="graph.ttl")
                files["turtle"] = write_turtle(graph, folder / "graph.ttl", base_iri)
                state.set_meta("written:turtle", state.generation())  # what kg add splices (kg.workflow.outputs)
                writing.advance()
            if "oxigraph" in formats:  # the SPARQL store (kg.sinks.rdf_store), loaded from the Turtle when written
                writing.update(note="oxigraph/")
                files["oxigraph"] = store_output(graph, folder, state, base_iri, files.get("turtle"))
                writing.advance()
            if "index" in formats:  # the query index of kg query / kg entity (kg.graph.index)
                writing.update(note="index.sqlite")
                files["index"] = index_output(graph, folder, state)
                writing.advance()
            if "html" in formats:
                writing.update(note="index.html")
                files["html"] = write_graph_page(graph, folder / "index.html")
                state.set_meta("written:html", state.generation())
                writing.advance()
        if "ntriples" in formats:  # cut from the graph when there is one, else a graph per part from the state
            writing.update(note="rdf/")
            files["ntriples"] = write_rdf_parts(view, folder, state.parts(), base_iri, graph)
            state.set_meta("rdf", state.generation())
            record_sizes(state, files["ntriples"], replace=True)
            writing.advance()
        if site is not None:
            writing.update(note="site/")
            files["site"] = site.result()
            state.set_meta("written:site", state.generation())
            writing.advance()
        del graph
        writing.update(note="")
    return files


SIZES_META = "rdf_sizes"  # meta: JSON {file name in rdf/: size in bytes as written}


def part_sizes(state: BuildState) -> dict[str, int]:
    """The size each file of ``rdf/`` had when it was written (``kg add`` checks the parts against them)."""
    try:
        found = json.loads(state.meta(SIZES_META) or "{}")
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}


def record_sizes(state: BuildState, folder: Path, replace: bool = False) -> None:
    """Record the sizes of the ``.nt`` files in ``folder`` (written, not yet moved in)."""
    sizes = {} if replace else part_sizes(state)
    sizes.update({path.name: path.stat().st_size for path in Path(folder).glob("*.nt")})
    state.set_meta(SIZES_META, json.dumps(sizes, sort_keys=True))


def write_rdf_parts(
    view: StateView, folder: Path, parts: Sequence[int], base_iri: str, graph: nx.MultiDiGraph | None = None
) -> Path:
    """``folder/rdf/entities.nt`` and the given parts; cut from ``graph`` (the whole graph) when given, so that
    the graph is not built again for each part."""
    target = folder / RDF_DIR
    target.mkdir(parents=True, exist_ok=True)
    write_entities(view, target, base_iri, graph)
    nodes = part_nodes(view.state, graph) if graph is not None else {}
    for part in track(parts, "rdf", total=len(parts), unit="parts"):
        write_part(view, part, target, base_iri, graph, nodes.get(part, []))
    write_lines(target / RETRACTED_FILE, [])
    return target


def check_same_setup(state: BuildState, gazetteer_paths: Sequence[str | Path], overrides: Overrides) -> None:
    """``kg add`` resolves against the build's gazetteer, pipeline and overrides; anything else needs a build."""
    if pipeline_fingerprint(gazetteer_paths) != state.meta("fingerprint"):
        raise KgError(
            f"{state.path.parent}: the extraction pipeline or gazetteer changed since the build; run 'kg build' again"
        )
    if overrides_json(overrides) != state.meta("overrides"):
        raise KgError(
            f"{state.path.parent}: the resolution overrides changed since the build (the curation); apply them with "
            f"'kg build --out {state.path.parent}' (rebuilds from the papers the build holds)"
        )
