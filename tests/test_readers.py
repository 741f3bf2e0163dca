"""Readers on the real sample files and on small hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ids import paper_id
from kg.sources.readers import ReadReport, read_papers
from tests.conftest import LISTINGS, VENUE_JSON


def test_listing_dumps_give_each_paper_once() -> None:
    report = ReadReport()
    papers = read_papers(LISTINGS, report=report)
    assert 165 <= len(papers) <= 175  # the corpus README: about 170 distinct papers
    assert report.duplicates > 0  # some papers are in several files
    assert len({p.id for p in papers}) == len(papers)
    titles = {p.title for p in papers}
    assert "RewardBench 2: Advancing Reward Model Evaluation" in titles
    assert not any(t.lower() in {"daily papers", "subscribe", "new"} for t in titles)
    assert all(len(p.abstract) > 100 for p in papers)


def test_listing_metadata_lines_are_read_not_taken_as_papers() -> None:
    papers = {p.title: p for p in read_papers([LISTINGS[1]])}  # divergence: has metadata lines
    cue_r = papers["CUE-R: Beyond the Final Answer in Retrieval-Augmented Generation"]
    assert cue_r.organisation == "intuit Intuit"
    chain = papers["Training Chain-of-Thought via Latent-Variable Inference"]
    assert chain.author_count == 10
    assert chain.date == "2023-11-28" and chain.year == 2023
    assert not any(title.startswith(("•", "·")) or title.endswith("authors") for title in papers)


def test_json_array_reads_venue_corpus_with_years() -> None:
    papers = read_papers([VENUE_JSON])
    assert len(papers) > 1500
    first = papers[0]
    assert first.year == 1992 and first.venue == "AAAI"
    assert first.source.endswith("venue-abstracts-1980-2022.json:2")


def test_jsonl_csv_and_stable_ids(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        json.dumps({"id": "x1", "title": "A", "abstract": "B", "year": "2021"})
        + "\n\n"
        + json.dumps({"title": "Same Title", "abstract": "text", "authors": "Ada Lovelace, Alan Turing"})
        + "\n",
        encoding="utf-8",
    )
    csv_file = tmp_path / "b.csv"
    csv_file.write_text('Title,Abstract,date\n"Same  title!","longer text here",2020-05-01\n', encoding="utf-8")
    papers = read_papers([jsonl, csv_file])
    assert [p.id for p in papers] == ["x1", paper_id("Same Title")]
    assert papers[0].year == 2021
    merged = papers[1]
    assert merged.authors == ["Ada Lovelace", "Alan Turing"]
    assert merged.date == "2020-05-01" and merged.year == 2020  # filled from the duplicate in the CSV
    assert merged.abstract == "longer text here"


@pytest.mark.parametrize(
    ("name", "content", "line", "fragment"),
    [
        ("bad.jsonl", b'{"title": "a", "abstract": "b"}\n{not json}\n', 2, "not valid JSON"),
        ("missing.jsonl", b'{"title": "a"}\n', 1, "missing 'abstract'"),
        ("utf.jsonl", b'{"title": "a", "abstract": "b"}\n{"title": "\xff"}\n', 2, "invalid UTF-8"),
        ("cols.csv", b"name,text\nx,y\n", 1, "lacks column(s) title, abstract"),
        ("arr.json", b'[\n {"title": "a", "abstract": "b"},\n {"title": null}\n]', 3, "missing or empty 'title'"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, name: str, content: bytes, line: int, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_papers([path])
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert fragment in str(caught.value)


def test_empty_and_binary_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00\x01\x02garbage")
    for path, fragment in ((empty, "empty"), (binary, "binary")):
        with pytest.raises(InputError, match=fragment):
            read_papers([path])


def test_skip_bad_counts_and_keeps_the_good(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"title": "good", "abstract": "x"}\n{"title": ""}\n', encoding="utf-8")
    report = ReadReport()
    papers = read_papers([path], skip_bad=True, report=report)
    assert [p.title for p in papers] == ["good"]
    assert len(report.skipped) == 1 and ":2:" in report.skipped[0]
