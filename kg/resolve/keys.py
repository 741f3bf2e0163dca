"""Resolution keys: which extracted names are one entity.

Keys, in order of trust:
1. a user override (``same`` / ``different`` in an overrides file);
2. the gazetteer entry (exact, folded, or a fuzzy match with evidence: see ``kg/resolve/fuzzy.py``);
3. an abbreviation defined anywhere in the corpus: "Group Relative Policy Optimization (GRPO)" in one abstract
   resolves the bare "GRPO" in every other; a short form with several long forms ("PRM") is resolved per paper
   by the words of its abstract, and stays ambiguous rather than merged blindly;
4. the compact folded name: case, hyphens, spaces, accents, British spelling, acronym plurals.
Versions and sizes are part of every key, so ``GPT-4`` and ``GPT-4o`` never fold together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kg.extract.gazetteer import Gazetteer, spelling_key
from kg.extract.shapes import strip_plural
from kg.extract.wordlists import word_set
from kg.types import ExtractedEntity, Paper

if TYPE_CHECKING:  # imported when a Keyer is made: lookup_key (every kg query) needs neither
    from kg.resolve.overrides import Overrides

_STOP = word_set("long_form_stopwords")


def fold_key(name: str) -> str:
    """Spellings of one name meet here: ``Big-Bench``, ``BIG bench`` -> ``big bench``; ``PRMs`` -> ``prm``."""
    singular = strip_plural(name) or name
    return spelling_key(singular)


def compact_key(name: str) -> str:
    """``fold_key`` without separators: ``BigBench`` and ``Big-Bench`` meet, ``GPT-4`` and ``GPT-4o`` do not."""
    return fold_key(name).replace(" ", "")


def lookup_key(name: str) -> str:
    """The folded key of a typed name (the name lookup's, ``kg.graph.names``): ``compact_key`` of it, stripped."""
    return compact_key(str(name).strip())


def _content_words(text: str) -> set[str]:
    return {w for w in spelling_key(text).split() if w not in _STOP and len(w) > 2}


def definition_of(entity: ExtractedEntity) -> tuple[str, str] | None:
    """The corpus-wide abbreviation definition an extracted entity brings: (compact short form, long form)."""
    if entity.full_name and not entity.gazetteer_key:
        return compact_key(entity.name), spelling_key(entity.full_name)
    return None


def bare_short(entity: ExtractedEntity, overrides: Overrides) -> str | None:
    """The compact short form when the entity's key depends on the corpus-wide definitions of that short form
    (no override, no gazetteer entry, no long form of its own), else None."""
    if entity.gazetteer_key or entity.full_name:
        return None
    if overrides.different and overrides.forced_key(entity.name, [m.text for m in entity.mentions]) is not None:
        return None
    return compact_key(entity.name)


class Keyer:
    """Decides the key of each extracted entity, given the corpus-wide abbreviation definitions.

    ``definitions`` maps a compact short form to its long forms; ``paper_words(paper_id)`` gives the content
    words of a paper (only asked when a short form has several long forms).
    """

    def __init__(
        self,
        definitions: Mapping[str, set[str]],
        paper_words: Callable[[str], set[str]],
        gazetteer: Gazetteer | None,
        overrides: Overrides,
        fuzzy_threshold: float | None,
    ) -> None:
        self.definitions = definitions
        self.paper_words = paper_words
        self.overrides = overrides
        from kg.resolve.fuzzy import FuzzyMatcher

        self.fuzzy = FuzzyMatcher(gazetteer, fuzzy_threshold) if gazetteer is not None and fuzzy_threshold else None

    def key(self, paper_id: str, entity: ExtractedEntity) -> str:
        forced = self.overrides.forced_key(entity.name, [m.text for m in entity.mentions])
        if forced is not None:
            return forced
        if entity.gazetteer_key:
            return "gaz:" + entity.gazetteer_key
        short = compact_key(entity.name)
        if entity.full_name:
            return f"abbr:{short}|{spelling_key(entity.full_name)}"
        long_forms = self.definitions.get(short)
        if long_forms:
            chosen = choose_long_form(long_forms, lambda: self.paper_words(paper_id))
            if chosen is not None:
                return f"abbr:{short}|{chosen}"
        if self.fuzzy is not None:
            entry = self.fuzzy.match(entity.name, entity.type)
            if entry is not None:
                return "gaz:" + entry.key
        return "name:" + short


def choose_long_form(long_forms: set[str], words_of_paper: Callable[[], set[str]]) -> str | None:
    """One definition: use it. Several ("PRM"): the one whose words the paper's text shares most, if unique."""
    if len(long_forms) == 1:
        return next(iter(long_forms))
    words = words_of_paper()
    scored = sorted(((len(_content_words(form) & words), form) for form in long_forms), reverse=True)
    if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def paper_words(paper: Paper | None) -> set[str]:
    """The content words of a paper's title and abstract (what chooses between long forms)."""
    return _content_words(f"{paper.title} {paper.abstract}") if paper else set()
