"""Find candidate entity mentions in a doc: gazetteer hits, abbreviation definitions, naming patterns
and name-shaped words. Typing and roles are decided later (``entity_types``, ``roles``)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from kg.extract.abbreviations import find_abbreviations, join_line_breaks
from kg.extract.gazetteer import GazetteerEntry, spelling_key
from kg.extract.resources import Resources
from kg.extract.roles import FUNCTION_WORDS
from kg.extract.shapes import (
    SIZE,
    Chunk,
    chunk_at,
    chunks_from,
    interesting_chunks,
    is_modifier_suffix,
    is_name_shaped,
    next_chunk,
    strip_plural,
)
from kg.extract.wordlists import alternation, word_set

_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X{1,3})$")
_SMALL_VERSION = re.compile(r"^\d{1,2}(\.\d{1,2})?$")
# the word lists of these rules: pipelines/wordlists/*.txt (each file's first line says what it is for)
_VERSION_FOLLOWERS = word_set("version_followers")
_CONNECTORS = word_set("connectors")
_PATTERN_BAD_STARTS = word_set("pattern_bad_starts")
_TITLE_PREFIX_MAX_WORDS = 5
LONG_FORM_SIMILARITY = 80  # rapidfuzz ratio of folded long forms: above it, a definition names the known entry
_TITLE_OPENERS = word_set("title_openers")
_DEFINITION_HEADS = word_set("definition_heads")


@dataclass(slots=True)
class Candidate:
    """One mention span (doc character offsets) with what is known about it so far."""

    start: int
    end: int
    text: str
    source: str  # gazetteer | abbreviation | title | pattern | shape
    entry: GazetteerEntry | None = None
    long_form: str | None = None
    family_hint: GazetteerEntry | None = None
    group: str = ""
    hints: set[str] = field(default_factory=set)


def _group_key(text: str) -> str:
    singular = strip_plural(text) or text
    return "name:" + spelling_key(singular)


def _stopped(text: str, resources: Resources) -> bool:
    if text in resources.stoplist or text.lower() in resources.stoplist_folded:
        return True
    singular = strip_plural(text)
    return singular is not None and singular.lower() in resources.stoplist_folded


class CandidateFinder:
    """Collects candidates for one doc; the order of the passes is the order of trust."""

    def __init__(self, doc: Doc, gazetteer_spans: list[Span], resources: Resources, title_end: int) -> None:
        self.doc = doc
        self.text = doc.user_data.get("kg_text") or doc.text
        self.resources = resources
        self.title_end = title_end
        self.taken = bytearray(len(self.text) + 1)
        self.candidates: list[Candidate] = []
        self.gazetteer_spans = gazetteer_spans

    # -- bookkeeping -------------------------------------------------------------------------------------
    def _free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def _add(self, candidate: Candidate) -> Candidate | None:
        if candidate.end <= candidate.start or not self._free(candidate.start, candidate.end):
            return None
        if candidate.start < self.title_end < candidate.end:  # a mention lies in one field, never across both
            return None
        self.taken[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
        defined = self.defined.get(candidate.text) or self.defined.get(strip_plural(candidate.text) or "")
        if defined is not None and candidate.source != "abbreviation":
            # a short form defined in this paper means what the paper defined it as, not what a list says
            candidate.group, candidate.entry, candidate.long_form = defined.group, defined.entry, defined.long_form
        if not candidate.group:
            candidate.group = "gaz:" + candidate.entry.key if candidate.entry else _group_key(candidate.text)
        self.candidates.append(candidate)
        return candidate

    def _chunk_for_span(self, span: Span) -> tuple[Chunk | None, Chunk | None]:
        return chunk_at(self.text, span.start_char), chunk_at(self.text, span.end_char - 1)

    # -- passes ------------------------------------------------------------------------------------------
    def run(self) -> list[Candidate]:
        self.rejected: set[str] = set()
        self.defined: dict[str, Candidate] = {}
        abbreviations = find_abbreviations(self.text)
        self._abbreviation_pass(abbreviations)
        self._gazetteer_pass()
        self._title_pass()
        self._pattern_pass()
        self._title_case_pass()
        self._shape_pass()
        self._repeat_pass()
        self._link_long_forms()
        self.candidates.sort(key=lambda c: c.start)
        self._mark_lists()
        return self.candidates

    def _mark_lists(self) -> None:
        """``on CTB5, MSRA and OntoNotes4.0``: a name listed with a known one is a name of the same kind, and so is
        every name of a list in brackets after a kind of thing ("robustified methods (PGD, TRADES, and FSGM)")."""
        run: list[Candidate] = []
        for index, candidate in enumerate(self.candidates):
            run.append(candidate)
            following = self.candidates[index + 1] if index + 1 < len(self.candidates) else None
            if following is not None and _LIST_GAP.match(self.text[candidate.end : following.start]):
                continue
            if len(run) > 1:
                known = [c for c in run if c.source != "shape" or c.entry is not None]
                kind = self._bracketed_after_kind(run)
                if known or kind:
                    # the kind of the list: the bracket's head word, else the type most of its known names have
                    types = Counter((c.entry or c.family_hint).type for c in known if c.entry or c.family_hint)
                    kind = kind or (types.most_common(1)[0][0] if types else None)
                    for member in run:
                        member.hints.add("listed")
                        if kind and member.entry is None and member.family_hint is None:
                            member.hints.add("kind:" + kind)
            run = []

    def _bracketed_after_kind(self, run: list[Candidate]) -> str | None:
        """``benchmarks (CULane and Tusimple)``: the type named by the word before the bracket that the list fills."""
        before = self.text[max(0, run[0].start - 40) : run[0].start]
        if not before.endswith("(") or self.text[run[-1].end : run[-1].end + 1] != ")":
            return None
        words = before[:-1].split()
        types = self.resources.right_cue_types.get(words[-1].lower(), ()) if words else ()
        return types[0] if types else None

    def _link_long_forms(self) -> None:
        """A name written out in full elsewhere ("Direct Discriminative Optimization" in the title) joins the
        group of its abbreviation definition."""
        by_long: dict[str, Candidate] = {}
        for candidate in self.candidates:
            if candidate.long_form:
                by_long.setdefault(spelling_key(candidate.long_form), candidate)
        if not by_long:
            return
        for candidate in self.candidates:
            model = by_long.get(spelling_key(candidate.text))
            if model is not None and candidate.group != model.group:
                candidate.group = model.group
                candidate.entry = candidate.entry or model.entry
                candidate.long_form = model.long_form

    def _gazetteer_pass(self) -> None:
        gazetteer = self.resources.gazetteer
        for span in self.gazetteer_spans:
            entry = gazetteer.entries[span.label_]
            start, end = span.start_char, span.end_char
            first, last = self._chunk_for_span(span)
            if first is not None and last is not None:
                chunk_start, chunk_end = first.start, last.end
                prefix = self.text[chunk_start:start]
                rest = self.text[end:chunk_end]
                if _LOWER_PREFIX.match(prefix):
                    # "non-BERT", "pre-GPT": the name itself is the mention; "f-DPO", "c-DPO" are other names
                    prefix, chunk_start = "", start
                if prefix or (rest and not is_modifier_suffix(rest)):
                    whole = self.text[chunk_start:chunk_end]
                    known = gazetteer.lookup(whole)
                    if known is not None:
                        self._add(Candidate(chunk_start, chunk_end, whole, "gazetteer", entry=known))
                        continue
                    if is_name_shaped(whole) and (prefix or _looks_like_variant(rest)):
                        self._add(Candidate(chunk_start, chunk_end, whole, "shape", family_hint=entry))
                        continue
                    # a lowercase continuation ("LoRA-finetuned"): the gazetteer name itself is the mention
            if last is not None and last.end == end:
                following = next_chunk(self.text, last.end)
                sized = following is not None and entry.type == "model" and SIZE.match(following.text)
                versioned = following is not None and _VERSION_CHUNK.match(following.text)
                if (sized or versioned) and following.start - end <= 1:
                    whole = self.text[start : following.end]
                    known = gazetteer.lookup(whole)
                    self._add(
                        Candidate(
                            start,
                            following.end,
                            whole,
                            "gazetteer" if known else "shape",
                            entry=known,
                            family_hint=None if known else entry,
                        )
                    )
                    continue
            self._add(Candidate(start, end, self.text[start:end], "gazetteer", entry=entry))

    def _abbreviation_pass(self, abbreviations: list) -> None:
        gazetteer = self.resources.gazetteer
        for abbreviation in abbreviations:
            short, written = abbreviation.short_form, abbreviation.long_form
            long_form = join_line_breaks(written)  # the name; the mention stays as written
            if _stopped(short, self.resources):
                continue
            entry = gazetteer.lookup(long_form)
            if entry is None:
                by_short = gazetteer.lookup(short) or gazetteer.lookup(strip_plural(short) or "")
                # the gazetteer's "PRM" is a process reward model; "Pairwise Ranking Metric (PRM)" is another thing
                entry = by_short if by_short is not None and _same_long_form(by_short, long_form) else None
            if entry is None:
                if not self._names_a_thing(long_form):
                    self.rejected.add(short)
                    self.rejected.add(strip_plural(short) or short)
                    continue
                group = _group_key(short)
            else:
                group = "gaz:" + entry.key
            self._add(
                Candidate(
                    abbreviation.long_start,
                    abbreviation.long_end,
                    written,
                    "abbreviation",
                    entry=entry,
                    long_form=long_form,
                    group=group,
                )
            )
            short_candidate = self._add(
                Candidate(
                    abbreviation.short_start,
                    abbreviation.short_end,
                    short,
                    "abbreviation",
                    entry=entry,
                    long_form=long_form,
                    group=group,
                )
            )
            if short_candidate is not None:
                self.defined.setdefault(short, short_candidate)

    def _names_a_thing(self, long_form: str) -> bool:
        """Does a defined long form name a method/dataset/...? Tasks and fields ("question answering") do not."""
        cues = self.resources.cues
        words = long_form.replace("-", " ").split()
        head = words[-1].lower()
        if long_form.lower() in cues.generic_long_forms_are_entities:
            return True
        if long_form.islower() and long_form.endswith(tuple(cues.long_form_not_entity_suffixes)):
            return False
        if len(words) == 1 and long_form.islower():
            return False
        if head in self.resources.type_heads or head in _DEFINITION_HEADS:
            return True
        capitalised = sum(1 for w in words if w[:1].isupper())
        coined = any(any(ch.isupper() for ch in w[1:]) for w in words)
        if capitalised >= 2 and capitalised >= len(words) - 2:
            return True
        return (capitalised > 0 or coined) and head not in cues.long_form_not_entity_heads

    def _title_pass(self) -> None:
        colon = self.text.find(":", 0, self.title_end)
        if colon <= 0:
            return
        prefix = self.text[:colon].strip()
        if any(ch in prefix for ch in '()[]{}"“”'):
            return
        words = prefix.split()
        if not words or len(words) > _TITLE_PREFIX_MAX_WORDS or not any(ch.isupper() for ch in prefix):
            return
        if len(words) > 1 and (words[0] in _TITLE_OPENERS or any(ch in prefix for ch in ",'’?!")):
            return
        if len(words) > 1 and not any(is_name_shaped(w) and not _stopped(w, self.resources) for w in words):
            # a multi-word prefix is a name only in Title Case without function words ("Direct Discriminative
            # Optimization"), ending in a head word that names a kind of thing
            heads = set().union(*self.resources.cues.type_head_words.values())
            if words[0] in _TITLE_OPENERS or not all(w[:1].isupper() for w in words):
                return
            if words[-1].lower() not in heads:
                return
        if _stopped(prefix, self.resources):
            return
        start = self.text.find(prefix)
        for existing in self.candidates:
            if existing.start == start and existing.end == start + len(prefix):
                existing.hints.add("title-prefix")
                return
        entry = self.resources.gazetteer.lookup(prefix)
        candidate = self._add(Candidate(start, start + len(prefix), prefix, "title", entry=entry))
        if candidate is not None:
            candidate.hints.add("title-prefix")

    def _verb_ends(self) -> list[int]:
        """End offsets of the naming verbs in the text, found with ``str.find`` (faster than a big regex)."""
        lower = self.text.lower()
        ends = []
        for stem, verbs in self.resources.naming_stems:
            position = lower.find(stem)
            while position >= 0:
                if position == 0 or not lower[position - 1].isalpha():
                    for verb in verbs:
                        end = position + len(verb)
                        if lower.startswith(verb, position) and not lower[end : end + 1].isalpha():
                            ends.append(end)
                position = lower.find(stem, position + len(stem))
        return sorted(ends)

    def _pattern_pass(self) -> None:
        """Title Case names after a proposing verb or naming word: "we propose Binary Classifier Optimization"."""
        for verb_end in self._verb_ends():
            self._coined_term_after(verb_end)
            if not _CAPITAL_SOON.match(self.text, verb_end):
                continue
            words: list[Chunk] = []
            window = chunks_from(self.text, verb_end, 11)
            if not window:
                continue
            # "we propose a new algorithm, Binary Classifier Optimization, that ...": skip to after the comma
            first = 0
            for offset, following in enumerate(window[:6]):
                if following.text[:1].isupper():
                    first = offset
                    break
                if self.text[following.end : following.end + 1] in ".;(":
                    break
            # "we introduce a Critique-Based Reward Model": after "a"/"an", a run that ends in a kind-of-thing word
            article = first == 1 and window[0].text.lower() in ("a", "an")
            if (
                first
                and not article
                and self.text[window[first - 1].end : window[first].start].strip() not in (",", ":")
            ):
                continue
            for following in window[first : first + 7]:
                raw = self.text[following.start : following.end]
                if self.text[following.start - 1 : following.start] == "(":
                    break
                if raw[:1].isupper() or (words and raw.lower() in _CONNECTORS and raw.islower()):
                    words.append(following)
                    if self.text[following.end : following.end + 1] in ",;:.(":
                        break
                else:
                    break
            while words and words[-1].text.lower() in _CONNECTORS:
                words.pop()
            if any(_lower_modifier(w.text) for w in words if "-" in w.text):
                continue  # "Flax-based T5X": a description, not a name ("Chunk-Level Guided Generation" is one)
            following = next_chunk(self.text, words[-1].end) if words else None
            if (
                following is not None
                and following.text.isalpha()
                and following.text.islower()
                and following.text not in _FOLLOWING_OK
                and following.text not in self.resources.type_heads  # "a Pivotal Parameters Tuning method"
                and self.text[words[-1].end : following.start] == " "
            ):
                continue  # "Flax-based T5X checkpoints": the run modifies a noun
            if len(words) < 2 or words[0].text in _PATTERN_BAD_STARTS:
                continue
            if article and words[-1].text.lower().split("-")[-1] not in self.resources.type_heads:
                continue
            start, end = words[0].start, words[-1].end
            name = self.text[start:end]
            if _stopped(name, self.resources):
                continue
            self._drop_generic_inside(start, end)
            candidate = self._add(Candidate(start, end, name, "pattern", entry=self.resources.gazetteer.lookup(name)))
            if candidate is not None:
                candidate.hints.add("named-after-verb")

    def _drop_generic_inside(self, start: int, end: int) -> None:
        """ "we introduce Adapted Dense Retrieval": the paper's name wins over a broad gazetteer name inside it
        (dense retrieval); only when every candidate overlapping the name lies inside it and is such a name."""
        inside = [c for c in self.candidates if c.start < end and c.end > start]
        if not inside or not all(
            start <= c.start and c.end <= end and c.source == "gazetteer" and c.entry is not None and c.entry.generic
            for c in inside
        ):
            return
        for candidate in inside:
            self.candidates.remove(candidate)
            self.taken[candidate.start : candidate.end] = bytes(candidate.end - candidate.start)

    def _coined_term_after(self, verb_end: int) -> None:
        """ "we propose meta-tuning, which ...": a lowercase hyphenated coinage right after a proposing verb,
        closed by punctuation or a relative pronoun, said by the paper itself ("we", "this paper"); or a lowercase
        name of two to four words defined by an appositive that says what kind of thing it is ("presents
        context-group discrimination, a disambiguation algorithm based on ...")."""
        found = _COINED.match(self.text, verb_end) or self._defined_by_appositive(verb_end)
        if found is None:
            return
        sentence_start = max(self.text.rfind(". ", 0, verb_end), self.title_end)
        before = self.text[sentence_start:verb_end].lower()
        if not _COINAGE_SPEAKER.search(before):
            return
        start, end = found.span(1)
        name = found.group(1)
        if _stopped(name, self.resources) or is_modifier_suffix(name[name.rfind("-") :]):
            return
        candidate = self._add(Candidate(start, end, name, "pattern", entry=self.resources.gazetteer.lookup(name)))
        if candidate is not None:
            candidate.hints.add("named-after-verb")

    def _defined_by_appositive(self, verb_end: int) -> re.Match[str] | None:
        found = _APPOSITIVE_DEFINED.match(self.text, verb_end)
        if found is None:
            return None
        heads = self.resources.cues.type_head_words.get("method", ())
        kind = found.group(2).lower().split()
        if not any(word in heads for word in kind[1:]):
            return None
        words = found.group(1).split()
        if words[0] in _ARTICLES or any(w in FUNCTION_WORDS for w in words) or words[-1] in heads:
            return None  # "a simple method, a ..." describes; "context-group discrimination, a ... algorithm" names
        return found

    def _title_case_pass(self) -> None:
        """Capitalised multi-word names in running text ending in a kind-of-thing word: "... with Pivotal Parameters
        Tuning", "the Critique-Based Reward Model". Not at a sentence start, not a known non-entity."""
        heads = self.resources.type_heads
        for found in _TITLE_CASE_RUN.finditer(self.text, self.title_end):
            start, end = found.span()
            words = found.group().split()
            if len(words) < 2 or words[-1].lower().split("-")[-1] not in heads:
                continue
            before = self.text[max(0, start - 2) : start]
            if start <= self.title_end + 2 or before.endswith((". ", "? ", "! ", ": ", "\n")) or before == ".":
                continue
            if words[0] in _TITLE_OPENERS or _stopped(found.group(), self.resources):
                continue
            name = found.group()
            self._add(Candidate(start, end, name, "pattern", entry=self.resources.gazetteer.lookup(name)))

    def _shape_pass(self) -> None:
        gazetteer = self.resources.gazetteer
        for original in interesting_chunks(self.text):
            chunk = _strip_modifiers(original, self.text)
            word = chunk.text
            if not word or not self._free(chunk.start, chunk.end):
                continue
            dotted_version = "." in word and any(ch.isdigit() for ch in word)  # "Qwen2.5", "UD1.4"
            if not is_name_shaped(word) or _ROMAN.match(word) or SIZE.match(word) or _VERSION_CHUNK.match(word):
                continue
            if "." in word.rstrip(".") and not dotted_version:
                continue
            if _stopped(word, self.resources) or _only_stopped_names(word, self.resources):
                continue
            if "/" in word and not gazetteer.lookup(word):
                continue
            start, end = chunk.start, chunk.end
            if word in self.rejected:
                continue
            # "RewardBench 2", "Qwen-3 8B": a version or size written after a space
            following = next_chunk(self.text, original.end)
            if (
                following is not None
                and self.text[end : following.start] == " "
                and (SIZE.match(following.text) or self._is_trailing_version(following))
            ):
                end = following.end
            name = self.text[start:end]
            entry = gazetteer.lookup(name) or gazetteer.lookup(strip_plural(name) or "")
            self._add(Candidate(start, end, name, "gazetteer" if entry else "shape", entry=entry))

    def _is_trailing_version(self, chunk: Chunk) -> bool:
        if not _SMALL_VERSION.match(chunk.text):
            return False
        after_char = self.text[chunk.end : chunk.end + 1]
        if after_char in ",.);:":  # a one-character slice: "" (the end of the text) is in every string
            return True
        following = next_chunk(self.text, chunk.end)
        return following is None or following.text.lower() in _VERSION_FOLLOWERS

    def _repeat_pass(self) -> None:
        """Every other occurrence of a surface string already recognised is a mention too."""
        forms: dict[str, Candidate] = {}
        for candidate in self.candidates:
            forms.setdefault(candidate.text, candidate)
        text = self.text
        for form, model in sorted(forms.items(), key=lambda item: -len(item[0])):
            position = text.find(form)
            while position >= 0:
                found_start, found_end = position, position + len(form)
                position = text.find(form, found_end)
                before = text[found_start - 1] if found_start else " "
                after = text[found_end : found_end + 2]
                if before.isalnum() or before in "_-" or (after[:1].isalnum() or after[:1] == "_"):
                    continue
                if after[:1] == "-" and after[1:2].isalnum():
                    continue
                self._add(
                    Candidate(
                        found_start,
                        found_end,
                        form,
                        model.source,
                        entry=model.entry,
                        long_form=model.long_form,
                        family_hint=model.family_hint,
                        group=model.group,
                    )
                )


# a capitalised word within the next few words: "we propose Binary ...", "we propose a new algorithm, Binary ..."
_CAPITAL_SOON = re.compile(r"(?:\s+[^\s.;]+){0,5}?\s+\(?[A-Z]")
# words that may follow a name without making it a modifier ("X achieves", "X, which"): the role rules' list
_FOLLOWING_OK = FUNCTION_WORDS | word_set("following_ok")
_COINED = re.compile(r"\s+([a-z]+(?:-[a-z]+)+)(?=\s*(?:,|\(|;|\.|\s(?:" + alternation("coinage_followers") + r")\b))")
# verb + two to four lowercase words (a hyphenated one counts for two) + ", a/an/the" + up to 4 words with a KIND
_APPOSITIVE_DEFINED = re.compile(
    r"\s+((?:[a-z]+(?:-[a-z]+)+|[a-z]{3,}(?:\s[a-z]+(?:-[a-z]+)*){1,3}|[a-z]+(?:-[a-z]+)+(?:\s[a-z]+(?:-[a-z]+)*){1,3}))"
    r",\s((?:an?|the)(?:\s[\w-]+){1,4})"
)
_COINAGE_SPEAKER = re.compile(r"\b(" + alternation("coinage_speakers") + r")\b")
# (?<![\w-])(?:WORD\s){1,4}WORD(?![\w-]), WORD = [A-Z][a-z]+(?:-[A-Z][a-z]+)*, starting with the capital (not the
# lookbehind) so that the regex engine skips lowercase text in C
_TITLE_CASE_RUN = re.compile(
    r"[A-Z](?<![\w-][A-Z])[a-z]+(?:-[A-Z][a-z]+)*\s(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)*\s){0,3}[A-Z][a-z]+(?:-[A-Z][a-z]+)*(?![\w-])"
)
_LOWER_PREFIX = re.compile(r"^[a-z]{2,}-$")  # a word ("non-", "multi-"); one letter makes a new name ("f-DPO")
_ARTICLES = frozenset(("a", "an", "the"))
_VERSION_CHUNK = re.compile(r"^[vV]\d+(\.\d+)*$")
_LIST_GAP = re.compile(r"^\s*(,|,?\s*and|,?\s*or|/|;)\s*$")
_LOWER_SEGMENT = re.compile(r"^[a-z]+$")
_LOWER_WORD = re.compile(r"^[a-z]{2,}$")


def _strip_modifiers(chunk: Chunk, text: str) -> Chunk:
    """``BERT-based`` -> ``BERT``, ``pre-LLM`` -> ``LLM``, ``Search-R1-style`` -> ``Search-R1``."""
    word = chunk.text
    start, end = chunk.start, chunk.end
    parts = word.split("-")
    if len(parts) < 2:
        return chunk
    while len(parts) > 1 and _LOWER_SEGMENT.match(parts[-1]) and is_name_shaped("-".join(parts[:-1])):
        end -= len(parts[-1]) + 1
        parts.pop()
    while len(parts) > 1 and _LOWER_WORD.match(parts[0]) and is_name_shaped("-".join(parts[1:])):
        start += len(parts[0]) + 1
        parts.pop(0)
    if (start, end) == (chunk.start, chunk.end):
        return chunk
    return Chunk(start, end, text[start:end])


def _lower_modifier(word: str) -> bool:
    """``Flax-based``: a lowercase modifier suffix after a hyphen (``Chunk-Level`` is part of a Title Case name)."""
    rest = word[word.rfind("-") :]
    return rest[1:2].islower() and is_modifier_suffix(rest)


def _only_stopped_names(word: str, resources: Resources) -> bool:
    """``Multi-LLM``, ``LLM-Judge``: every name-like part of the compound is a non-entity."""
    parts = [part for part in word.split("-") if is_name_shaped(part)]
    return "-" in word and bool(parts) and all(_stopped(part, resources) for part in parts)


def _same_long_form(entry: GazetteerEntry, long_form: str) -> bool:
    """Does ``long_form`` spell out the gazetteer entry (or is the entry's own long form unknown)?"""
    long_forms = [form for form in entry.surface_forms() if " " in form or "-" in form]
    if not long_forms:
        return True
    wanted = spelling_key(long_form)
    return any(fuzz.ratio(spelling_key(form), wanted) >= LONG_FORM_SIMILARITY for form in long_forms)


def _looks_like_variant(rest: str) -> bool:
    """``-Instruct``, ``-7B``, ``-500``, ``v2``: a suffix that makes a different (variant) name."""
    return bool(re.match(r"^(-?[A-Z0-9]|v\d|\.\d|\+)", rest))
