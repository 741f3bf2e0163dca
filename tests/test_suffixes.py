"""kg.extract.suffixes: the faster suffix search finds exactly what spaCy's suffix regex finds."""

from __future__ import annotations

import random

import spacy

from kg.extract.pipeline import load_pipeline, paper_text
from kg.extract.suffixes import SuffixSearch, fast_suffix_search
from kg.readers import read_papers
from tests.conftest import LISTINGS, VENUE_JSON

# the characters spaCy's English suffix rules are about (units, currencies, quotes, symbols, scripts) and others
_ALPHABET = list(
    "aeimsgtkdhKMGTBPa0123456789.'’\"()[],;:!?%$€£°FCc-–—/_+*&#<>…。，\u2100\u4e00\u0915\n éßΩкмم\U0001f600"
)


def _same(found, expected) -> bool:
    return (found.span() if found else None) == (expected.span() if expected else None)


def test_suffix_search_matches_spacys_regex_on_words_and_random_strings() -> None:
    english = spacy.blank("en")
    regex = english.tokenizer.suffix_search
    fast = fast_suffix_search(english.Defaults.suffixes, regex)
    assert isinstance(fast, SuffixSearch)
    words: set[str] = set()
    for paper in read_papers([*LISTINGS, VENUE_JSON]):
        for word in paper_text(paper).split():
            words.update(word[:cut] for cut in range(1, len(word) + 1))  # and what is left as suffixes are cut
    generator = random.Random(7)
    noise = ["".join(generator.choices(_ALPHABET, k=generator.randint(0, 8))) for _ in range(100_000)]
    strings = [*sorted(words), *noise]
    assert len(words) > 50_000
    differences = [text for text in strings if not _same(fast(text), regex(text))]
    assert differences == []
    # and it is a real speed-up path: most word endings need no regex at all
    assert sum(1 for text in words if text and fast._search_for(text[-1]) is not regex) > 0.9 * len(words)


def test_suffix_search_serialises_as_spacys_pattern_and_steps_aside_for_other_rules() -> None:
    nlp = load_pipeline()
    tokenizer = nlp.tokenizer.tokenizer
    assert isinstance(tokenizer.suffix_search, SuffixSearch)
    english = spacy.blank("en")
    assert tokenizer.suffix_search.__self__.pattern == english.tokenizer.suffix_search.__self__.pattern
    restored = spacy.blank("en").tokenizer.from_bytes(tokenizer.to_bytes())
    text = "Results (p<0.05), 3.5km/h and 10% of U.S.-based 'quotes'."
    assert [t.text for t in restored(text)] == [t.text for t in nlp.make_doc(text)]
    regex = english.tokenizer.suffix_search
    assert fast_suffix_search(["s"], regex) is regex  # not the rules this regex was made of: keep the regex
