"""Sentence boundaries: spaCy's rule-based ``sentencizer``, computed from the token array, not token objects."""

from __future__ import annotations

import numpy as np
from spacy.attrs import IDS, IS_PUNCT, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

# The lexeme bit that marks sentence-final punctuation: a user flag, never one of spaCy's built-in IS_* bits
# (those stay valid even where kg.lean_lexemes.v1 stops computing them).
FINAL_MARK_FLAG = IDS["FLAG63"]


@Language.factory("kg_sentencizer")
def make_sentencizer(nlp: Language, name: str) -> ArraySentencizer:
    return ArraySentencizer(nlp.vocab)


class ArraySentencizer:
    """The same boundaries as spaCy's ``sentencizer`` with its default punctuation (tested token for token).

    A token starts a sentence when it is the first, or when a sentence-final mark (``.``, ``?``, ``!``, ...) came
    after the previous word and it is itself neither punctuation nor such a mark. spaCy's component makes a Python
    ``Token`` for every token (half as long as tokenizing); this reads a lexeme flag for the final marks and
    ``IS_PUNCT`` as one array and finds the starts with numpy: a word starts a sentence when a final mark lies
    between it and the word before it.
    """

    def __init__(self, vocab: Vocab) -> None:
        marks = frozenset(Sentencizer.default_punct_chars)
        self.final_flag = vocab.add_flag(marks.__contains__, FINAL_MARK_FLAG)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        kinds = doc.to_array([self.final_flag, IS_PUNCT]).astype(bool)
        final = kinds[:, 0]
        words = np.flatnonzero(~(final | kinds[:, 1]))
        finals_before = np.cumsum(final)[words]  # final marks up to each word (the word itself is not one)
        previous = np.concatenate(([0], finals_before[:-1]))
        values = np.full(len(doc), -1, dtype="int64")
        values[words[finals_before > previous]] = 1
        values[0] = 1
        doc.from_array([SENT_START], values.view("uint64").reshape(-1, 1))
        return doc
