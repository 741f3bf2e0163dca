"""BibTeX and OpenAlex / Semantic Scholar dump readers, and how their papers meet the others."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.sources.readers import FORMATS, ReadReport, detect_format, read_papers

DATA = Path(__file__).parent / "data" / "fetch"


def by_id(papers: list) -> dict:
    return {paper.id: paper for paper in papers}


def test_bibtex_library() -> None:
    report = ReadReport()
    papers = by_id(read_papers([DATA / "library.bib"], skip_bad=True, report=report))
    assert list(papers) == [
        "arxiv:2402.03300", "doi:10.5555/neurips.2023.dpo", "arxiv:2503.14476", "doi:10.5555/acl.2024.long.42",
        "arxiv:2503.20783",
    ]  # fmt: skip

    math = papers["arxiv:2402.03300"]
    assert math.title == "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models"
    assert math.abstract == (
        "We introduce Group Relative Policy Optimization (GRPO), a variant of PPO that drops the critic; "
        "DeepSeekMath 7B reaches 51.7% on MATH."
    )
    assert (math.date, math.year, math.venue, math.arxiv_id) == ("2024-02", 2024, "arXiv", "2402.03300")
    assert math.authors == ["Zhihong Shao", "Peiyi Wang", "Daya Guo"]
    assert math.source.endswith("library.bib:4")

    dpo = papers["doi:10.5555/neurips.2023.dpo"]
    assert (dpo.date, dpo.doi, dpo.venue) == (
        "2023-12",
        "10.5555/neurips.2023.dpo",
        "Advances in Neural Information Processing Systems",
    )
    assert dpo.authors[4] == "Christopher D. Manning"

    dapo = papers["arxiv:2503.14476"]  # DBLP style: CoRR, abs/ volume, eprinttype
    assert (dapo.title, dapo.venue, dapo.abstract, dapo.url) == (
        "DAPO: An Open-Source LLM Reinforcement Learning System at Scale", "arXiv", "",
        "https://arxiv.org/abs/2503.14476",
    )  # fmt: skip

    german = papers["doi:10.5555/acl.2024.long.42"]  # LaTeX accents, @string macro, biblatex date, corporate author
    assert german.title == "Schöne neue GRPO-Welt: Reinforcement Learning for German Summarisation"
    assert german.authors == ["Jörg Müller", "Lucía García", "Google DeepMind"]
    assert german.venue.startswith("Proceedings of the 62nd Annual Meeting")
    assert (german.date, german.year) == ("2024-08-12", 2024)

    assert papers["arxiv:2503.20783"].date == "2025-03-26"
    assert len(report.skipped) == 2
    assert report.skipped[0].endswith("library.bib:45: @misc{no_title_2025}: missing or empty 'title'")
    assert "library.bib:51: unparsable BibTeX block" in report.skipped[1]


def test_bibtex_bad_entry_fails_without_skip_bad(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"library\.bib:45: @misc\{no_title_2025\}: missing or empty 'title'"):
        read_papers([DATA / "library.bib"])
    empty = tmp_path / "notes.bib"
    empty.write_text("% just a comment\n")
    with pytest.raises(InputError, match="no BibTeX entries found"):
        read_papers([empty])


def test_openalex_dump_detected_by_content_and_gzip(tmp_path: Path) -> None:
    papers = by_id(read_papers([DATA / "openalex_works.jsonl"]))
    assert list(papers) == ["arxiv:2402.03300", "arxiv:2502.01234", "openalex:W4405998877"]
    math = papers["arxiv:2402.03300"]
    assert math.abstract.startswith(
        "We present DeepSeekMath 7B and introduce Group Relative Policy Optimization (GRPO)"
    )
    assert (math.date, math.doi, math.venue) == (
        "2024-02-05",
        "10.48550/arxiv.2402.03300",
        "arXiv (Cornell University)",
    )
    assert papers["openalex:W4405998877"].abstract == ""

    part = tmp_path / "part_000.gz"  # the OpenAlex snapshot's file naming
    with gzip.open(part, "wb") as handle:
        handle.write((DATA / "openalex_works.jsonl").read_bytes())
    assert [p.id for p in read_papers([part], fmt="openalex")] == list(papers)
    assert [p.id for p in read_papers([part])] == list(papers)  # recognised by content
    named = tmp_path / "works.jsonl.gz"
    shutil.copy(part, named)
    assert [p.id for p in read_papers([named])] == list(papers)
    plain = tmp_path / "mine.jsonl.gz"
    with gzip.open(plain, "wt") as handle:
        handle.write('{"title": "T", "abstract": "A"}\n')
    with pytest.raises(InputError, match="gzip input is read only for OpenAlex / S2 dumps"):
        read_papers([plain])


def test_saved_api_page_and_s2_dataset_lines(tmp_path: Path) -> None:
    page = tmp_path / "page.json"  # an OpenAlex /works response saved to disk
    page.write_text((DATA / "openalex_page1.json").read_text())
    assert [p.id for p in read_papers([page])] == ["arxiv:2402.03300", "arxiv:2502.01234"]

    report = ReadReport()
    papers = by_id(read_papers([DATA / "s2_papers.jsonl"], skip_bad=True, report=report))
    assert list(papers) == ["arxiv:2503.14476", "doi:10.5555/emnlp.2024.main.77"]
    dapo = papers["arxiv:2503.14476"]
    assert (dapo.date, dapo.year, dapo.venue, dapo.doi) == (
        "2025-03-18",
        2025,
        "arXiv.org",
        "10.48550/arxiv.2503.14476",
    )
    assert papers["doi:10.5555/emnlp.2024.main.77"].abstract == ""
    assert report.skipped == [
        f"{DATA / 's2_papers.jsonl'}:3: an S2 abstracts-dataset line (no title): join it with the papers dataset first"
    ]

    graph_api = tmp_path / "s2.jsonl"  # Graph API objects, one per line
    graph_api.write_text(
        "\n".join(json.dumps(p) for p in json.loads((DATA / "s2_bulk_page1.json").read_text())["data"]) + "\n"
    )
    assert [p.id for p in read_papers([graph_api], fmt="s2")] == ["arxiv:2503.14476", "doi:10.5555/emnlp.2024.main.77"]
    assert [p.id for p in read_papers([graph_api])] == ["arxiv:2503.14476", "doi:10.5555/emnlp.2024.main.77"]


def test_sources_merge_on_canonical_ids() -> None:
    report = ReadReport()
    papers = by_id(
        read_papers(
            [DATA / "library.bib", DATA / "openalex_works.jsonl", DATA / "s2_papers.jsonl"],
            skip_bad=True,
            report=report,
        )
    )
    assert report.duplicates == 2  # DeepSeekMath (BibTeX + OpenAlex) and DAPO (BibTeX + S2)
    math = papers["arxiv:2402.03300"]
    assert math.source.endswith("library.bib:4") and math.doi == "10.48550/arxiv.2402.03300"
    assert math.abstract.startswith("We present DeepSeekMath 7B")  # the longer abstract wins
    assert papers["arxiv:2503.14476"].abstract.startswith("We propose DAPO")  # filled in from S2


def test_plain_json_reader_is_unchanged(tmp_path: Path) -> None:
    plain = tmp_path / "papers.jsonl"
    plain.write_text(
        json.dumps({"id": "p1", "title": "T", "abstract": "A", "url": "https://arxiv.org/abs/2402.03300"}) + "\n"
    )
    [paper] = read_papers([plain])
    assert (paper.id, paper.arxiv_id) == ("p1", "2402.03300")
    assert detect_format(Path("refs.bib")) == "bibtex"
    assert {"bibtex", "openalex", "s2"} <= set(FORMATS)
    with pytest.raises(InputError, match="unknown format 'ris'"):
        detect_format(plain, "ris")


def test_metadata_reaches_paper_nodes() -> None:
    from kg.graph.build import build_graph, paper_node  # imports spaCy: only for this test
    from kg.resolve.relations import Resolution

    papers = read_papers([DATA / "openalex_works.jsonl"])
    graph = build_graph(Resolution(papers={p.id: p for p in papers}))
    node = graph.nodes[paper_node("arxiv:2402.03300")]
    assert (node["date"], node["year"], node["doi"], node["arxiv_id"]) == (
        "2024-02-05", 2024, "10.48550/arxiv.2402.03300", "2402.03300",
    )  # fmt: skip
    assert node["authors"] == ["Zhihong Shao", "Peiyi Wang", "Daya Guo"]
    assert node["venue"] == "arXiv (Cornell University)"


def test_dates_from_every_reader(tmp_path: Path) -> None:
    """Each reader keeps the full date where its source gives one, the month or year where that is all there is,
    and no date for what is not one; every export carries it with its precision (Turtle: xsd:date, gYearMonth,
    gYear)."""
    rows = [
        {"id": "j1", "title": "T1", "abstract": "a", "date": "2024-05-03T10:00:00Z"},
        {"id": "j2", "title": "T2", "abstract": "a", "published": "May 3, 2024"},
        {"id": "j3", "title": "T3", "abstract": "a", "year": 2023, "month": "feb"},
        {"id": "j4", "title": "T4", "abstract": "a", "year": "2022", "month": 7, "day": 9},
        {"id": "j5", "title": "T5", "abstract": "a", "publicationDate": "2024-13-01", "year": 2024},
        {"id": "j6", "title": "T6", "abstract": "a", "date": "Spring 2020"},
        {"id": "j7", "title": "T7", "abstract": "a", "publication_date": "2021-02-29"},
    ]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "p.csv").write_text("id,title,abstract,year,month,day\nc1,C1,a,2019,11,30\nc2,C2,a,2018,,\n")
    (tmp_path / "p.bib").write_text(
        "@inproceedings{b1, title={B1}, year={2021}, month=jun, day={7}}\n"
        "@article{b2, title={B2}, year={2020}, month={March}}\n@misc{b3, title={B3}, year={2017}}\n"
        "@misc{b4, title={B4}, year={2017}, month=feb, day={30}}\n",
        encoding="utf-8",
    )
    (tmp_path / "feed.txt").write_text(
        "Daily Papers\n\nDated Title\n\nAn abstract.\n\nOct 19, 2023 3\n\nYearless Title\n\nAnother abstract.\n\n"
        "Jun 23\n",
        encoding="utf-8",
    )
    papers = read_papers([tmp_path / "p.jsonl", tmp_path / "p.csv", tmp_path / "p.bib", tmp_path / "feed.txt"])
    found = {p.title: (p.date, p.year) for p in papers}
    assert found == {
        "T1": ("2024-05-03", 2024), "T2": ("2024-05-03", 2024), "T3": ("2023-02", 2023), "T4": ("2022-07-09", 2022),
        "T5": (None, 2024), "T6": (None, 2020), "T7": (None, 2021),  # not a date: the year as written
        "C1": ("2019-11-30", 2019), "C2": (None, 2018),
        "B1": ("2021-06-07", 2021), "B2": ("2020-03", 2020), "B3": ("2017", 2017), "B4": ("2017-02", 2017),
        "Dated Title": ("2023-10-19", 2023),
        "Yearless Title": (None, None),  # the feed writes no year for this year's papers: not guessed
    }  # fmt: skip

    from kg.graph.build import build_graph  # imports spaCy: only here
    from kg.resolve.relations import Resolution
    from kg.sinks.export import export
    from kg.sinks.rdf import to_rdf

    graph = build_graph(Resolution(papers={p.id: p for p in papers}))
    rdf = to_rdf(graph)
    titles = {s: str(o) for s, p, o in rdf if str(p) == "http://purl.org/dc/terms/title"}
    issued = {
        titles[s]: (str(o), str(o.datatype).rsplit("#", 1)[-1])
        for s, p, o in rdf
        if str(p) == "http://purl.org/dc/terms/issued"
    }
    assert issued["T1"] == ("2024-05-03", "date") and issued["T3"] == ("2023-02", "gYearMonth")
    assert issued["B3"] == ("2017", "gYear") and "T5" not in issued
    export(graph, "csv", tmp_path / "csv")
    nodes = (tmp_path / "csv" / "nodes.csv").read_text(encoding="utf-8")
    assert ",2022,2022-07-09," in nodes and ",2023,2023-02," in nodes
    export(graph, "neo4j-csv", tmp_path / "neo4j")
    header, *lines = (tmp_path / "neo4j" / "papers.csv").read_text(encoding="utf-8").splitlines()
    column = header.split(",").index("date:string")
    assert {line.split(",")[0]: line.split(",")[column] for line in lines}["j4"] == "2022-07-09"
