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
def make_lean_lexemes(attributes: Iterable[str] = KEPT_ATTRIBUTES) -> Callable[[Language], Language]:
    """An ``nlp.after_creation`` callback: keep only ``attributes`` among the vocabulary's attribute getters.
    Attributes not kept read as 0/False on word forms first seen after loading (``token.like_num`` and such)."""
    kept = {IDS[name] for name in attributes}

    def keep_only(nlp: Language) -> Language:
        getters = nlp.vocab.lex_attr_getters
        nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in getters.items() if attr in kept}
        return nlp

    return keep_only
