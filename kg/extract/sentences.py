"""Sentence boundaries: spaCy's rule-based ``sentencizer``, computed from the token array, not token objects."""

from __future__ import annotations

import numpy as np
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.vocab import Vocab

_WORD, _FINAL, _PUNCT = 0, 1, 2


@Language.factory("kg_sentencizer")
def make_sentencizer(nlp: Language, name: str) -> ArraySentencizer:
    return ArraySentencizer(nlp.vocab)


class ArraySentencizer:
    """The same boundaries as spaCy's ``sentencizer`` with its default punctuation (tested token for token).

    A token starts a sentence when it is the first, or when a sentence-final mark (``.``, ``?``, ``!``, ...) came
    after the previous word and it is itself neither punctuation nor such a mark. spaCy's component makes a Python
    ``Token`` for every token (half as long as tokenizing); this reads the token ids as one array and remembers the
    kind of each distinct token text.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.kinds: dict[int, int] = {hash_string(mark): _FINAL for mark in Sentencizer.default_punct_chars}

    def _kind(self, orth: int) -> int:
        kind = self.kinds[orth] = _PUNCT if self.vocab[orth].is_punct else _WORD
        return kind

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        kinds, unknown = self.kinds, self._kind
        starts = [0]
        seen_final = False
        for index, orth in enumerate(doc.to_array(ORTH).tolist()):
            kind = kinds.get(orth)
            if kind is None:
                kind = unknown(orth)
            if kind == _FINAL:
                seen_final = True
            elif seen_final and kind == _WORD:
                starts.append(index)
                seen_final = False
        values = np.full((len(doc), 1), -1, dtype="int64")
        values[starts] = 1
        doc.from_array([SENT_START], values.view("uint64"))
        return doc
