"""Extraction on known cases from the sample corpus and on small texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.extract import extract_papers
from kg.extract.abbreviations import find_abbreviations
from kg.sources.readers import read_papers
from kg.types import Paper, PaperExtraction
from tests.conftest import LISTINGS, VENUE_JSON


def _extract(title: str, abstract: str) -> PaperExtraction:
    return next(extract_papers([Paper(id="t", title=title, abstract=abstract)]))


def _by_name(extraction: PaperExtraction) -> dict[str, object]:
    return {entity.name: entity for entity in extraction.entities}


@pytest.fixture(scope="module")
def sample() -> dict[str, PaperExtraction]:
    papers = read_papers(LISTINGS)
    titles = {p.id: p.title for p in papers}
    return {titles[e.id]: e for e in extract_papers(papers)}


def test_offsets_index_the_field_and_text_matches(sample: dict[str, PaperExtraction]) -> None:
    papers = {p.title: p for p in read_papers(LISTINGS)}
    checked = 0
    for title, extraction in sample.items():
        paper = papers[title]
        for entity in extraction.entities:
            assert entity.type in ("method", "model", "dataset", "benchmark", "metric")
            assert entity.role in ("proposes", "uses", "mentions")
            assert 0 <= entity.confidence <= 1
            for mention in entity.mentions:
                field = paper.title if mention.field == "title" else paper.abstract
                assert field[mention.start : mention.end] == mention.text
                assert mention.text in mention.sentence
                checked += 1
    assert checked > 500


def test_rewardbench_2_is_proposed_and_not_rewardbench(sample: dict[str, PaperExtraction]) -> None:
    entities = _by_name(sample["RewardBench 2: Advancing Reward Model Evaluation"])
    assert entities["RewardBench 2"].role == "proposes"
    assert entities["RewardBench 2"].type == "benchmark"
    assert "RewardBench" in entities and entities["RewardBench"].name != "RewardBench 2"


def test_cue_r_proposed_and_benchmarks_used(sample: dict[str, PaperExtraction]) -> None:
    entities = _by_name(sample["CUE-R: Beyond the Final Answer in Retrieval-Augmented Generation"])
    assert entities["CUE-R"].role == "proposes"
    assert entities["HotpotQA"].type == "benchmark" and entities["HotpotQA"].role == "uses"
    assert entities["2WikiMultihopQA"].type == "benchmark"
    assert entities["RAG"].generic


def test_abbreviation_definition_links_long_and_short_form() -> None:
    extraction = _extract(
        "Binary signals",
        "Recently, Kahneman-Tversky Optimization (KTO) has shown that LLMs align. We compare with KTO on data.",
    )
    kto = _by_name(extraction)["KTO"]
    assert {m.text for m in kto.mentions} == {"Kahneman-Tversky Optimization", "KTO"}
    assert kto.type == "method"
    assert "LLMs" not in _by_name(extraction)


def test_math_benchmark_is_not_the_word_math() -> None:
    extraction = _extract("Math reasoning", "We study math word problems and evaluate on MATH and GSM8K.")
    entities = _by_name(extraction)
    assert entities["MATH"].type == "benchmark"
    assert [m.text for m in entities["MATH"].mentions] == ["MATH"]
    assert entities["GSM8K"].role == "uses"


def test_dpo_long_form_british_spelling_is_dpo() -> None:
    extraction = _extract("Alignment", "We fine-tune with direct preference optimisation and compare it to PPO.")
    entities = _by_name(extraction)
    assert "DPO" in entities and entities["DPO"].mentions[0].text == "direct preference optimisation"


def test_unknown_model_sizes_and_versions_are_kept() -> None:
    extraction = _extract(
        "IRanker: Towards Ranking Foundation Models",
        "We release IRanker-3B, trained from Qwen2.5-3B-Instruct, and compare with GPT-4o.",
    )
    entities = _by_name(extraction)
    assert entities["IRanker-3B"].type == "model"
    assert entities["GPT-4o"].type == "model" and "GPT-4" not in entities
    assert entities["IRanker"].role == "proposes"


def test_schwartz_hearst_abbreviations() -> None:
    text = "we propose Pre-training with Representative wOrds Prediction (PROP) for ad-hoc retrieval"
    [found] = find_abbreviations(text)
    assert (found.long_form, found.short_form) == ("Pre-training with Representative wOrds Prediction", "PROP")
    assert text[found.short_start : found.short_end] == "PROP"


def test_cli_extract_writes_the_documented_shape(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    out = tmp_path / "x.jsonl"
    result = CliRunner().invoke(app, ["extract", str(LISTINGS[1]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and set(rows[0]) == {"id", "entities", "results"}  # results: docs/results.md
    entity = next(row for row in rows if row["entities"])["entities"][0]
    assert set(entity) == {
        "name",
        "type",
        "generic",
        "role",
        "confidence",
        "full_name",
        "extractor",
        "gazetteer_key",
        "mentions",
    }
    defined = next(e for row in rows for e in row["entities"] if e["full_name"] and not e["gazetteer_key"])
    assert defined["extractor"] == "abbreviation"
    assert set(entity["mentions"][0]) == {"text", "field", "start", "end", "sentence"}


def test_sentence_boundaries_are_spacys_sentencizer() -> None:
    """kg_sentencizer (token-id arrays) splits exactly where spaCy's Sentencizer does, token for token."""
    from spacy.pipeline import Sentencizer

    from kg.extract.pipeline import load_pipeline, paper_text

    nlp = load_pipeline()
    ours = nlp.get_pipe("kg_sentencizer")
    texts = [paper_text(paper) for paper in read_papers(LISTINGS)]
    texts += [
        "",
        ".",
        "a",
        'Hello. World! (Yes.) "Quoted." next?! Then... e.g. this; U.S. 3.5 v2.',
        "x.)y. Z。日本語！次",
        " . \n\n A. b",
    ]
    for text in texts:
        expected = [token.is_sent_start for token in Sentencizer()(nlp.tokenizer(text))]
        assert [token.is_sent_start for token in ours(nlp.tokenizer(text))] == expected, text[:60]


def test_new_word_forms_carry_what_the_components_read() -> None:
    """kg.lean_lexemes.v1 computes only LOWER, IS_PUNCT, IS_SPACE for word
    forms seen after loading; those stay right, and the case-folded gazetteer still matches a new casing."""
    from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER

    from kg.extract.pipeline import load_pipeline

    nlp = load_pipeline()
    assert set(nlp.vocab.lex_attr_getters) == {LOWER, IS_PUNCT, IS_SPACE}
    doc = nlp.make_doc("Qzxwv-Ünseen ‽ done.\n\nNext")
    assert [(t.lower_, t.is_punct, t.is_space) for t in doc] == [
        ("qzxwv", False, False),
        ("-", True, False),
        ("ünseen", False, False),
        ("‽", True, False),
        ("done", False, False),
        (".", True, False),
        ("\n\n", False, True),
        ("next", False, False),
    ]
    found = _extract("Aligning models", "We train with DiReCt PrEfErEnCe OpTiMiZaTiOn on new data.")
    assert [e.name for e in found.entities] == ["DPO"]


def test_parallel_extraction_gives_the_lines_of_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two forked workers, after the main process's warm-up and across retired pools, write the same lines in the
    same order as one process."""
    from kg.extract import pipeline

    papers = read_papers([VENUE_JSON])[:400]
    monkeypatch.setattr(pipeline, "WARMUP_PAPERS", 64)
    monkeypatch.setattr(pipeline, "WORKER_PAPERS", 96)  # a pool retires after 6 batches of 32: three pools
    parallel = list(pipeline.extract_lines(papers, n_process=2, batch_size=32))
    assert parallel == list(pipeline.extract_lines(papers, n_process=1, batch_size=32))
    assert len(parallel) == 400


def test_a_long_form_spelled_by_initials_keeps_all_its_words() -> None:
    """The letter walk alone stops at "Policy" (the "p" inside "Optimization"): "Policy Optimization" became an
    alias of PPO, and 'kg entity "policy optimization"' answered PPO."""
    from kg.extract.abbreviations import find_abbreviations

    found = find_abbreviations(
        "two algorithms: Proximal Policy Optimization (PPO) and Trust Region Policy Optimization (TRPO); the "
        "algorithm—Stochastic Subspace Cubic Newton (SSCN); Non-Negative Matrix Factorization (NMF) and "
        "Low-Rank Adaptation (LoRA); Frugal Preference Optimization (FooPO)."
    )
    assert [(a.short_form, a.long_form) for a in found] == [
        ("PPO", "Proximal Policy Optimization"),
        ("TRPO", "Trust Region Policy Optimization"),
        ("SSCN", "Stochastic Subspace Cubic Newton"),
        ("NMF", "Non-Negative Matrix Factorization"),
        ("LoRA", "Low-Rank Adaptation"),
        ("FooPO", "Frugal Preference Optimization"),
    ]


def test_a_name_defined_in_an_added_paper_keeps_its_full_name(tmp_path) -> None:
    """Built from a paper that only names FooPO, then one that defines it added: the node has its long form, as
    after one build of both."""
    import json

    import kg

    first = {"id": "a1", "title": "Preference tuning", "abstract": "We compare DPO with FooPO on GSM8K; FooPO wins."}
    second = {
        "id": "b1",
        "title": "FooPO",
        "abstract": "We propose Frugal Preference Optimization (FooPO), a cheap "
        "variant of DPO, and evaluate FooPO on MATH.",
    }
    for name, rows in (("a", [first]), ("b", [second]), ("ab", [first, second])):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    kg.build_folder([tmp_path / "a.jsonl"], tmp_path / "inc", use_cache=False)
    kg.add([tmp_path / "b.jsonl"], tmp_path / "inc", use_cache=False)
    kg.build_folder([tmp_path / "ab.jsonl"], tmp_path / "full", use_cache=False)
    for folder in ("inc", "full"):
        found = kg.explain_entity(kg.load(tmp_path / folder), "FooPO")
        assert [(e.name, e.full_name) for e in found] == [("FooPO", "Frugal Preference Optimization")], folder
