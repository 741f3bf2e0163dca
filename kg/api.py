"""The Python API: plain functions over plain data, for notebooks and for the command line, which calls nothing
else. Also reachable as ``kg.<name>``.

    import kg
    papers = kg.read(["data/corpus/daily-papers-divergence.txt"])   # list[kg.types.Paper]
    graph = kg.build(papers)                                         # a networkx.MultiDiGraph
    kg.papers_using(graph, "GSM8K")                                  # rows: paper id, title, relation, year, sentence
    kg.to_rdf(graph).serialize(format="turtle")                      # an rdflib.Graph

The stages one by one: ``read`` -> ``extract_entities`` -> ``resolve`` -> ``graph_of`` (``build`` does all three
after reading). A build folder on disk (``kg build`` / ``kg add``): ``build_folder``, ``add`` and ``load``.
Nothing heavy is imported until a function is called, so ``import kg`` is instant.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names re-exported below, for readers, type checkers and the layering test
    import networkx as nx

    from kg.atomic import atomic_writer
    from kg.evaluate.results import evaluate_results_files
    from kg.evaluate.scores import (
        ERROR_KINDS,
        evaluate_files,
    )
    from kg.evaluate.train import train_scorer
    from kg.extract.distributed import (
        connect,
        extract_lines_distributed,
    )
    from kg.extract.pipeline import extract_lines
    from kg.extract.results import paper_results
    from kg.graph.build import build_graph as graph_of
    from kg.graph.files import (
        load_graph,
        save_graph,
    )
    from kg.graph.names import NameMatch, find_entities, lookup, lookup_key
    from kg.graph.resolution import resolve
    from kg.graph.results import leaderboards, result_rows
    from kg.progress import reporting, track
    from kg.progress import step as progress_step
    from kg.query.cites import Citations, cited_by, cites
    from kg.query.common import open_index
    from kg.query.compare import Comparison, compare
    from kg.query.evaluated_on import evaluated_on
    from kg.query.explain import explain_entity
    from kg.query.methods_on import methods_on
    from kg.query.new import NewEntity, new_entities
    from kg.query.pairs import Paired
    from kg.query.papers import (
        PaperHit,
        papers_using,
    )
    from kg.query.related import RelatedPaper, related
    from kg.query.results import ResultHit, best, results
    from kg.query.rising import Rising, rising
    from kg.query.sparql import (
        compact,
        load_store,
        read_query,
        run_query,
        sparql_store,
        write_answer,
    )
    from kg.query.trend import Trend, trend
    from kg.query.used_with import UsedWith, used_with
    from kg.resolve.curation import describe as describe_curation
    from kg.resolve.overrides import Overrides
    from kg.resolve.relations import Resolution
    from kg.sinks.cells import spreadsheet_safe
    from kg.sinks.export import (
        default_output,
        export,
    )
    from kg.sinks.html import write_graph_page
    from kg.sinks.neo4j import (
        Target,
        cypher,
        push,
    )
    from kg.sinks.rdf import (
        prefixes,
        serialize_triples,
        to_rdf,
        validate,
        write_rdf,
    )
    from kg.sinks.site import write_site
    from kg.sources.dates import bound as date_bound
    from kg.sources.fetch.arxiv import fetch_arxiv
    from kg.sources.fetch.http import Politeness
    from kg.sources.fetch.openalex import fetch_openalex
    from kg.sources.fetch.s2 import fetch_s2
    from kg.sources.readers import (
        ReadReport,
        check_inputs,
        iter_papers,
        read_papers,
    )
    from kg.sources.readers.inputs import expand_inputs
    from kg.store.lock import writing
    from kg.types import (
        Paper,
        PaperExtraction,
        Result,
    )
    from kg.workflow.add import add
    from kg.workflow.build import build as build_folder
    from kg.workflow.build import write_lines
    from kg.workflow.curate import curate, rebuild
    from kg.workflow.curate import show as curation_of

_LAZY: dict[str, tuple[str, str]] = {  # public name -> (module, name there)
    "atomic_writer": ("kg.atomic", "atomic_writer"),
    "reporting": ("kg.progress", "reporting"),  # progress of long steps, to a listener (the kg progress bar)
    "track": ("kg.progress", "track"),
    "progress_step": ("kg.progress", "step"),
    "evaluate_files": ("kg.evaluate.scores", "evaluate_files"),
    "evaluate_results_files": ("kg.evaluate.results", "evaluate_results_files"),
    "paper_results": ("kg.extract.results", "paper_results"),
    "leaderboards": ("kg.graph.results", "leaderboards"),
    "result_rows": ("kg.graph.results", "result_rows"),
    "ResultHit": ("kg.query.results", "ResultHit"),
    "best": ("kg.query.results", "best"),
    "results": ("kg.query.results", "results"),
    "Result": ("kg.types", "Result"),
    "spreadsheet_safe": ("kg.sinks.cells", "spreadsheet_safe"),
    "ERROR_KINDS": ("kg.evaluate.scores", "ERROR_KINDS"),
    "train_scorer": ("kg.evaluate.train", "train_scorer"),
    "connect": ("kg.extract.distributed", "connect"),
    "extract_lines_distributed": ("kg.extract.distributed", "extract_lines_distributed"),
    "extract_lines": ("kg.extract.pipeline", "extract_lines"),
    "graph_of": ("kg.graph.build", "build_graph"),
    "load_graph": ("kg.graph.files", "load_graph"),
    "save_graph": ("kg.graph.files", "save_graph"),
    "find_entities": ("kg.graph.names", "find_entities"),
    "lookup": ("kg.graph.names", "lookup"),  # the one name lookup: exact, folded, then "did you mean"
    "lookup_key": ("kg.graph.names", "lookup_key"),
    "NameMatch": ("kg.graph.names", "NameMatch"),
    "resolve": ("kg.graph.resolution", "resolve"),
    "explain_entity": ("kg.query.explain", "explain_entity"),
    "PaperHit": ("kg.query.papers", "PaperHit"),
    "papers_using": ("kg.query.papers", "papers_using"),
    # the query verbs (docs/queries.md): a build folder (its index.sqlite), a graph or an open index -> rows
    "open_index": ("kg.query.common", "open_index"),
    "evaluated_on": ("kg.query.evaluated_on", "evaluated_on"),
    "methods_on": ("kg.query.methods_on", "methods_on"),
    "Paired": ("kg.query.pairs", "Paired"),
    "used_with": ("kg.query.used_with", "used_with"),
    "UsedWith": ("kg.query.used_with", "UsedWith"),
    "trend": ("kg.query.trend", "trend"),
    "Trend": ("kg.query.trend", "Trend"),
    "new_entities": ("kg.query.new", "new_entities"),
    "NewEntity": ("kg.query.new", "NewEntity"),
    "rising": ("kg.query.rising", "rising"),
    "Rising": ("kg.query.rising", "Rising"),
    "related": ("kg.query.related", "related"),
    "RelatedPaper": ("kg.query.related", "RelatedPaper"),
    "compare": ("kg.query.compare", "compare"),
    "Comparison": ("kg.query.compare", "Comparison"),
    "cites": ("kg.query.cites", "cites"),
    "cited_by": ("kg.query.cites", "cited_by"),
    "Citations": ("kg.query.cites", "Citations"),
    "compact": ("kg.query.sparql", "compact"),
    "load_store": ("kg.query.sparql", "load_store"),
    "read_query": ("kg.query.sparql", "read_query"),
    "run_query": ("kg.query.sparql", "run_query"),
    "sparql_store": ("kg.query.sparql", "sparql_store"),  # the build's persistent store, read-only (or in memory)
    "write_answer": ("kg.query.sparql", "write_answer"),
    "Overrides": ("kg.resolve.overrides", "Overrides"),
    "describe_curation": ("kg.resolve.curation", "describe"),
    "Resolution": ("kg.resolve.relations", "Resolution"),
    "default_output": ("kg.sinks.export", "default_output"),
    "export": ("kg.sinks.export", "export"),
    "write_graph_page": ("kg.sinks.html", "write_graph_page"),
    "Target": ("kg.sinks.neo4j", "Target"),
    "cypher": ("kg.sinks.neo4j", "cypher"),
    "push": ("kg.sinks.neo4j", "push"),
    "prefixes": ("kg.sinks.rdf", "prefixes"),
    "serialize_triples": ("kg.sinks.rdf", "serialize_triples"),
    "to_rdf": ("kg.sinks.rdf", "to_rdf"),
    "validate": ("kg.sinks.rdf", "validate"),
    "write_rdf": ("kg.sinks.rdf", "write_rdf"),
    "write_site": ("kg.sinks.site", "write_site"),
    "fetch_arxiv": ("kg.sources.fetch.arxiv", "fetch_arxiv"),
    "Politeness": ("kg.sources.fetch.http", "Politeness"),
    "fetch_openalex": ("kg.sources.fetch.openalex", "fetch_openalex"),
    "fetch_s2": ("kg.sources.fetch.s2", "fetch_s2"),
    "ReadReport": ("kg.sources.readers", "ReadReport"),
    "check_inputs": ("kg.sources.readers", "check_inputs"),
    "expand_inputs": ("kg.sources.readers.inputs", "expand_inputs"),
    "iter_papers": ("kg.sources.readers", "iter_papers"),
    "read_papers": ("kg.sources.readers", "read_papers"),
    "Paper": ("kg.types", "Paper"),
    "date_bound": ("kg.sources.dates", "bound"),  # a --since / --until value as a span; UsageError if not a date
    "PaperExtraction": ("kg.types", "PaperExtraction"),
    "add": ("kg.workflow.add", "add"),
    "build_folder": ("kg.workflow.build", "build"),
    "curate": ("kg.workflow.curate", "curate"),  # kg curate: edit a build's overrides.yaml
    "curation_of": ("kg.workflow.curate", "show"),
    "rebuild": ("kg.workflow.curate", "rebuild"),  # kg build --out OUT: rebuild from the papers OUT holds
    "write_lines": ("kg.workflow.build", "write_lines"),
    "writing": ("kg.store.lock", "writing"),  # a build folder's writer lock, for commands that write into one
}
_DEFINED = ("read", "extract_entities", "build", "load")
__all__ = sorted([*_LAZY, *_DEFINED])


def __getattr__(name: str) -> Any:
    """Import a re-exported name on first use (PEP 562)."""
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module 'kg.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(found[0]), found[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def read(paths: Iterable[str | Path], fmt: str = "auto", skip_bad: bool = False) -> list[Paper]:
    """Papers of the given files (any format ``kg build`` reads, chosen by suffix unless ``fmt`` says), repeated
    ids merged. Bad input raises ``kg.errors.InputError`` naming the file and line (``skip_bad``: skip it)."""
    from kg.sources.readers import read_papers

    return read_papers(list(paths), fmt=fmt, skip_bad=skip_bad)


def extract_entities(
    papers: Sequence[Paper], gazetteers: Sequence[str | Path] = (), processes: int = 1
) -> list[PaperExtraction]:
    """Per paper, the named methods, models, datasets, benchmarks and metrics, with type, role and evidence
    (``processes`` workers; 0: one per core). ``gazetteers``: extra JSONL files of your own names."""
    from kg.extract import extract_papers

    return list(extract_papers(papers, gazetteers, n_process=processes))


def build(
    papers: Sequence[Paper],
    extractions: Iterable[PaperExtraction] | None = None,
    gazetteers: Sequence[str | Path] = (),
    overrides: Overrides | None = None,
    processes: int = 1,
) -> nx.MultiDiGraph:
    """The knowledge graph of ``papers``: extract (unless ``extractions`` are given), resolve, build. Nodes
    ``paper:<id>`` and ``entity:<id>`` with a ``kind``; edges PROPOSES / USES / EVALUATES_ON / MENTIONS with
    evidence, VARIANT_OF between models (fields: docs/graph-format.md)."""
    from kg.extract.resources import load_resources
    from kg.graph.build import build_graph
    from kg.graph.resolution import resolve

    found = extract_entities(papers, gazetteers, processes) if extractions is None else list(extractions)
    return build_graph(resolve(papers, found, load_resources(gazetteers).gazetteer, overrides))


def load(folder: str | Path) -> nx.MultiDiGraph:
    """The graph of a build folder (``kg build --out FOLDER``) or of a ``graph.json`` file."""
    from kg.graph.files import load_graph

    return load_graph(Path(folder))
