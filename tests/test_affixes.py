"""kg.extract.affixes: the tokenizer's faster affix functions find exactly what spaCy's affix regexes find."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
import spacy

from kg.extract.affixes import InfixFinditer, SuffixSearch, fast_infix_finditer, fast_suffix_search
from kg.extract.pipeline import load_pipeline, paper_text
from kg.sources.readers import read_papers
from tests.conftest import LISTINGS, VENUE_JSON

# the characters spaCy's English affix rules are about (units, currencies, quotes, symbols, scripts) and others
_ALPHABET = list(
    "aeimsgtkdhKMGTBPa0123456789.'’\"()[],;:!?%$€£°FCc-–—/_+*^~&#<>=…。，\u2100\u4e00\u0915\n éßΩкмم\U0001f600"
)


@pytest.fixture(scope="module")
def corpus_words() -> list[str]:
    """The whitespace-separated words of the sample corpus: what the tokenizer splits."""
    return sorted({word for paper in read_papers([*LISTINGS, VENUE_JSON]) for word in paper_text(paper).split()})


@pytest.fixture(scope="module")
def strings(corpus_words: list[str]) -> list[str]:
    """Every word of the sample corpus with every prefix and suffix of it (what is left as affixes are cut), and
    100,000 random strings of the characters the rules are about."""
    pieces = {word[:cut] for word in corpus_words for cut in range(1, len(word) + 1)}
    pieces.update(word[cut:] for word in corpus_words for cut in range(1, len(word)))
    assert len(pieces) > 50_000
    generator = random.Random(7)
    return sorted(pieces) + ["".join(generator.choices(_ALPHABET, k=generator.randint(0, 8))) for _ in range(100_000)]


def _spans(found: re.Match[str] | Iterator[re.Match[str]] | None) -> object:
    """A search's span, or the spans of a finditer's matches."""
    if found is None or isinstance(found, re.Match):
        return found and found.span()
    return [match.span() for match in found]


@pytest.mark.parametrize("name", ["suffix_search", "infix_finditer"])
def test_affix_functions_match_spacys_regexes(name: str, strings: list[str]) -> None:
    regex = getattr(spacy.blank("en").tokenizer, name)
    fast = getattr(load_pipeline().tokenizer.tokenizer, name)
    assert fast != regex  # the fast function is in use
    assert [text for text in strings if _spans(fast(text)) != _spans(regex(text))] == []


def test_most_words_need_no_affix_regex(corpus_words: list[str]) -> None:
    english = spacy.blank("en")
    tokenizer, defaults = english.tokenizer, english.Defaults
    suffix = fast_suffix_search(defaults.suffixes, tokenizer.suffix_search)
    infix = fast_infix_finditer(defaults.infixes, tokenizer.infix_finditer)
    assert isinstance(suffix, SuffixSearch) and isinstance(infix, InfixFinditer)
    suffix_rules = [suffix.regex_for(word[-1]) for word in corpus_words]
    rules_tried = [0 if regex is None else len(regex.pattern.split("$|")) for regex in suffix_rules]
    assert max(rules_tried) <= 6 and len(suffix.rules) > 80  # "." may end 4 rules, "$" (US$, C$) 6
    assert sum(regex is None for regex in suffix_rules) > 0.2 * len(corpus_words)
    assert sum(infix.starts(word) is None for word in corpus_words) > 0.5 * len(corpus_words)


def test_tokenizer_serialises_spacys_patterns_and_other_rules_keep_their_regex() -> None:
    nlp = load_pipeline()
    english = spacy.blank("en")
    tokenizer, defaults = english.tokenizer, english.Defaults
    restored = spacy.blank("en").tokenizer.from_bytes(nlp.tokenizer.tokenizer.to_bytes())
    for name in ("suffix_search", "infix_finditer"):
        assert getattr(restored, name).__self__.pattern == getattr(tokenizer, name).__self__.pattern
    text = "Results (p<0.05), 3.5km/h and 10% of U.S.-based 'quotes'--e.g. x^2+y*3."
    assert [t.text for t in restored(text)] == [t.text for t in nlp.make_doc(text)]
    # rules other than the regex's own, and a rule that may begin with any character, keep spaCy's regex
    assert fast_suffix_search(["s"], tokenizer.suffix_search) is tokenizer.suffix_search
    assert fast_infix_finditer(["-"], tokenizer.infix_finditer) is tokenizer.infix_finditer
    anything = re.compile(r"(?<=a)\w")
    assert fast_infix_finditer([r"(?<=a)\w"], anything.finditer) == anything.finditer
    assert isinstance(fast_infix_finditer(defaults.infixes, tokenizer.infix_finditer), InfixFinditer)
