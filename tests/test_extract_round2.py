"""Extraction round 2 (issue 19): one test per error class fixed, with our own examples (never the gold texts)."""

from __future__ import annotations

from kg.extract import extract_papers
from kg.extract.abbreviations import join_line_breaks
from kg.extract.resources import load_resources
from kg.graph.resolution import resolve
from kg.types import ExtractedEntity, Paper, PaperExtraction


def _extract(abstract: str, title: str = "A Study") -> PaperExtraction:
    return next(extract_papers([Paper(id="t", title=title, abstract=abstract)]))


def _by_name(extraction: PaperExtraction) -> dict[str, ExtractedEntity]:
    return {entity.name: entity for entity in extraction.entities}


def _mentions(extraction: PaperExtraction) -> set[str]:
    return {mention.text for entity in extraction.entities for mention in entity.mentions}


# -- gazetteer gaps: well-known methods written in lowercase, with hyphens or spaces --------------------------------


def test_classic_methods_are_found_by_their_lowercase_long_forms() -> None:
    found = _by_name(
        _extract(
            "Our parser combines generalized LR parsing with a lexical-functional grammar and a case grammar "
            "lexicon, and is compared with a transformational grammar analysis using the inside-outside algorithm."
        )
    )
    assert {"GLR parsing", "LFG", "case grammar", "transformational grammar", "inside-outside algorithm"} <= set(found)
    assert all(found[name].type == "method" for name in ("GLR parsing", "LFG", "case grammar"))


def test_a_name_matches_with_any_mix_of_hyphens_and_spaces() -> None:
    mentions = _mentions(_extract("Decoding uses best-first-search and a lexical functional-grammar."))
    assert {"best-first-search", "lexical functional-grammar"} <= mentions


# -- boundaries: a one-letter prefix makes another name, a word prefix does not -------------------------------------


def test_dpo_is_not_a_mention_inside_c_dpo() -> None:
    extraction = _extract("We propose c-DPO and compare it with non-BERT baselines and with DPO.")
    found = _by_name(extraction)
    assert "c-DPO" in found and found["c-DPO"].mentions[0].text == "c-DPO"
    assert [m.start for m in found["DPO"].mentions] == [extraction_text_find("with DPO", 5)]
    assert "BERT" in found  # "non-BERT": the name itself is the mention


def extraction_text_find(needle: str, offset: int) -> int:
    return "We propose c-DPO and compare it with non-BERT baselines and with DPO.".find(needle) + offset


# -- lowercase and Title Case coinages after "we introduce / we propose / we present" -------------------------------


def test_a_title_case_name_after_an_article_and_its_kind() -> None:
    found = _by_name(_extract("Notably, we introduce a Critique-Based Reward Model, which writes critiques first."))
    assert found["Critique-Based Reward Model"].role == "proposes"
    found = _by_name(_extract("We propose a Pivotal Parameters Tuning method that keeps the model's abilities."))
    assert found["Pivotal Parameters Tuning"].role == "proposes"


def test_the_papers_name_wins_over_a_broad_name_inside_it() -> None:
    found = _by_name(_extract("We introduce Adapted Dense Retrieval, a mechanism to transform embeddings."))
    assert found["Adapted Dense Retrieval"].role == "proposes"
    assert "dense retrieval" not in {name.lower() for name in found if name != "Adapted Dense Retrieval"}


def test_a_lowercase_coinage_defined_by_an_appositive() -> None:
    found = _by_name(
        _extract("This paper presents context-group discrimination, a disambiguation algorithm based on clustering.")
    )
    assert found["context-group discrimination"].role == "proposes"
    # a plain description is not a name
    assert not _extract("We present a simple method, a baseline that is easy to run.").entities


def test_a_lowercase_long_form_with_a_method_head_is_a_definition() -> None:
    found = _by_name(
        _extract("We train multiset-valued linear indexed grammars (MVLIGs) with staircase quantization (SQZ).")
    )
    assert found["MVLIGs"].full_name == "multiset-valued linear indexed grammars"
    assert found["SQZ"].type == "method"


# -- junk names: text-extraction debris and section words ------------------------------------------------------------


def test_words_glued_or_broken_by_text_extraction_are_not_names() -> None:
    names = set(_by_name(_extract("We align withDPO and study recOgnition of zCf tokens.")))
    assert not names & {"withDPO", "recOgnition", "zCf"}


def test_a_panel_title_is_not_a_proposed_method() -> None:
    extraction = _extract(
        "The panel discussed the state of the field in India.", title="Panel: Computational Linguistics"
    )
    assert "Panel" not in _by_name(extraction)


# -- coined names in enumerations and lists --------------------------------------------------------------------------


def test_names_listed_with_known_ones_take_their_kind() -> None:
    found = _by_name(_extract("We evaluate on three popular datasets (MNIST, CIFAR10 and QZVHN) and report accuracy."))
    assert found["QZVHN"].type in ("dataset", "benchmark")
    found = _by_name(_extract("We attack robustified methods (PGD, TRADZ, and FSGMX) with a new loss."))
    assert {"TRADZ", "FSGMX"} <= set(found)


# -- roles: PROPOSES only on evidence; prior work named for inspiration is mentioned ---------------------------------


def test_a_known_model_in_brackets_in_a_proposing_sentence_is_used() -> None:
    found = _by_name(
        _extract("We propose a text-synthesis approach that relies on a large language model (Qwen3-8B) and tags.")
    )
    assert found["Qwen3-8B"].role == "uses"


def test_the_base_of_a_modified_name_is_not_proposed() -> None:
    found = _by_name(_extract("We propose a novel HMM-based framework to transliterate unseen names."))
    assert found["HMM"].role != "proposes"


def test_naming_phrases_and_appositives_propose() -> None:
    found = _by_name(_extract("We propose a graph-based model for schema matching, referred to as the KG-ZZ4SM."))
    assert found["KG-ZZ4SM"].role == "proposes"
    found = _by_name(_extract("We have developed a Chinese-language benchmark, PatentZIA, to assess detectors."))
    assert found["PatentZIA"].role == "proposes"


def test_the_resulting_model_is_proposed_only_when_named_after_a_comma() -> None:
    found = _by_name(_extract("We fine-tune on medical text. The resulting model, Llama-3-Physician, is strong."))
    assert found["Llama-3-Physician"].role == "proposes"
    found = _by_name(_extract("We filter the preference pairs. The resulting DPO model achieves a high win rate."))
    assert found["DPO"].role != "proposes"


def test_prior_work_named_for_inspiration_or_as_an_example_is_mentioned() -> None:
    found = _by_name(
        _extract("Recently we saw progress. Inspired by simulated annealing, we propose Str2Zed, a sampler.")
    )
    assert found["simulated annealing"].role == "mentions"
    assert found["Str2Zed"].role == "proposes"
    found = _by_name(
        _extract("Here things change. Pre-trained models such as BERT have shown great success when fine-tuned.")
    )
    assert found["BERT"].role == "mentions"


# -- resolution slips: hyphenation left in aliases, Llama 3.x families -----------------------------------------------


def test_line_break_hyphens_are_joined_in_names_and_aliases() -> None:
    assert join_line_breaks("Bidi- rectional Encoder") == "Bidirectional Encoder"
    assert join_line_breaks("pre- and post-training") == "pre- and post-training"
    papers = [Paper("a", "A", "We propose Frugal Opti- mization Policy (FZP) and use it.")]
    extractions = list(extract_papers(papers))
    entity = _by_name(extractions[0])["FZP"]
    assert entity.full_name == "Frugal Optimization Policy"
    assert entity.mentions[0].text == "Frugal Opti- mization Policy"  # the mention stays as written
    resolution = resolve(papers, extractions, load_resources().gazetteer, None)
    aliases = next(e.aliases for e in resolution.entities.values() if e.name == "FZP")
    assert "Frugal Optimization Policy" in aliases and "Frugal Opti- mization Policy" not in aliases


def test_llama_3_models_link_to_the_nearest_family_in_the_corpus() -> None:
    papers = [Paper("a", "A", "We fine-tune Llama-3.1-8B-Instruct and Llama 3.2 and compare with LLaMA.")]
    resolution = resolve(papers, list(extract_papers(papers)), load_resources().gazetteer, None)
    families = {e.name: e.family for e in resolution.entities.values()}
    assert families["Llama 3.2"] == "LLaMA"
    assert families["Llama-3.1-8B-Instruct"] == "LLaMA"
    papers.append(Paper("b", "B", "We study Llama 3.1 on math."))
    resolution = resolve(papers, list(extract_papers(papers)), load_resources().gazetteer, None)
    families = {e.name: e.family for e in resolution.entities.values()}
    assert families["Llama-3.1-8B-Instruct"] == "Llama 3.1"
