"""Property-based tests (hypothesis): the readers never crash on any bytes and never lose text they were not
documented to drop; the extractor never crashes and its offsets always point at the mention; resolution gives
the same entities and relations whatever the order of the papers, and in another process.

Budgets are small (the whole module runs in well under a minute); the long fuzz run is
``benchmarks/fuzz_readers.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError, KgError
from kg.sources.readers import read_papers
from kg.sources.readers.records import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, clean_line, clean_text, paper_from_record
from kg.types import ENTITY_TYPES, ROLES, Paper
from tests.conftest import LISTINGS, ROOT

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# text: any code point (lone surrogates included: JSON can carry them), and text that looks like abstracts
ANY_CHAR = st.one_of(
    st.characters(codec=None),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
    st.characters(max_codepoint=0x1F),  # control characters
    st.sampled_from("\ufeff\ufffe\uffff\u0085\u00a0\u200b\u2028\u2029\u0301"),
)
WORDS = [
    "We propose", "we introduce", "called", "named", "BERT", "GPT-4", "GPT-4o", "ImageNet", "MMLU", "ResNet-50",
    "Llama 2", "Qwen2.5-7B-Instruct", "Direct Preference Optimization (DPO)", "DPO", "(", ")", ":", ";", ",", ".",
    "benchmark", "dataset", "model", "accuracy", "F1", "e.g.", "et al.", "\n", "\t", "  ", "😀", "模型", "Ré",
    "ß", "İ", "ﬁ", "x̄", "\u200b", "\u2028", "«", "»", '"', "'", "<script>", "}", "'; MATCH (n) DETACH DELETE n //",
]  # fmt: skip
WORDY = st.lists(st.one_of(st.sampled_from(WORDS), st.text(ANY_CHAR, max_size=6)), max_size=40).map(" ".join)
TEXT = st.one_of(st.text(ANY_CHAR, max_size=200), WORDY)
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT)
JSON_VALUE = st.recursive(
    JSON_SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
)
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_SCALAR, "title": st.one_of(TEXT, JSON_SCALAR), "abstract": st.one_of(TEXT, JSON_SCALAR),
        "year": JSON_SCALAR, "date": JSON_SCALAR, "authors": JSON_VALUE, "url": JSON_SCALAR, "venue": JSON_SCALAR,
    },
)  # fmt: skip


def check_paper(paper: Paper, path: Path | None = None) -> None:
    """What every paper a reader gives satisfies."""
    assert paper.id and paper.title and paper.title == clean_line(paper.title)  # non-empty, one line, clean
    assert len(paper.title) <= MAX_TITLE_CHARS and len(paper.abstract) <= MAX_ABSTRACT_CHARS
    assert paper.abstract == clean_text(paper.abstract)
    for text in (paper.id, paper.title, paper.abstract, *paper.authors, paper.venue or "", paper.url or ""):
        text.encode("utf-8")  # no lone surrogates
        assert not any(ch < " " and ch not in "\n\t" for ch in text)
    assert paper.year is None or 1 <= paper.year <= 9999
    if path is not None:
        where, _, line = (paper.source or "").rpartition(":")
        assert where == str(path) and 1 <= int(line) <= path.read_bytes().count(b"\n") + 1


@SETTINGS
@given(TEXT)
def test_cleaning_is_its_documented_definition(text: str) -> None:
    """``clean_text``'s fast paths (printable text, byte-level checks) give what its docstring defines."""
    defined = re.sub(
        r"[\ud800-\udfff\ufffe\uffff]",
        "\ufffd",
        re.sub(r"[\x00-\x08\x0b-\x1f]", "", text.replace("\r\n", "\n").replace("\r", "\n")),
    )
    assert clean_text(text) == defined.strip()
    assert clean_line(text) == " ".join(defined.split())


@SETTINGS
@given(RECORD)
def test_any_record_gives_a_clean_paper_or_an_input_error(record: dict[str, Any]) -> None:
    try:
        paper = paper_from_record(record, "r.jsonl", 7)
    except InputError as exc:
        assert (exc.path, exc.line) == ("r.jsonl", 7)
        return
    check_paper(paper)
    assert paper.abstract == clean_text(record["abstract"])  # only the documented cleaning touched the abstract


# ------------------------------------------------------------------------------------ readers on any bytes


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


FILE_CONTENT = st.one_of(
    st.binary(max_size=400),
    st.lists(RECORD, max_size=5).map(lambda rs: "\n".join(json.dumps(r) for r in rs)).map(str.encode),
    st.lists(RECORD, max_size=5).map(json.dumps).map(str.encode),
    st.lists(st.lists(TEXT, min_size=1, max_size=3), max_size=5)
    .map(lambda rows: _csv_text([["title", "abstract", "year"], *rows]))
    .map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(TEXT, max_size=8).map("\n\n".join).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(st.tuples(TEXT, TEXT), max_size=4)
    .map(lambda pairs: "".join(f"@article{{k{i},\n title={{{t}}},\n abstract={{{a}}}\n}}\n" for i, (t, a) in
                               enumerate(pairs)))
    .map(lambda text: text.encode("utf-8", "surrogatepass")),
)  # fmt: skip


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kg-properties-") as folder:
        yield Path(folder)


@settings(SETTINGS, max_examples=300)
@given(content=FILE_CONTENT, suffix=st.sampled_from([".jsonl", ".json", ".csv", ".txt", ".bib", ".tsv"]),
       skip_bad=st.booleans())  # fmt: skip
def test_readers_never_crash_and_give_only_clean_papers(
    scratch: Path, content: bytes, suffix: str, skip_bad: bool
) -> None:
    path = scratch / f"input{suffix}"
    path.write_bytes(content)
    try:
        papers = read_papers([path], skip_bad=skip_bad)
    except InputError as exc:
        assert not skip_bad and exc.path == str(path)  # with skip_bad, a bad file is skipped, not raised
        assert exc.line is None or 1 <= exc.line <= content.count(b"\n") + 1
        return
    except KgError as exc:
        assert str(exc).startswith(f"no papers read from {path}")
        return
    assert papers
    for paper in papers:
        check_paper(paper, path)


@settings(SETTINGS, max_examples=150)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=5))
def test_jsonl_and_csv_keep_every_character_the_cleaning_keeps(scratch: Path, pairs: list[tuple[str, str]]) -> None:
    records = [{"id": f"p{i}", "title": f"T{i} {title}", "abstract": abstract} for i, (title, abstract) in
               enumerate(pairs)]  # fmt: skip
    jsonl = scratch / "round.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    table = scratch / "round.csv"
    text = _csv_text([["id", "title", "abstract"], *([r["id"], r["title"], r["abstract"]] for r in records)])
    table.write_bytes(text.encode("utf-8", "surrogatepass"))
    decoded = json.loads(json.dumps(records))  # JSON joins an escaped surrogate pair into one character
    expected = [(r["id"], clean_line(r["title"]), clean_text(r["abstract"])) for r in decoded]
    for path in (jsonl, table):
        try:
            papers = read_papers([path])
        except InputError as exc:  # a CSV with a lone surrogate (not UTF-8) or a NUL (binary): refused, not garbled
            assert path.suffix == ".csv" and exc.message.startswith(("binary data", "invalid UTF-8"))
            continue
        assert [(p.id, p.title, p.abstract) for p in papers] == expected


# ------------------------------------------------------------------------------------ extraction


@pytest.fixture(scope="module")
def extract() -> Any:
    from kg.extract import extract_papers

    return lambda papers: list(extract_papers(papers, n_process=1))


@settings(SETTINGS, max_examples=200)
@given(title=TEXT, abstract=TEXT)
def test_extraction_never_crashes_and_offsets_point_at_the_mention(extract: Any, title: str, abstract: str) -> None:
    title, abstract = clean_line(title) or "Untitled", clean_text(abstract)  # as every reader hands them over
    [extraction] = extract([Paper(id="p", title=title, abstract=abstract)])
    assert extraction.id == "p"
    fields = {"title": title, "abstract": abstract}
    for entity in extraction.entities:
        assert entity.name and entity.mentions
        assert entity.type in ENTITY_TYPES and entity.role in ROLES and 0 <= entity.confidence <= 1
        for mention in entity.mentions:
            text = fields[mention.field]
            assert 0 <= mention.start < mention.end <= len(text)
            assert text[mention.start : mention.end] == mention.text
    json.dumps(extraction.to_json_dict(), ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------------------------ resolution

NAMES = [
    "Direct Preference Optimization (DPO)", "DPO", "Proximal Policy Optimization (PPO)", "PPO", "PRM",
    "Process Reward Model (PRM)", "Pairwise Ranking Model (PRM)", "GPT-4", "GPT-4o", "Qwen2.5", "Qwen2.5-7B",
    "Qwen2.5-7B-Instruct", "ImageNet", "MMLU", "MMLU-Pro", "BigBench", "Big-Bench", "BIG-bench", "RewardBench",
    "RewardBench 2", "FooNet", "Foo-Net", "FOONet", "BERT", "RoBERTa", "LoRA", "QLoRA", "C++", "Retro*",
]  # fmt: skip
SENTENCE = st.tuples(
    st.sampled_from(["We propose", "We use", "We evaluate on", "Unlike", "Building on", "We compare", "called"]),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
    st.sampled_from(["benchmark", "dataset", "model", "method", "", "metric"]),
).map(lambda parts: f"{parts[0]} {' and '.join(parts[1])} {parts[2]}.".replace("  ", " "))
CORPUS = st.lists(
    st.tuples(st.lists(SENTENCE, min_size=1, max_size=3), st.lists(SENTENCE, min_size=1, max_size=4)),
    min_size=1,
    max_size=6,
)


def _resolved(papers: list[Paper], extractions: list[Any]) -> tuple[Any, Any]:
    """Entities and relations of a resolution, in an order-free form (evidence as sorted tuples)."""
    from kg.graph.resolution import resolve

    resolution = resolve(papers, extractions)
    relations = sorted(
        (r.paper_id, r.entity_id, r.kind, r.confidence, tuple(sorted(map(repr, r.evidence))))
        for r in resolution.relations
    )
    return resolution.entities, relations


@settings(SETTINGS, max_examples=40)
@given(corpus=CORPUS, order=st.randoms(use_true_random=False))
def test_resolution_is_deterministic_and_independent_of_paper_order(extract: Any, corpus: list, order: Any) -> None:
    papers = [Paper(id=f"p{i}", title=" ".join(t), abstract=" ".join(a)) for i, (t, a) in enumerate(corpus)]
    extractions = extract(papers)
    first = _resolved(papers, extractions)
    assert _resolved(papers, extractions) == first
    shuffled = list(zip(papers, extractions, strict=True))
    order.shuffle(shuffled)
    assert _resolved([p for p, _ in shuffled], [e for _, e in shuffled]) == first


GRAPH_OF_LISTINGS = """
import json, sys
from kg.graph.resolution import graph_from_papers
from kg.sources.readers import read_papers
import networkx as nx
graph = graph_from_papers(read_papers(sys.argv[1:]))
print(json.dumps(nx.node_link_data(graph, edges="links"), sort_keys=True, ensure_ascii=False))
"""


def test_the_graph_is_the_same_in_another_process_with_another_hash_seed() -> None:
    """Set iteration order changes with PYTHONHASHSEED; ids, names and edges must not."""
    import networkx as nx

    from kg.graph.resolution import graph_from_papers

    seed = str(int(os.environ.get("PYTHONHASHSEED", "0") or 0) + 12345)
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    other = subprocess.run(
        [sys.executable, "-c", GRAPH_OF_LISTINGS, str(LISTINGS[0])], capture_output=True, text=True, env=env,
        timeout=300, check=True,
    )  # fmt: skip
    here = nx.node_link_data(graph_from_papers(read_papers(LISTINGS[:1])), edges="links")
    assert json.loads(other.stdout) == json.loads(json.dumps(here, sort_keys=True, ensure_ascii=False))
