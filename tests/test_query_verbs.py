"""The query verbs (docs/queries.md) on a small build: real answers through the real command line (a subprocess) and
through Python, the same from the build's index.sqlite as from a graph in memory, the index kept current by
``kg add`` (equal to a full build's), and the one name lookup giving the same answers from the index as from the
graph."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

import kg
from kg.graph.names import lookup
from kg.query.common import match, open_index
from tests.ux_corpus import PAPERS
from tests.ux_corpus import kg as run_kg

EXTRA = [
    {  # the case of the issue: what DDO is evaluated on are datasets, not benchmarks
        "id": "p-ddo",
        "title": "Direct Discriminative Optimization for diffusion models",
        "date": "2025-01-10",
        "abstract": "We propose Direct Discriminative Optimization (DDO), which fine-tunes diffusion models. DDO "
        "sets a new state of the art FID on CIFAR-10 and ImageNet-64.",
        "references": ["p-mt", "doi:10.9999/nowhere"],
    },
    {
        "id": "p-ddo2",
        "title": "Discriminative fine-tuning revisited",
        "date": "2025-03-02",
        "abstract": "We apply DDO to image generation and evaluate on CIFAR-10. We compare with DPO.",
        "references": ["p-mt", "p-ddo"],
    },
]
ALL = PAPERS + EXTRA
TYPED = ["GSM-8K", "gsm 8k", "GSM8Ks", "BBH", "BigBench Hard", "Direct Preference Optimisation", "MT Bench", "GSM8L"]


def write(path: Path, papers: list[dict]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("verbs")
    write(root / "papers.jsonl", ALL)
    result = run_kg("build", "papers.jsonl", "--out", "out", "--formats", "graph,index", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "out" / "index.sqlite").exists()
    return root / "out"


def cli_json(out: Path, *args: str) -> list[dict]:
    result = run_kg("query", *args, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_papers_using_with_roles_and_dates(built: Path) -> None:
    hits = cli_json(built, "papers-using", "GSM-8K")
    assert {h["paper_id"] for h in hits} == {"2305.18290", "p-gsm", "p-bbh"}
    assert [h.paper_id for h in kg.papers_using(built, "gsm 8k")] == [h["paper_id"] for h in hits]
    assert [h["paper_id"] for h in cli_json(built, "papers-using", "DPO", "--role", "proposes")] == ["2305.18290"]
    dated = cli_json(built, "papers-using", "GSM8K", "--since", "2023", "--until", "2023-12")
    assert [h["paper_id"] for h in dated] == ["2305.18290"]
    assert all(h["sentence"] for h in hits)
    result = run_kg("query", "papers-using", "GSM8L", "--out", str(built))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no entity called 'GSM8L' in the graph; did you mean: GSM8K, GSM-Plus?"
    bad = run_kg("query", "papers-using", "DPO", "--role", "cites", "--out", str(built))
    assert bad.returncode == 2 and "--role cites" in bad.stderr


def test_evaluated_on_counts_datasets_and_methods_on_is_its_mirror(built: Path) -> None:
    rows = cli_json(built, "evaluated-on", "direct preference optimisation")
    counts = {r["name"]: r["papers"] for r in rows}
    assert counts["GSM8K"] == 3 and counts["MT-Bench"] == 2
    ddo = {r["name"]: r["type"] for r in cli_json(built, "evaluated-on", "DDO")}
    assert ddo.get("CIFAR-10") == "dataset", ddo
    on = {r["name"]: r["papers"] for r in cli_json(built, "methods-on", "MT-Bench")}
    assert on["DPO"] == 2 and "ORPO" in on
    assert [r.name for r in kg.methods_on(built, "CIFAR-10")][:1] == ["DDO"]


def test_used_with_ranks_by_association_with_support(built: Path) -> None:
    rows = cli_json(built, "used-with", "DPO")
    assert rows[0]["name"] == "GSM8K" and rows[0]["papers"] == 3
    assert all(r["papers"] >= 2 for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    loose = kg.used_with(built, "DPO", min_support=1)
    assert len(loose) > len(rows) and {r["name"] for r in rows} <= {r.name for r in loose}


def test_trend_fills_empty_periods_and_counts_undated_apart(built: Path) -> None:
    found = kg.trend(built, "DPO")
    assert [(r.period, r.papers) for r in found.rows] == [
        ("2021", 0),
        ("2022", 1),
        ("2023", 1),
        ("2024", 2),
        ("2025", 1),
    ]
    assert found.rows[2].proposes == 1 and found.undated == 0
    monthly = kg.trend(built, "DPO", by="month")
    assert monthly.undated == 1  # p-bbh has a year only
    assert len(monthly.rows) == len({r.period for r in monthly.rows}) and monthly.rows[0].period == "2021-07"
    result = run_kg("query", "trend", "DPO", "--by", "month", "--csv", "--out", str(built))
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][:2] == ["period", "papers"] and table[-1][:2] == ["undated", "1"]


def test_new_and_rising(built: Path) -> None:
    new = cli_json(built, "new", "--since", "2025")
    by_name = {r["name"]: r for r in new}
    assert by_name["DDO"]["paper_id"] == "p-ddo" and by_name["DDO"]["relation"] == "PROPOSES"
    assert all(r["first_seen"] >= "2025" for r in new)
    assert {r["name"] for r in cli_json(built, "new", "--since", "2025", "--type", "method")} <= {
        n for n, r in by_name.items() if r["type"] == "method"
    }
    assert run_kg("query", "new", "--out", str(built)).returncode == 2  # --since is required
    rising = cli_json(built, "rising", "--window", "1")
    assert rising and [r["growth"] for r in rising] == sorted((r["growth"] for r in rising), reverse=True)
    assert [r.entity_id for r in kg.rising(built, window=1)] == [r["entity_id"] for r in rising]
    assert all(r["recent"] >= 2 for r in rising)


def test_related_and_citations(built: Path) -> None:
    related = cli_json(built, "related", "p-gsm")
    assert {r["paper_id"] for r in related[:2]} == {"2305.18290", "p-bbh"}
    assert "GSM8K" in related[0]["shared"]
    cites = kg.cites(built, "p-ddo2")
    assert [p.paper_id for p in cites.papers] == ["p-ddo", "p-mt"]  # by title
    assert kg.cites(built, "p-ddo").outside == 1  # the DOI that names no paper of the graph
    assert {p.paper_id for p in kg.cited_by(built, "p-mt").papers} == {"p-ddo", "p-ddo2"}
    assert kg.related(built, "p-ddo")[0].paper_id == "p-ddo2"  # shared entities and a shared reference
    assert kg.related(built, "p-ddo")[0].shared_references == 1
    missing = run_kg("query", "related", "no such paper", "--out", str(built))
    assert missing.returncode == 1 and "no paper 'no such paper'" in missing.stderr


def test_compare_side_by_side(built: Path) -> None:
    found = kg.compare(built, "DPO", "ORPO")
    assert (found.a.name, found.b.name) == ("DPO", "ORPO")
    assert found.a.papers == 5 and found.b.papers == 1 and found.shared_papers == 1
    assert "MT-Bench" in found.shared_evaluated
    assert found.b.first_seen == "2024-03-12"
    table = run_kg("query", "compare", "DPO", "ORPO", "--out", str(built)).stdout
    assert table.splitlines()[0] == "\tDPO\tORPO" and "papers\t5\t1" in table


def test_a_graph_in_memory_answers_as_its_build(built: Path) -> None:
    graph = kg.load(built)
    assert kg.papers_using(graph, "DPO") == kg.papers_using(built, "DPO")
    assert kg.used_with(graph, "DPO", min_support=1) == kg.used_with(built, "DPO", min_support=1)
    assert kg.trend(graph, "GSM8K", by="month") == kg.trend(built, "GSM8K", by="month")
    assert kg.rising(graph) == kg.rising(built)
    assert kg.explain_entity(graph, "DPO") == kg.explain_entity(built, "DPO")


def test_the_name_lookup_answers_the_same_from_the_index(built: Path) -> None:
    graph = kg.load(built)
    index = open_index(built)
    for name in TYPED:
        assert match(index, name) == lookup(graph, name), name


def test_entity_answers_from_the_index(built: Path) -> None:
    result = run_kg("entity", "Direct Preference Optimisation", "--out", str(built), "--json")
    assert result.returncode == 0, result.stderr
    [item] = json.loads(result.stdout)
    assert item["name"] == "DPO" and item["papers"] == 5 and item["relations"]["PROPOSES"] == 1
    assert {a["alias"] for a in item["aliases"]} >= {"DPO", "Direct Preference Optimization"}


def index_dump(path: Path) -> dict[str, list]:
    """The index's content by ids (the internal row numbers differ between a build and its adds)."""
    db = sqlite3.connect(path)
    queries = {
        "paper": "SELECT id, title, date, year, url, seen, start, end, year_period, month_period, refs FROM paper",
        "entity": "SELECT e.id, label, type, generic, full_name, family, mentions, data, e.papers, first_seen, "
        "first_start, last_seen, p.id FROM entity e LEFT JOIN paper p ON p.n = e.first_paper",
        "name": "SELECT e.id, name, key FROM name n JOIN entity e ON e.n = n.entity",
        "relation": "SELECT e.id, p.id, kind, sentence, texts FROM relation r JOIN entity e ON e.n = r.entity "
        "JOIN paper p ON p.n = r.paper",
        "cites": "SELECT p.id, cited FROM cites c JOIN paper p ON p.n = c.paper",
        "period": "SELECT x.by, x.period, e.id, x.kind, x.papers FROM entity_period x JOIN entity e ON e.n = x.entity",
        "meta": "SELECT name, value FROM meta WHERE name != 'generation'",
    }
    try:
        return {name: sorted(db.execute(sql)) for name, sql in queries.items()}
    finally:
        db.close()


def test_add_keeps_the_index_current_and_equal_to_a_build(tmp_path: Path) -> None:
    write(tmp_path / "all.jsonl", ALL)
    write(tmp_path / "a.jsonl", ALL[:4])
    write(tmp_path / "b.jsonl", ALL[4:])
    assert run_kg("build", "all.jsonl", "--out", "full", "--formats", "index", "--quiet", cwd=tmp_path).returncode == 0
    assert run_kg("build", "a.jsonl", "--out", "part", "--formats", "index", "--quiet", cwd=tmp_path).returncode == 0
    with pytest.raises(kg.errors.KgError, match="no entity called 'ORPO'"):
        kg.papers_using(tmp_path / "part", "ORPO")
    added = run_kg("add", "b.jsonl", "--out", "part", "--quiet", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert [h.paper_id for h in kg.papers_using(tmp_path / "part", "ORPO", role="proposes")] == ["p-orpo"]
    assert index_dump(tmp_path / "part" / "index.sqlite") == index_dump(tmp_path / "full" / "index.sqlite")
    assert open_index(tmp_path / "part").generation() == 2


def test_a_stale_or_missing_index_still_answers(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a.jsonl", ALL[:4])
    write(tmp_path / "b.jsonl", ALL[4:])
    assert run_kg("build", "a.jsonl", "--out", "out", "--formats", "graph", "--quiet", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "out" / "index.sqlite").exists()
    assert {h.paper_id for h in kg.papers_using(tmp_path / "out", "GSM8K")} == {"2305.18290", "p-gsm", "p-bbh"}
    stale = tmp_path / "stale"
    assert run_kg("build", "a.jsonl", "--out", "stale", "--formats", "index", "--quiet", cwd=tmp_path).returncode == 0
    old = (stale / "index.sqlite").read_bytes()
    assert run_kg("add", "b.jsonl", "--out", "stale", "--quiet", cwd=tmp_path).returncode == 0
    (stale / "index.sqlite").write_bytes(old)  # as if an older kg had added without it
    result = run_kg("query", "papers-using", "ORPO", "--role", "proposes", "--out", str(stale))
    assert result.returncode == 0 and result.stdout.splitlines()[1].startswith("Odds ratio")
    assert "index.sqlite is older than the build state" in result.stderr
