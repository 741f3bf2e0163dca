"""``kg add`` keeps graph.json, graph.ttl and the site current in proportion to the change (docs/incremental.md):
the splices of ``kg.sinks.splice`` give the bytes of a full write, N-Triples parts cut from the whole graph equal
parts written from the state, the site's touched pages follow what pages show, and ``--formats`` is checked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

import kg
from kg.cli.app import app
from kg.errors import UsageError
from kg.graph.build import build_graph
from kg.graph.files import save_graph
from kg.resolve.relations import Resolution
from kg.sinks.rdf import write_turtle
from kg.sinks.site import touched_pages
from kg.sinks.splice import Unspliceable, splice_graph_json, splice_turtle, write_graph_json
from kg.types import Entity, Evidence, Paper, Relation
from kg.workflow.outputs import kept_outputs

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data/corpus/daily-papers-divergence.txt"
ODD_IDS = ['a"quoted"', "back\\slash", "ünï-cödé", "arxiv:2401.00001", "tab\there", "z-last", "0-first"]


def _graph(paper_ids: list[str], revised: frozenset[str] = frozenset()) -> nx.MultiDiGraph:
    """Papers with awkward ids, each using DPO (some evaluating on GSM8K), two extractors cited; the papers in
    ``revised`` have another abstract."""
    result = Resolution()
    result.entities["dpo"] = Entity("dpo", "DPO", "method", aliases={"DPO": 2})
    result.entities["gsm8k"] = Entity("gsm8k", "GSM8K", "benchmark")
    for paper_id in paper_ids:
        n = ODD_IDS.index(paper_id) if paper_id in ODD_IDS else len(paper_id)
        sentence = "We use DPO again." if paper_id in revised else "We use DPO."
        result.papers[paper_id] = Paper(id=paper_id, title=f"Paper {n} on DPO", abstract=sentence)
        extractor = "pattern" if n % 3 == 0 else "gazetteer"
        evidence = Evidence("abstract", 7, 10, "DPO", sentence, extractor, 0.9)
        result.relations.append(Relation(paper_id, "dpo", "USES", [evidence], 0.9))
        if n % 2 or paper_id in revised:
            result.relations.append(Relation(paper_id, "gsm8k", "EVALUATES_ON", [], 0.5))
    result.relations.sort(key=lambda r: (r.paper_id, r.entity_id, r.kind))
    return build_graph(result)


def test_graph_json_writer_equals_networkx_dump(tmp_path: Path) -> None:
    graph = _graph(ODD_IDS)
    save_graph(graph, tmp_path)
    write_graph_json(graph, tmp_path / "mine.json")
    assert (tmp_path / "mine.json").read_bytes() == (tmp_path / "graph.json").read_bytes()
    empty = nx.MultiDiGraph()
    save_graph(empty, tmp_path)
    write_graph_json(empty, tmp_path / "empty.json")
    assert (tmp_path / "empty.json").read_bytes() == (tmp_path / "graph.json").read_bytes()


@pytest.mark.parametrize("changed", [["0-first"], ["z-last", 'a"quoted"'], ODD_IDS[:3], ["tab\there", "ünï-cödé"]])
def test_splices_equal_full_writes(tmp_path: Path, changed: list[str]) -> None:
    """Old files of some papers, then the first changed paper revised (its blocks differ) and the others added:
    each splice gives the bytes a full write of the new graph gives."""
    old_ids = [paper_id for paper_id in ODD_IDS if paper_id not in changed[1:]]
    old = _graph(old_ids)
    new = _graph(ODD_IDS, frozenset(changed[:1]))
    write_graph_json(old, tmp_path / "old.json")
    write_turtle(old, tmp_path / "old.ttl")
    write_graph_json(new, tmp_path / "full.json")
    write_turtle(new, tmp_path / "full.ttl")
    small = _graph(changed, frozenset(changed[:1]))
    splice_graph_json(tmp_path / "old.json", tmp_path / "new.json", small, changed, len(old_ids))
    splice_turtle(tmp_path / "old.ttl", tmp_path / "new.ttl", small, changed, len(old_ids))
    assert (tmp_path / "new.json").read_bytes() == (tmp_path / "full.json").read_bytes()
    assert (tmp_path / "new.ttl").read_bytes() == (tmp_path / "full.ttl").read_bytes()


def test_an_extractor_no_longer_cited_is_left_out(tmp_path: Path) -> None:
    """The extractors are described once, at the end, only those some paper cites: when the only paper citing
    "pattern" changes to cite another, the splice drops its description, as a full write does."""
    old = _graph(["0-first", "z-last"])  # 0-first cites pattern, z-last gazetteer
    write_turtle(old, tmp_path / "old.ttl")
    assert b"extractor:pattern a " in (tmp_path / "old.ttl").read_bytes()
    new = _graph(["0-first", "z-last"])
    for _, _, data in new.out_edges("paper:0-first", data=True):
        for item in data.get("evidence") or []:
            item["extractor"] = "gazetteer"
    write_turtle(new, tmp_path / "full.ttl")
    small = new.subgraph(["paper:0-first", "entity:dpo", "entity:gsm8k"]).copy()
    splice_turtle(tmp_path / "old.ttl", tmp_path / "new.ttl", small, ["0-first"], 2)
    assert b"extractor:pattern a " not in (tmp_path / "new.ttl").read_bytes()
    assert (tmp_path / "new.ttl").read_bytes() == (tmp_path / "full.ttl").read_bytes()


def test_files_of_another_shape_are_refused(tmp_path: Path) -> None:
    graph = _graph(ODD_IDS)
    write_graph_json(graph, tmp_path / "old.json")
    (tmp_path / "old.ttl").write_text("@prefix kg: <https://w3id.org/kg-ml/ontology#> .\n", encoding="utf-8")
    with pytest.raises(Unspliceable):
        splice_graph_json(tmp_path / "old.json", tmp_path / "new.json", graph, ["z-last"], len(ODD_IDS) + 1)
    with pytest.raises(Unspliceable):
        splice_turtle(tmp_path / "old.ttl", tmp_path / "new.ttl", graph, ["z-last"], len(ODD_IDS))
    assert not (tmp_path / "new.json").exists() and not (tmp_path / "new.ttl").exists()


def test_touched_pages_follow_what_pages_show() -> None:
    graph = _graph(["p1", "p22", "p333"])  # p22 evaluates on GSM8K
    graph.add_node("entity:lonely", kind="Method", label="Lonely", entity_id="lonely", type="method")
    graph.add_node("paper:p4", kind="Paper", label="p4", paper_id="p4")
    graph.add_edge("paper:p4", "entity:lonely", key="USES", type="USES")
    entities, papers = touched_pages(graph, {"paper:p4"}, set())
    assert (entities, papers) == ({"entity:lonely"}, {"paper:p4"})
    entities, papers = touched_pages(graph, set(), {"entity:gsm8k"})  # its count changed: its papers show it
    assert papers == {"paper:p22"} and entities == {"entity:gsm8k", "entity:dpo"}  # dpo: shares p22 with it
    entities, papers = touched_pages(graph, set(), {"entity:gone"})  # not in the graph any more
    assert (entities, papers) == (set(), set())


def test_parts_cut_from_the_graph_equal_parts_from_the_state(tmp_path: Path) -> None:
    kg.build_folder([CORPUS], tmp_path / "all", use_cache=False, formats=["graph", "ntriples"])
    kg.build_folder([CORPUS], tmp_path / "parts", use_cache=False, formats=["ntriples"])

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.blake2b(p.read_bytes()).hexdigest() for p in sorted((folder / "rdf").glob("*.nt"))}

    assert digests(tmp_path / "all") == digests(tmp_path / "parts")
    assert len(digests(tmp_path / "all")) >= 3


def test_formats_of_add_are_checked(tmp_path: Path) -> None:
    (tmp_path / "graph.json").write_text("{}", encoding="utf-8")
    (tmp_path / "site").mkdir()
    assert kept_outputs(tmp_path, []) == ["graph", "site"]  # by default: every one the folder has
    assert kept_outputs(tmp_path, ["turtle"]) == ["turtle"]
    assert kept_outputs(tmp_path, ["none"]) == []
    assert kept_outputs(tmp_path, ["ntriples", "site"]) == ["site"]  # rdf/ is always kept current
    with pytest.raises(UsageError, match="poster"):
        kept_outputs(tmp_path, ["poster"])
    with pytest.raises(UsageError, match="none"):
        kept_outputs(tmp_path, ["none", "graph"])


def test_cli_add_reports_how_outputs_were_kept(tmp_path: Path) -> None:
    papers = kg.read([CORPUS])
    lines = [json.dumps({k: v for k, v in p.to_dict().items() if k != "source"}) for p in papers]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(lines[:-5]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[-5:]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    kg.build_folder([first], out, use_cache=False, formats=["graph", "turtle", "ntriples"])
    runner = CliRunner()
    stale = runner.invoke(app, ["add", str(second), "--out", str(out), "--no-cache", "--formats", "none", "--quiet"])
    assert stale.exit_code == 0, stale.output
    assert "not rewritten: graph.json, graph.ttl" in stale.output
    again = runner.invoke(app, ["add", str(first), "--out", str(out), "--formats", "poster"])
    assert again.exit_code == 2 and "poster" in again.output


def test_citations_of_older_papers_follow_an_add(tmp_path: Path) -> None:
    """An older paper citing a paper the add brings gains a CITES edge (its blocks and its page change), and the
    cited paper's page lists it: the spliced files and the site equal a full build's."""
    papers = kg.read([CORPUS])[:12]
    rows = [{k: v for k, v in p.to_dict().items() if k != "source"} for p in papers]
    rows[0]["references"] = [rows[10]["id"], rows[3]["id"], "doi:10.1/nowhere"]  # one later, one earlier, outside
    rows[5]["references"] = [rows[11]["id"]]
    rows[11]["references"] = [rows[0]["id"]]
    lines = [json.dumps(row) for row in rows]
    (tmp_path / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:9]) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[9:]) + "\n", encoding="utf-8")
    formats = ["graph", "turtle", "html", "site"]
    kg.build_folder([tmp_path / "all.jsonl"], tmp_path / "full", use_cache=False, formats=formats)
    kg.build_folder([tmp_path / "a.jsonl"], tmp_path / "inc", use_cache=False, formats=formats)
    result = kg.add([tmp_path / "b.jsonl"], tmp_path / "inc", use_cache=False)
    assert result.updated["graph"] == result.updated["turtle"] == "spliced"
    assert b'"CITES"' in (tmp_path / "inc" / "graph.json").read_bytes()

    def digests(folder: Path) -> dict[str, str]:
        files = [folder / "graph.json", folder / "graph.ttl", folder / "index.html", *(folder / "site").rglob("*.*")]
        data = {str(p.relative_to(folder)): re.sub(rb"[\w/.-]+\.jsonl:\d+", b"SOURCE", p.read_bytes()) for p in files}
        return {name: hashlib.blake2b(value).hexdigest() for name, value in data.items()}

    assert digests(tmp_path / "inc") == digests(tmp_path / "full")


def test_an_output_written_by_a_second_process(tmp_path: Path) -> None:
    """``kg build`` writes the site in a forked child meanwhile: its path comes back, its error is raised here
    (one line, the child's message), and a child whose result is not wanted is stopped."""
    from kg.errors import KgError
    from kg.workflow.parallel import Background

    def write() -> Path:
        (tmp_path / "page.html").write_text("<p>hi</p>", encoding="utf-8")
        return tmp_path / "page.html"

    def fail() -> Path:
        raise KgError(f"{tmp_path}: cannot write here")

    assert Background(write).result() == tmp_path / "page.html"
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == "<p>hi</p>"
    with pytest.raises(KgError, match="cannot write here"):
        Background(fail).result()
    slow = Background(lambda: __import__("time").sleep(30) or tmp_path)
    slow.stop()
    assert slow._pid == 0
