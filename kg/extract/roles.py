"""Decide what a paper does with an entity: proposes, uses (applies, compares, evaluates on) or mentions."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from kg.extract.resources import Resources
from kg.extract.wordlists import word_list, word_set

# the word lists of these rules: pipelines/wordlists/*.txt (each file's first line says what it is for)
_PREPOSITIONS = word_set("prepositions")
_OUR_FILLERS = word_set("our_fillers")
_OWN_ADJECTIVES = word_set("own_adjectives")
_PARTICIPLE_OK = word_set("participle_ok")
_PASSIVE_AUXILIARIES = word_set("passive_auxiliaries")
NAMING_WORDS = word_set("naming_words")
FUNCTION_WORDS = word_set("function_words")

FIRST_PERSON = word_set("first_person")
SELF_REFERENCE = word_list("self_reference")


@dataclass(slots=True)
class SentenceView:
    """A sentence as lowercased words, with its position among the abstract's sentences."""

    words: list[str]
    index: int
    text_lower: str
    starts: list[int]
    sentence: str
    word_set: set[str]
    use_cue: bool | None = None
    background: bool | None = None
    proposal_at: int | None = None


def first_person_proposal(sentence: SentenceView, upto: int, resources: Resources) -> bool:
    """Does the sentence say, before word ``upto``, that the paper proposes something ("we propose", "is
    introduced", "this paper presents")?"""
    if sentence.proposal_at is None:  # the first such verb, found once per sentence
        words = sentence.words
        self_reference = any(r in sentence.text_lower for r in SELF_REFERENCE)
        first_person = False
        sentence.proposal_at = len(words)
        for verb_index, word in enumerate(words):
            if word in resources.cues.propose_verbs:
                passive = verb_index > 0 and words[verb_index - 1] in _PASSIVE_AUXILIARIES
                if first_person or passive or self_reference:
                    sentence.proposal_at = verb_index
                    break
            first_person = first_person or word in FIRST_PERSON
    return sentence.proposal_at < min(upto, len(sentence.words))


def _any_between(sorted_positions: list[int], low: int, high: int) -> bool:
    """Whether a position lies strictly between ``low`` and ``high`` (a bisection: sentences of thousands of
    names must not cost their square)."""
    index = bisect_right(sorted_positions, low)
    return index < len(sorted_positions) and sorted_positions[index] < high


def proposes_in_sentence(
    sentence: SentenceView,
    position: int,
    after_index: int,
    other_positions: list[int],  # sorted
    resources: Resources,
    defined_here: bool = False,
    known: bool = False,
    known_family: bool = False,
) -> bool:
    """True when the words around ``position`` say the paper introduces the entity there.

    ``defined_here``: the mention is a new abbreviation definition, unknown to the gazetteer; ``known``: the name
    is a gazetteer entry or a variant of one, so "a language model (BLOOM-176B)" or "the resulting DPO model" in a
    "we propose" sentence is a use, not the paper's own thing; ``known_family``: a size or variant of a known family
    (BLOOM 175B), a use when written in brackets after a kind of thing.
    """
    words = sentence.words
    cues = resources.cues
    named_at = position - 1
    if named_at > 0 and words[named_at] in ("the", "a", "an"):
        named_at -= 1  # "called the X"
    if named_at >= 0 and words[named_at] in NAMING_WORDS:
        return True
    # "we propose a ... model for Schema Matching, referred to as the KG-RAG4SM"
    if named_at >= 2 and words[named_at - 2 : named_at + 1] == ["referred", "to", "as"]:
        return first_person_proposal(sentence, named_at - 2, resources)
    # "a mixed post-training dataset (Mixed-45K)" or a new "Long Form (LF)" in a "we propose" sentence
    in_brackets = position > 1 and words[position - 1] == "(" and words[position - 2] in resources.type_heads
    new_in_brackets = in_brackets and not (known or known_family)
    if (new_in_brackets or defined_here) and first_person_proposal(sentence, position, resources):
        return True
    # "we have developed a Chinese-language benchmark, PatentMIA, to ...": a new kind of thing, then its name
    kind_before = position > 2 and words[position - 1] == "," and words[position - 2] in resources.type_heads
    if kind_before and first_person_proposal(sentence, position - 2, resources):
        verb_at = sentence.proposal_at or 0
        between = words[verb_at + 1 : position - 1]
        if (
            len(between) <= 8
            and between[:1] in (["a"], ["an"])
            and not (_PREPOSITIONS & set(between) or "," in between)
            and not _any_between(other_positions, verb_at, position)
        ):
            return True
    # "our X" / "Our framework, X (...)" / "The resulting model, X": the paper's own thing
    for our_index in range(position - 1, max(-1, position - 5), -1):
        determiner = words[our_index] == "our" or (
            words[our_index] in _OWN_ADJECTIVES
            and our_index > 0
            and words[our_index - 1] == "the"
            and (not known or "," in words[our_index + 1 : position])  # "the resulting model, X", not "DPO model"
        )
        if determiner:
            between = set(words[our_index + 1 : position])
            alone = not _any_between(other_positions, our_index, position)
            if between <= resources.type_heads | _OUR_FILLERS and alone:
                return True
            break
    # the mention used as a modifier ("a GPT self-supervision method") is not what is proposed
    after = words[after_index] if after_index < len(words) else None
    if after is not None and after.isalpha() and after.islower() and after not in FUNCTION_WORDS:
        return False
    start = max(0, position - 10)
    for verb_index in range(position - 1, start - 1, -1):
        word = words[verb_index]
        if word in (".", ";"):
            return False
        if word not in cues.propose_verbs:
            continue
        if word.endswith("ed") and (verb_index == 0 or words[verb_index - 1] not in _PARTICIPLE_OK):
            return False
        if _any_between(other_positions, verb_index, position):
            return False
        if _PREPOSITIONS & set(words[verb_index + 1 : position]):
            return False
        between = " ".join(words[verb_index:position])
        if any(phrase in between for phrase in cues.not_propose_after_verb):
            return False
        if "which" in words[verb_index:position] or ("that" in words[verb_index:position] and "call" not in word):
            return False
        before = words[:verb_index]
        passive = verb_index > 0 and words[verb_index - 1] in _PASSIVE_AUXILIARIES
        return bool(FIRST_PERSON & set(before) or any(r in sentence.text_lower for r in SELF_REFERENCE) or passive)
    return False


def novel_appositive(after: list[str], resources: Resources) -> bool:
    """``X, a novel framework ...`` / ``X, our new benchmark``."""
    return bool(after) and after[0] == "," and any(w in resources.cues.novelty_words for w in after[1:4])


def is_background(sentence: SentenceView, resources: Resources) -> bool:
    """A sentence that sets the scene rather than reporting the paper's own work (decided once per sentence)."""
    if sentence.background is None:
        if FIRST_PERSON & sentence.word_set or any(ref in sentence.text_lower for ref in SELF_REFERENCE):
            sentence.background = False
        elif sentence.index == 0:
            sentence.background = True
        else:
            sentence.background = any(cue in sentence.text_lower for cue in resources.cues.background_cues)
    return sentence.background


def has_use_cue(sentence: SentenceView, resources: Resources) -> bool:
    if sentence.use_cue is None:
        words = sentence.word_set
        sentence.use_cue = not words.isdisjoint(FIRST_PERSON) or not words.isdisjoint(resources.cues.use_cues)
    return sentence.use_cue


def _by_last_word(phrases: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Cue phrases as word tuples, under their last word (one dict lookup per word position, not one per cue)."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        index.setdefault(words[-1], []).append(words)
    return {last: tuple(cues) for last, cues in index.items()}


_MENTION_CUES = _by_last_word(word_list("mention_cues"))
_EXAMPLE_CUES = _by_last_word(word_list("example_cues"))
# words that may stand between the cue and the name ("inspired by the", "parallels with the philosophy of")
_CUE_GAP = 2


def background_mention(sentence: SentenceView, position: int, resources: Resources) -> bool:
    """Is this mention prior work named for contrast or inspiration ("inspired by X", "unlike X"), or an example in a
    sentence that does not speak of the paper itself ("models such as BERT have shown ...")? Then it is no use."""
    words = sentence.words
    for gap in range(_CUE_GAP + 1):
        end = position - gap
        if end <= 0:
            break
        cues = _MENTION_CUES.get(words[end - 1])
        if cues and any(tuple(words[max(0, end - len(cue)) : end]) == cue for cue in cues):
            return True
        cues = _EXAMPLE_CUES.get(words[end - 1]) if gap == 0 else None
        if cues and any(tuple(words[max(0, end - len(cue)) : end]) == cue for cue in cues):
            own = FIRST_PERSON & sentence.word_set or any(r in sentence.text_lower for r in SELF_REFERENCE)
            # "surpassing ... models such as X" compares; "a system based on models such as X is proposed" uses
            return not (
                own
                or sentence.word_set & resources.cues.eval_cues
                or first_person_proposal(sentence, len(words), resources)
            )
    return False


def decide_role(proposed: bool, use_votes: int, background_votes: int) -> str:
    """Combine the per-mention signals of one entity."""
    if proposed:
        return "proposes"
    if use_votes == 0 and background_votes > 0:
        return "mentions"
    return "uses"
