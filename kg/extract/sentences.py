"""Sentence boundaries: spaCy's rule-based ``sentencizer``, found from its final marks, not from every token."""

from __future__ import annotations

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab


@Language.factory("kg_sentencizer")
def make_sentencizer(nlp: Language, name: str) -> FinalMarkSentencizer:
    return FinalMarkSentencizer(nlp.vocab)


class FinalMarkSentencizer:
    """The same boundaries as spaCy's ``sentencizer`` with its default punctuation (tested token for token).

    A token starts a sentence when it is the first, or when it is a word (neither punctuation nor a sentence-final
    mark such as ``.``, ``?``, ``!``) and a final mark came after the word before it. spaCy's component makes a
    Python ``Token`` for every token; this finds the ~10 final marks of an abstract with one ``PhraseMatcher`` pass
    and looks only at the tokens after each, to the next word.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.final_marks = PhraseMatcher(vocab, attr="ORTH")
        self.final_marks.add("kg_final_mark", [Doc(vocab, words=[mark]) for mark in Sentencizer.default_punct_chars])

    def __call__(self, doc: Doc) -> Doc:
        length = len(doc)
        if length == 0:
            return doc
        finals = sorted(start for _, start, _ in self.final_marks(doc))
        final_set = set(finals)
        values = np.full(length, -1, dtype="int64")
        values[0] = 1
        scanned = 0  # tokens before this one are already looked at
        for final in finals:
            following = max(final + 1, scanned)
            while following < length and (following in final_set or doc[following].is_punct):
                following += 1
            if following < length:
                values[following] = 1
            scanned = following
        doc.from_array([SENT_START], values.view("uint64").reshape(-1, 1))
        return doc
