"""Curation through the command line: ``kg curate`` edits the build's overrides.yaml (atomically, refusing
contradictions), ``kg build --out OUT`` applies it, it survives ``kg add`` and a rebuild, the entity page and
``kg entity`` say what was curated, and ``--min-confidence`` bounds what reaches the graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg
from kg.resolve.curation import edit
from kg.resolve.overrides import Overrides
from tests.test_site import Session, session  # noqa: F401 (fixtures)
from tests.ux_corpus import kg as run_kg
from tests.ux_corpus import write_papers

FORMATS = ("--formats", "graph,site", "--quiet")
NEW = [
    {
        "id": "p-new",
        "title": "Squibs: Small models do math",
        "date": "2025-01-20",
        "abstract": "We evaluate on GSM-Plus and GSM8K with a small model trained with DPO.",
    }
]


def entities(out: Path) -> dict[str, dict]:
    data = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    return {n["label"]: n for n in data["nodes"] if n["kind"] != "Paper"}


def edges(out: Path) -> list[dict]:
    return json.loads((out / "graph.json").read_text(encoding="utf-8"))["edges"]


def one_line_error(result, fragment: str) -> None:  # type: ignore[no-untyped-def]
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build, curated with kg curate, then rebuilt with ``kg build --out out``."""
    root = tmp_path_factory.mktemp("curation")
    write_papers(root / "papers.jsonl")
    write_papers(root / "new.jsonl", NEW)
    assert run_kg("build", "papers.jsonl", "--out", "out", *FORMATS, cwd=root).returncode == 0
    assert "Squibs" in entities(root / "out") and entities(root / "out")["GSM-Plus"]["type"] == "benchmark"
    steps = [
        ("not-entity", "Squibs"),
        ("type", "gsm plus", "dataset"),  # any spelling of the name
        ("role", "2305.18290", "MT-Bench", "mentions"),
        ("same", "ORPO", "preference optimization"),
    ]
    for step in steps:
        result = run_kg("curate", *step, "--out", "out", cwd=root)
        assert result.returncode == 0, result.stderr
        assert "Apply it: kg build --out out" in result.stdout
    return root


def test_curate_writes_the_file_and_refuses_contradictions(curated: Path) -> None:
    text = (curated / "out" / "overrides.yaml").read_text(encoding="utf-8")
    assert text.startswith("# The curation of this build")
    assert Overrides.load(curated / "out" / "overrides.yaml") == Overrides(
        same=[["ORPO", "preference optimization"]],
        not_entity=["Squibs"],
        types={"gsm plus": "dataset"},
        roles=[["2305.18290", "MT-Bench", "mentions"]],
    )
    for args, fragment in [
        (("type", "Squibs", "dataset"), "conflicting curation: 'Squibs' is under not-entity and under type (dataset)"),
        (("different", "ORPO", "preference optimization"), "are both 'same' and 'different'"),
        (("type", "GSM8K", "paper"), "choose one of method, model, dataset, benchmark, metric"),
        (("role", "p-gsm", "GSM8K", "loves"), "choose proposes, uses, mentions, none"),
    ]:
        before = (curated / "out" / "overrides.yaml").read_bytes()
        result = run_kg("curate", *args, "--out", "out", cwd=curated)
        one_line_error(result, fragment)
        assert (curated / "out" / "overrides.yaml").read_bytes() == before  # nothing written
    typo = run_kg("curate", "not-entity", "Sqibs", "--out", "out", cwd=curated)
    assert typo.returncode == 0 and "note: no entity called 'Sqibs' in out" in typo.stderr
    assert run_kg("curate", "not-entity", "Sqibs", "--undo", "--out", "out", cwd=curated).returncode == 0
    shown = run_kg("curate", "show", "--out", "out", cwd=curated)
    assert shown.stdout.splitlines()[1:] == [
        "  same: ORPO, preference optimization",
        "  not-entity: Squibs",
        "  type: gsm plus -> dataset",
        "  role: 2305.18290 MT-Bench -> mentions",
    ]


def test_a_rebuild_applies_the_curation_and_add_keeps_it(curated: Path) -> None:
    out = curated / "out"
    refused = run_kg("add", "new.jsonl", "--out", "out", "--quiet", cwd=curated)
    one_line_error(refused, "the resolution overrides changed since the build")
    assert "kg build --out out" in refused.stderr
    result = run_kg("build", "--out", "out", *FORMATS, cwd=curated)  # no inputs: from the papers out holds
    assert result.returncode == 0, result.stderr
    found = entities(out)
    assert "Squibs" not in found and "ORPO" in found and "preference optimization" not in found
    assert found["GSM-Plus"]["type"] == "dataset" and found["GSM-Plus"]["kind"] == "Dataset"
    assert found["GSM-Plus"]["curated"] == ["type dataset by hand (extraction said benchmark)"]
    assert found["ORPO"]["curated"][0].startswith("merged by hand (same: ORPO, preference optimization)")
    dpo_paper = [e for e in edges(out) if e["source"] == "paper:2305.18290" and e["target"] == "entity:mt-bench"]
    assert [(e["type"], e["curated"]) for e in dpo_paper] == [("MENTIONS", "mentions")]
    assert not any(e["type"] == "EVALUATES_ON" for e in edges(out) if e["target"] == "entity:gsm-plus")
    shown = json.loads(run_kg("entity", "GSM-Plus", "--out", "out", "--json", cwd=curated).stdout)
    assert shown[0]["curated"] == ["type dataset by hand (extraction said benchmark)"]
    page = (out / "site" / "e" / "gsm-plus.html").read_text(encoding="utf-8")
    assert 'class="curated"' in page and "type dataset by hand" in page

    added = run_kg("add", "new.jsonl", "--out", "out", "--formats", "graph,site", "--quiet", cwd=curated)
    assert added.returncode == 0, added.stderr
    after_add = entities(out)
    assert "Squibs" not in after_add and after_add["GSM-Plus"]["type"] == "dataset"
    assert any(e["source"] == "paper:p-new" and e["target"] == "entity:gsm-plus" for e in edges(out))

    again = run_kg(  # a fresh build of everything, given the same curation file
        "build", "papers.jsonl", "new.jsonl", "--out", "again", "--overrides", out / "overrides.yaml", *FORMATS,
        cwd=curated,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    rebuilt = entities(curated / "again")
    assert {k: (v["type"], v.get("curated")) for k, v in rebuilt.items()} == {
        k: (v["type"], v.get("curated")) for k, v in after_add.items()
    }


def test_contradicting_files_and_min_confidence(curated: Path) -> None:
    folder = curated / "bad"
    folder.mkdir()
    (folder / "overrides.yaml").write_text("same: [[DPO, PPO]]\ndifferent: [[dpo, ppo]]\n", encoding="utf-8")
    result = run_kg("build", "papers.jsonl", "--out", "bad", "--quiet", cwd=curated)
    one_line_error(result, "overrides.yaml: conflicting curation: 'dpo' and 'ppo' are both 'same' and 'different'")
    result = run_kg(
        "build", "papers.jsonl", "--out", "strict", "--min-confidence", "0.9", "--formats", "graph", cwd=curated
    )
    assert result.returncode == 0, result.stderr
    strict = entities(curated / "strict")
    assert 0 < len(strict) < len(entities(curated / "again"))
    assert all(e["confidence"] >= 0.9 for e in edges(curated / "strict") if "confidence" in e)
    added = run_kg("add", "new.jsonl", "--out", "strict", "--formats", "graph", "--quiet", cwd=curated)
    assert added.returncode == 0, added.stderr  # the build's --min-confidence holds for what is added
    assert all(e["confidence"] >= 0.9 for e in edges(curated / "strict") if "confidence" in e)
    result = run_kg("build", "papers.jsonl", "--out", "strict", "--min-confidence", "1.5", cwd=curated)
    assert result.returncode == 2 and "--min-confidence" in result.stderr


def test_edits_in_python() -> None:
    overrides, what = edit(Overrides(), "not-entity", ["Squibs", "squibs"])
    assert overrides.not_entity == ["Squibs"] and what == "not-entity Squibs added; squibs already there"
    overrides, _ = edit(overrides, "min-confidence", ["0.4"])
    assert overrides.min_confidence == 0.4
    with pytest.raises(kg.errors.KgError, match="give PAPER NAME ROLE"):
        edit(overrides, "role", ["p1", "X"])


@pytest.mark.browser
def test_the_entity_page_shows_what_was_curated(session: Session, curated: Path) -> None:  # noqa: F811
    path = curated / "out" / "site" / "e" / "gsm-plus.html"
    if 'class="curated"' not in path.read_text(encoding="utf-8"):  # run alone: apply the curation first
        assert run_kg("build", "--out", "out", *FORMATS, cwd=curated).returncode == 0
    page = session.open(path.as_uri())
    assert page.locator(".curated .tag").inner_text() == "curated"
    assert "type dataset by hand" in page.locator(".curated").inner_text()
    assert page.locator(".kind").first.inner_text().strip().lower().endswith("dataset")  # CSS: upper case
    session.assert_clean()


def test_a_curated_role_adds_a_link_that_extraction_missed(tmp_path: Path) -> None:
    write_papers(tmp_path / "papers.jsonl")
    write_papers(tmp_path / "new.jsonl", NEW)
    graph_only = ("--formats", "graph", "--quiet")
    assert run_kg("build", "papers.jsonl", "--out", "out", *graph_only, cwd=tmp_path).returncode == 0
    out = tmp_path / "out"

    def links() -> list[tuple[str, str | None]]:
        return [(e["type"], e.get("curated")) for e in edges(out) if (e["source"], e["target"]) == MISSED]

    MISSED = ("paper:p-mt", "entity:gsm8k")  # "Judging chat models" never names GSM8K
    assert links() == []
    result = run_kg("curate", "role", "p-mt", "GSM8K", "uses", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert run_kg("build", "--out", "out", *graph_only, cwd=tmp_path).returncode == 0
    assert links() == [("EVALUATES_ON", "uses")]  # a benchmark one uses is one evaluated on
    assert run_kg("add", "new.jsonl", "--out", "out", *graph_only, cwd=tmp_path).returncode == 0
    assert links() == [("EVALUATES_ON", "uses")]
    hits = json.loads("[" + ",".join(run_kg("query", "papers-using", "GSM8K", "--out", "out", "--json",
                                             cwd=tmp_path).stdout.split("\n")[:-1]) + "]")  # fmt: skip
    assert "p-mt" in {hit["paper_id"] for hit in hits}


def test_curate_keeps_the_comments_written_anywhere_in_the_file(tmp_path: Path) -> None:
    from kg.resolve.curation import edit_file

    path = tmp_path / "overrides.yaml"
    path.write_text(
        "# my curation\n"
        "same:\n"
        "  # the paper's own name for it\n"
        "  - [ORPO, odds ratio preference optimisation]\n"
        "not-entity:\n"
        "  - Squibs  # a journal section, not a method\n"
        "  - Findings  # a venue track\n",
        encoding="utf-8",
    )
    edit_file(path, "type", ["MT-Bench", "benchmark"])
    edit_file(path, "not-entity", ["Findings"], undo=True)
    text = path.read_text(encoding="utf-8")
    for comment in ("# my curation", "# the paper's own name for it", "# a journal section, not a method"):
        assert comment in text, text
    assert "venue track" not in text and "Findings" not in text
    assert Overrides.load(path).types == {"MT-Bench": "benchmark"}
    assert Overrides.load(path).not_entity == ["Squibs"]
