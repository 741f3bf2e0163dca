"""Incremental builds: ``kg build A`` then ``kg add B`` gives the graph of ``kg build A+B`` (entities, ids, relations,
evidence, RDF triples), and both equal the in-memory resolution of the whole corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.errors import KgError
from kg.graph.files import load_graph
from kg.graph.resolution import graph_from_papers
from kg.graph.state_view import graph_from_state
from kg.sources.readers import read_papers
from kg.workflow.add import add
from kg.workflow.build import build
from tests.test_robustness import kg_here

A = [
    {
        "id": "a1",
        "title": "Scoring steps",
        "abstract": "Our ZRM model scores each reasoning step of a solution on GSM8K.",
    },
    {"id": "a2", "title": "Ranking", "abstract": "We rank documents with the ZRM metric for search engines and BM25."},
    {"id": "a3", "title": "Alignment", "abstract": "We align Llama-3 with DPO on AlpacaEval, using FooNet-7B."},
    {"id": "a4", "title": "ZorbNet: a network", "abstract": "We propose ZorbNet and evaluate it on GSM8K and MATH."},
    {"id": "a5", "title": "Short", "abstract": "We study BarQA."},
]
B = [
    # defines ZRM: the bare ZRMs of a1 and a2 are re-keyed
    {"id": "b1", "title": "Rewards", "abstract": "We train a Zeta Reward Model (ZRM) for each reasoning step."},
    # a second long form of ZRM: a2's search-engine ZRM goes to it, a1's stays with the first
    {"id": "b2", "title": "Metrics", "abstract": "We define the Zonal Ranking Metric (ZRM) for search engines."},
    # a new alias and a new paper for existing entities
    {"id": "b3", "title": "Preferences", "abstract": "We use direct preference optimisation and ZorbNet on GSM8K."},
    # a repeated id: a longer abstract replaces a5's, which is re-extracted
    {"id": "a5", "title": "Short", "abstract": "We study BarQA and evaluate Mistral-7B on HellaSwag and on MMLU."},
    # a repeated id that brings nothing new
    A[3],
    # a family: FooNet becomes known, FooNet-7B gets it as family
    {"id": "b4", "title": "FooNet", "abstract": "We present FooNet, a new model, and compare it with GPT-4."},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _canonical(graph: nx.MultiDiGraph) -> tuple[dict, list]:
    nodes = {
        n: json.dumps({k: v for k, v in d.items() if k != "source"}, sort_keys=True) for n, d in graph.nodes(data=True)
    }
    edges = sorted(json.dumps([u, v, k, d], sort_keys=True) for u, v, k, d in graph.edges(keys=True, data=True))
    return nodes, edges


def _triples(folder: Path) -> set[str]:
    """The graph of ``rdf/``: every part and entities.nt, minus retracted.nt."""
    found: set[str] = set()
    for part in sorted(folder.glob("*.nt")):
        if part.name != "retracted.nt":
            found |= {str(t) for t in ox.parse(path=str(part), format=ox.RdfFormat.N_TRIPLES)}
    retracted = {str(t) for t in ox.parse(path=str(folder / "retracted.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert retracted <= found
    return found - retracted


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("incremental")
    a, b = _write(root / "a.jsonl", A), _write(root / "b.jsonl", B)
    ab = _write(root / "ab.jsonl", A + B)
    build([a], root / "inc", formats=["graph", "ntriples"])
    result = add([b], root / "inc")
    assert (result.added, result.changed, result.duplicates) == (4, 1, 1)
    assert result.rekeyed >= 2  # a1 and a2
    build([ab], root / "full", formats=["graph", "turtle", "ntriples"])
    return {"root": root, "a": a, "b": b, "ab": ab, "inc": root / "inc", "full": root / "full"}


def test_add_gives_the_graph_of_a_full_build(builds: dict[str, Path]) -> None:
    incremental = _canonical(load_graph(builds["inc"]))  # graph.json is older than the state: read from the state
    full = _canonical(load_graph(builds["full"]))
    assert incremental == full
    oracle = _canonical(graph_from_papers(read_papers([builds["ab"]]), cache_dir=builds["full"] / "cache"))
    assert full == oracle


def test_rekeying_alias_family_and_repeated_id(builds: dict[str, Path]) -> None:
    graph = graph_from_state(builds["inc"])
    zrm = {v: u for u, v in graph.edges() if "zrm" in v}
    by_paper: dict[str, set[str]] = {}
    for u, v in graph.edges():
        by_paper.setdefault(u, set()).add(v)
    a1 = {v for v in by_paper["paper:a1"] if "zrm" in v}
    a2 = {v for v in by_paper["paper:a2"] if "zrm" in v}
    assert a1 == {"entity:zrm--zeta-reward-model"} and a2 == {"entity:zrm--zonal-ranking-metric"}
    assert "entity:zrm" not in graph and zrm
    dpo = [d for n, d in graph.nodes(data=True) if d.get("label") == "DPO"]
    assert dpo and "direct preference optimisation" in dpo[0]["aliases"]
    assert graph.nodes["paper:a5"]["abstract"].startswith("We study BarQA and evaluate")
    assert any(v.startswith("entity:mistral") for v in by_paper["paper:a5"])
    foonet7b = [d for _, d in graph.nodes(data=True) if d.get("label") == "FooNet-7B"]
    assert foonet7b and foonet7b[0]["family"] == "FooNet"


def test_rdf_parts_hold_the_triples_of_the_full_build(builds: dict[str, Path]) -> None:
    incremental = _triples(builds["inc"] / "rdf")
    assert (builds["inc"] / "rdf" / "retracted.nt").stat().st_size > 0  # a1's and a2's bare ZRM, re-keyed
    assert (builds["full"] / "rdf" / "retracted.nt").stat().st_size == 0
    assert incremental == _triples(builds["full"] / "rdf")
    turtle = {str(t) for t in ox.parse(path=str(builds["full"] / "graph.ttl"), format=ox.RdfFormat.TURTLE)}
    assert incremental == turtle


def test_queries_after_add_read_the_state(builds: dict[str, Path]) -> None:
    result = kg_here("query", "papers-using", "GSM8K", "--out", builds["inc"], "--json", cwd=builds["root"])
    assert result.returncode == 0, result.stderr
    ids = {json.loads(line)["paper_id"] for line in result.stdout.splitlines()}
    assert {"a1", "a4", "b3"} <= ids
    result = kg_here("entity", "direct preference optimisation", "--out", builds["inc"], "--json", cwd=builds["root"])
    assert result.returncode == 0 and "b3" in result.stdout


def test_bad_input_changes_nothing(builds: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(builds["inc"], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "c1", "title": "T", "abstract": "We use GSM8K."}\n{"id": "c2", "title": \n', encoding="utf-8"
    )
    result = kg_here("add", bad, "--out", out, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error:") and "bad.jsonl:2" in result.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_add_needs_a_build_and_the_same_setup(tmp_path: Path, builds: dict[str, Path]) -> None:
    with pytest.raises(KgError, match="no build state"):
        add([builds["b"]], tmp_path / "nothing")
    out = tmp_path / "out"
    shutil.copytree(builds["inc"], out)
    (out / "overrides.yaml").write_text("same: [BM25, BarQA]\n", encoding="utf-8")
    with pytest.raises(KgError, match="overrides changed"):
        add([builds["b"]], out)


def _cached_extraction_lines(builds: dict[str, Path]) -> list[str]:
    """``kg extract`` lines of the papers of A+B, in input order, from the full build's extraction cache."""
    from kg.extract.pipeline import extraction_line
    from kg.store.cache import CACHE_FILE, ExtractionCache, pipeline_fingerprint

    papers = read_papers([builds["ab"]])
    cache = ExtractionCache(builds["full"] / "cache" / CACHE_FILE, pipeline_fingerprint())
    try:
        known = cache.get_many(papers)
    finally:
        cache.close()
    return [extraction_line(known[p.id]) for p in papers]


def test_build_from_precomputed_extractions(builds: dict[str, Path], tmp_path: Path) -> None:
    lines = _cached_extraction_lines(builds)
    extractions = tmp_path / "e.jsonl"
    extractions.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    build([builds["ab"]], tmp_path / "x", formats=["graph"], extractions_path=extractions, use_cache=False)
    assert _canonical(load_graph(tmp_path / "x")) == _canonical(load_graph(builds["full"]))  # exact
    extractions.write_text("".join(line + "\n" for line in reversed(lines)), encoding="utf-8")
    with pytest.raises(KgError, match=r"e\.jsonl:1: extraction of .* where paper 'a1'"):
        build([builds["ab"]], tmp_path / "y", extractions_path=extractions, use_cache=False)
    extractions.write_text("".join(line + "\n" for line in lines[:-1]), encoding="utf-8")
    with pytest.raises(KgError, match="no extraction for paper"):
        build([builds["ab"]], tmp_path / "y", extractions_path=extractions, use_cache=False)
    assert not (tmp_path / "y").exists()


def test_one_paper_at_a_time_gives_the_same_graph(
    builds: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.workflow import stages as build_state

    monkeypatch.setattr(build_state, "PART_PAPERS", 2)  # several parts, so that older parts get patched
    out = tmp_path / "out"
    build([builds["a"]], out, formats=["ntriples"])
    for n, row in enumerate(B):
        add([_write(tmp_path / f"b{n}.jsonl", [row])], out)
    assert _canonical(load_graph(out)) == _canonical(load_graph(builds["full"]))
    assert _triples(out / "rdf") == _triples(builds["full"] / "rdf")
    assert len(list((out / "rdf").glob("papers-*.nt"))) == 3 + len(B) - 1  # 3 parts of A, one per add but the repeat


def test_extractions_without_resolution_fields_are_recovered(builds: dict[str, Path], tmp_path: Path) -> None:
    """Lines of an older ``kg extract`` (no full_name, extractor, gazetteer_key): recovered from the gazetteer and
    the ``LONG (SHORT)`` mentions, so abbreviations still resolve."""
    rows = [json.loads(line) for line in _cached_extraction_lines(builds)]
    for row in rows:
        for entity in row["entities"]:
            for name in ("full_name", "extractor", "gazetteer_key"):
                entity.pop(name, None)
    extractions = _write(tmp_path / "old.jsonl", rows)
    build([builds["ab"]], tmp_path / "x", formats=["graph"], extractions_path=extractions, use_cache=False)
    graph = load_graph(tmp_path / "x")
    assert "entity:zrm--zeta-reward-model" in graph and "entity:dpo" in graph


def test_interrupted_add_changes_nothing_and_a_rerun_completes(
    builds: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the new files are written: the transaction rolls back, OUT is as it was; then the add runs."""
    import kg.workflow.add

    out = tmp_path / "out"
    build([builds["a"]], out, formats=["graph", "ntriples"])
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.parent.name != "cache"}

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(kg.workflow.add, "_write_rdf", interrupted)
        with pytest.raises(KeyboardInterrupt):
            add([builds["b"]], out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.parent.name != "cache"}
    assert after == before
    assert not list(tmp_path.glob(".out.kg-build-*"))
    add([builds["b"]], out)
    assert _canonical(load_graph(out)) == _canonical(load_graph(builds["full"]))
    assert _triples(out / "rdf") == _triples(builds["full"] / "rdf")


def test_add_killed_between_commit_and_move_is_repaired_by_the_next_add(
    builds: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state committed, the new RDF files not moved in (a kill at that moment): the next ``kg add``, even of
    other papers, writes the pending parts again from the state."""
    import kg.workflow.add

    out = tmp_path / "out"
    build([builds["a"]], out, formats=["ntriples"])
    with monkeypatch.context() as patch:
        patch.setattr(kg.workflow.add, "_move_in", lambda staging, out: None)  # the files never arrive
        patch.setattr(kg.workflow.add.BuildState, "set_meta", _keep_pending(kg.workflow.add.BuildState.set_meta))
        add([builds["b"]], out)
    assert _triples(out / "rdf") != _triples(builds["full"] / "rdf")
    extra = _write(tmp_path / "c.jsonl", [{"id": "c1", "title": "More", "abstract": "We evaluate ZorbNet on MATH."}])
    add([extra], out)
    full = tmp_path / "full"
    build([builds["ab"], extra], full, formats=["ntriples"])
    assert _triples(out / "rdf") == _triples(full / "rdf")


def _keep_pending(set_meta):  # type: ignore[no-untyped-def]
    """``set_meta`` that ignores clearing the pending parts (as if the process died before it)."""

    def wrapper(self, name, value):  # type: ignore[no-untyped-def]
        if name == "pending_parts" and value == "[]":
            return None
        return set_meta(self, name, value)

    return wrapper


def test_add_uses_the_overrides_file_the_build_was_given(builds: dict[str, Path], tmp_path: Path) -> None:
    overrides = tmp_path / "mine.yaml"
    overrides.write_text("same: [BM25, BarQA]\n", encoding="utf-8")
    build([builds["a"]], tmp_path / "out", formats=["graph"], overrides_path=overrides)
    add([builds["b"]], tmp_path / "out")
    build([builds["ab"]], tmp_path / "full", formats=["graph"], overrides_path=overrides)
    graph = load_graph(tmp_path / "out")
    assert _canonical(graph) == _canonical(load_graph(tmp_path / "full"))
    merged = [d for _, d in graph.nodes(data=True) if {"BM25", "BarQA"} <= set(d.get("aliases") or {})]
    assert len(merged) == 1
    overrides.write_text("same: [BM25, MATH]\n", encoding="utf-8")
    with pytest.raises(KgError, match="overrides changed"):
        add([builds["b"]], tmp_path / "out")
