"""Lean lexemes: compute only the lexical attributes the kg components read, for every new word form."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import spacy
from spacy.attrs import IDS
from spacy.language import Language

# What the pipeline reads of a lexeme: LOWER (the case-folded PhraseMatcher), IS_PUNCT (kg_sentencizer) and
# IS_SPACE (kg_fields). English computes ~25 attributes for each word form it has not seen (shape, prefix,
# suffix, like_url, like_num, is_stop, ...), half of the cost of tokenizing a new word, which a stream of
# abstracts brings at about one per abstract, for ever.
KEPT_ATTRIBUTES = ("LOWER", "IS_PUNCT", "IS_SPACE")


@spacy.registry.callbacks("kg.lean_lexemes.v1")
def make_lean_lexemes(
    attributes: Iterable[str] = KEPT_ATTRIBUTES, tokenizer_memo: int = 0
) -> Callable[[Language], Language]:
    """An ``nlp.after_creation`` callback: keep only ``attributes`` among the vocabulary's attribute getters.
    Attributes not kept read as 0/False on word forms first seen after loading (``token.like_num`` and such).

    ``tokenizer_memo`` > 0 sets the tokenizer's memo size (spaCy's ``max_cache_size``, 10,000 by default) before
    the components are made: the gazetteer's ~60,000 surface forms then fill a memo that keeps them for the
    corpus, instead of a full one that makes every later form and word miss. A memo never changes a token."""
    kept = {IDS[name] for name in attributes}

    def keep_only(nlp: Language) -> Language:
        getters = nlp.vocab.lex_attr_getters
        nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in getters.items() if attr in kept}
        tokenizer = getattr(nlp.tokenizer, "tokenizer", nlp.tokenizer)
        if tokenizer_memo > 0 and hasattr(tokenizer, "max_cache_size"):
            tokenizer.max_cache_size = tokenizer_memo
        return nlp

    return keep_only
