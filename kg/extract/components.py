"""spaCy components of the kg extraction pipeline, registered by name (see ``pipelines/extract.cfg``)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extract.abbreviations import join_line_breaks
from kg.extract.affixes import fast_infix_finditer, fast_suffix_search
from kg.extract.candidates import Candidate, CandidateFinder
from kg.extract.entity_types import add_context_votes, appositive_type, decide_type
from kg.extract.gazetteer import _SPELLING, Gazetteer
from kg.extract.resources import Resources, load_resources
from kg.extract.roles import (
    SentenceView,
    background_mention,
    decide_role,
    has_use_cue,
    is_background,
    novel_appositive,
    proposes_in_sentence,
)
from kg.extract.shapes import is_modifier_suffix
from kg.extract.wordlists import word_set
from kg.types import ExtractedEntity, Mention

FIELD_SEPARATOR = "\n\n"
TEXT_KEY = "kg_text"

if not Doc.has_extension("kg_title_end"):
    Doc.set_extension("kg_title_end", default=None)
if not Doc.has_extension("kg_entities"):
    Doc.set_extension("kg_entities", default=None)

_AMERICAN_TO_BRITISH = {american: british for british, american in _SPELLING.items()}


def doc_text(doc: Doc) -> str:
    """The doc's text, kept by the tokenizer: ``Doc.text`` re-joins every token, which costs as much as tokenizing."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


_PUNCTUATION_RUN = re.compile(r"[^\w\s]{32}")


@spacy.registry.tokenizers("kg.text_keeping_tokenizer.v1")
def make_text_keeping_tokenizer() -> Callable[[Language], Callable[[str], Doc]]:
    """spaCy's default English tokenizer that also keeps the input string on the Doc (``user_data``).

    A span holding 32 punctuation marks in a row (``=====...``) is kept as one token: spaCy strips prefixes and
    suffixes one at a time, in time quadratic in the run (4,000 ``=`` took 13 s, 100,000 would take hours)."""
    default = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()

    def create(nlp: Language) -> TextKeepingTokenizer:
        tokenizer = default(nlp)
        # the matches of spaCy's affix regexes, with a fraction of the regex work (kg/extract/affixes.py)
        defaults = nlp.Defaults
        tokenizer.suffix_search = fast_suffix_search(defaults.suffixes or (), tokenizer.suffix_search)
        tokenizer.infix_finditer = fast_infix_finditer(defaults.infixes or (), tokenizer.infix_finditer)
        previous = tokenizer.token_match
        # a bound regex method when there is no other token_match (English): a Python lambda here cost 25% of
        # tokenizing, since spaCy calls it for every chunk it has not memoised
        tokenizer.token_match = (
            _PUNCTUATION_RUN.search
            if previous is None
            else lambda text: _PUNCTUATION_RUN.search(text) or previous(text)
        )
        return TextKeepingTokenizer(tokenizer)

    return create


class TextKeepingTokenizer:
    """Wraps a spaCy Tokenizer; behaves the same, and stores the text it was given."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.tokenizer, name)

    def to_bytes(self, **kwargs: object) -> bytes:
        return self.tokenizer.to_bytes(**kwargs)

    def from_bytes(self, data: bytes, **kwargs: object) -> TextKeepingTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)
        return self

    def to_disk(self, path: Path, **kwargs: object) -> None:
        self.tokenizer.to_disk(path, **kwargs)

    def from_disk(self, path: Path, **kwargs: object) -> TextKeepingTokenizer:
        self.tokenizer.from_disk(path, **kwargs)
        return self


@Language.factory("kg_fields")
def make_fields(nlp: Language, name: str) -> FieldBoundary:
    return FieldBoundary()


class FieldBoundary:
    """Marks where the title ends (first blank line) and starts a new sentence there."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        title_end = text.find(FIELD_SEPARATOR)
        doc._.kg_title_end = title_end if title_end >= 0 else len(text)
        if title_end >= 0:
            for token in doc:
                if token.idx > title_end and not token.is_space:
                    token.is_sent_start = True
                    break
        return doc


def _variants(form: str) -> set[str]:
    """Spelling, hyphen and plural variants of a multi-word surface form."""
    variants = {form}
    words = form.split(" ")
    for table in (_SPELLING, _AMERICAN_TO_BRITISH):
        swapped = [table.get(w.lower(), w) for w in words]
        if [w.lower() for w in swapped] != [w.lower() for w in words]:
            variants.add(" ".join(swapped))
    for variant in list(variants):
        if "-" in variant:
            variants.add(variant.replace("-", " "))
        if " " in variant and len(words) <= 3:
            variants.add(variant.replace(" ", "-"))
        variants.update(_separator_variants(variant))
    for variant in list(variants):
        if variant[-1:].isalpha() and not variant.endswith("s"):
            variants.add(variant + "s")
    return variants


_SEPARATOR = re.compile(r"[ -]")
_MAX_SEPARATOR_VARIANTS = 2  # words joined by a space or a hyphen: 2**2 spellings of a name of up to three words


def _separator_variants(form: str) -> list[str]:
    """``lexical functional grammar`` is also written ``lexical-functional grammar``: every mix of spaces and
    hyphens between the words of a name of up to three words (a hyphen inside a word, ``pre-training``, counts)."""
    parts = _SEPARATOR.split(form)
    gaps = len(parts) - 1
    if gaps < 1 or gaps > _MAX_SEPARATOR_VARIANTS or not all(parts):
        return []
    variants = []
    for mask in range(1 << gaps):
        joined = parts[0]
        for index, part in enumerate(parts[1:]):
            joined += ("-" if mask >> index & 1 else " ") + part
        variants.append(joined)
    return variants


@Language.factory("kg_gazetteer", default_config={"gazetteer_paths": []})
def make_gazetteer(nlp: Language, name: str, gazetteer_paths: list[str]) -> GazetteerMatcher:
    return GazetteerMatcher(nlp, load_resources([Path(p) for p in gazetteer_paths]).gazetteer)


class GazetteerMatcher:
    """PhraseMatcher over every surface form: exact casing for single words, case-folded for longer names."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        exact_forms: dict[str, list[str]] = defaultdict(list)
        folded_forms: dict[str, list[str]] = defaultdict(list)
        for key, entry in gazetteer.entries.items():
            for form in entry.surface_forms():
                multiword = " " in form or "-" in form
                exact_forms[key].append(form)
                if form[:1].islower():
                    exact_forms[key].append(form[:1].upper() + form[1:])
                letters = [c for c in form if c.isalpha()]
                if letters and all(c.isupper() for c in letters) and len(letters) >= 2 and " " not in form:
                    exact_forms[key].append(form + "s")
                if entry.case_sensitive:
                    continue  # "The Stack", "MATH": only the exact casing (and a capitalised first letter)
                if multiword and " " in form:
                    folded_forms[key].extend(_variants(form))
                elif not entry.case_sensitive and (any(c.isdigit() for c in form) or "-" in form):
                    folded_forms[key].extend(_variants(form) if "-" in form else [form])
        for matcher, forms in ((self.exact, exact_forms), (self.folded, folded_forms)):
            for key, strings in forms.items():
                unique = list(dict.fromkeys(strings))
                matcher.add(key, list(nlp.tokenizer.pipe(unique)))

    def __call__(self, doc: Doc) -> Doc:
        spans = [
            Span(doc, start, end, label=match_id)
            for matcher in (self.exact, self.folded)
            for match_id, start, end in matcher(doc)
        ]
        doc.spans["kg_gazetteer"] = filter_spans(spans)
        return doc


@Language.factory("kg_entities", default_config={"gazetteer_paths": []})
def make_entities(nlp: Language, name: str, gazetteer_paths: list[str]) -> EntityRecognizer:
    return EntityRecognizer(load_resources([Path(p) for p in gazetteer_paths]))


class EntityRecognizer:
    """Finds candidates, groups them into the paper's entities, and types them and gives their roles."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def __call__(self, doc: Doc) -> Doc:
        title_end = doc._.kg_title_end if doc._.kg_title_end is not None else len(doc_text(doc))
        finder = CandidateFinder(doc, list(doc.spans.get("kg_gazetteer", [])), self.resources, title_end)
        candidates = finder.run()
        doc._.kg_entities = self._entities(doc, candidates, title_end)
        return doc

    def _entities(self, doc: Doc, candidates: list[Candidate], title_end: int) -> list[ExtractedEntity]:
        groups: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            groups[candidate.group].append(candidate)
        context = _DocContext(doc, title_end)
        candidate_starts = sorted(candidate.start for candidate in candidates)
        entities = [
            entity
            for group in groups.values()
            if (entity := self._one_entity(group, context, candidate_starts, title_end)) is not None
        ]
        _propagate_proposals(entities)
        entities.sort(key=lambda e: (e.mentions[0].field != "title", e.mentions[0].start))
        return entities

    def _one_entity(
        self, group: list[Candidate], context: _DocContext, candidate_starts: list[int], title_end: int
    ) -> ExtractedEntity | None:
        resources = self.resources
        entry = next((c.entry for c in group if c.entry is not None), None)
        long_form = next((c.long_form for c in group if c.long_form), None)
        family = next((c.family_hint for c in group if c.family_hint is not None), None)
        votes: Counter[str] = Counter()
        appositive: str | None = None
        proposed = False
        use_votes = background_votes = 0
        evaluated = trained = False
        mentions: list[Mention] = []
        sentence_starts, views, text = context.starts, context.views, context.text
        for candidate in group:
            sentence_index = bisect_right(sentence_starts, candidate.start) - 1
            view = views.get(sentence_index) or context.view(sentence_index)
            position = bisect_left(view.starts, candidate.start)
            after = bisect_left(view.starts, candidate.end)
            if text[candidate.end : candidate.end + 1] in ("-", "–", "—"):
                after = len(view.words)  # "RECAP-a replay strategy": a dash opens an appositive, not a compound
            left = view.words[max(0, position - 6) : position]
            right = view.words[after : after + 8]
            add_context_votes(votes, left, right, resources)
            for hint in candidate.hints:
                if hint.startswith("kind:"):
                    votes[hint[5:]] += 2  # listed with names of that kind ("MNIST, CIFAR10 and SVHN")
            appositive = appositive or appositive_type(right, resources)
            in_title = candidate.start < title_end
            if "title-prefix" in candidate.hints or "named-after-verb" in candidate.hints:
                proposed = True
            elif not in_title:
                others = context.candidate_positions(sentence_index, candidate_starts)
                defined_here = candidate.source == "abbreviation" and entry is None
                known, known_family = entry is not None, family is not None
                modifier = _MODIFIER_AFTER.match(text, candidate.end)  # "a novel HMM-based framework"
                if not (modifier and is_modifier_suffix(modifier.group())) and (
                    proposes_in_sentence(view, position, after, others, resources, defined_here, known, known_family)
                    or novel_appositive(right, resources)
                ):
                    # a broad paradigm (RL, SFT) is applied, not introduced, unless the title names it
                    proposed = proposed or not (entry is not None and entry.generic)
                if background_mention(view, position, resources):
                    background_votes += 1
                elif has_use_cue(view, resources):
                    use_votes += 1
                elif is_background(view, resources):
                    background_votes += 1
                evaluated = evaluated or bool(view.word_set & resources.cues.eval_cues)
                trained = trained or bool(set(left) & resources.cues.train_cues)
            else:
                use_votes += 1
            field, offset = ("title", 0) if in_title else ("abstract", title_end + len(FIELD_SEPARATOR))
            mentions.append(
                Mention(candidate.text, field, candidate.start - offset, candidate.end - offset, view.sentence)
            )
        if entry is not None and entry.name in _CONTEXTUAL_METRICS and not any(_metric_context(text, c) for c in group):
            return None  # "high precision", "we recall that": the word, not the metric
        name = _canonical_name(group, entry)
        if entry is None and not long_form and not proposed and not _has_support(group, name, votes, appositive):
            return None
        etype, type_confidence = decide_type(
            entry.type if entry else None,
            family.type if family else None,
            votes,
            appositive,
            long_form,
            name,
            evaluated,
            trained,
            resources,
        )
        source = min((c.source for c in group), key=_SOURCE_TRUST.index)
        base = _SOURCE_CONFIDENCE[source]
        if len(group) > 1 and source == "shape":
            base += 0.1
        confidence = round(min(0.99, base * (0.5 + type_confidence / 2) + 0.05 * min(len(group) - 1, 2)), 3)
        return ExtractedEntity(
            name=name,
            type=etype,  # type: ignore[arg-type]
            generic=bool(entry.generic) if entry else False,
            role=decide_role(proposed, use_votes, background_votes),  # type: ignore[arg-type]
            confidence=confidence,
            mentions=sorted(mentions, key=lambda m: (m.field != "title", m.start)),
            full_name=(entry.full_name if entry else None) or long_form,
            extractor=source,
            gazetteer_key=entry.key if entry else None,
        )


_MODIFIER_AFTER = re.compile(r"-[a-z]+")
_CONTEXTUAL_METRICS = word_set("contextual_metrics")
_METRIC_WORDS = word_set("contextual_metric_words")
_NUMBER_SOON = re.compile(r"[^.;]{0,20}?\d")
_NUMBER_BEFORE = re.compile(r"\d(?:\.\d+)?\s?%?\s$")  # "93% precision"
_METRIC_WINDOW = 40


def _metric_context(text: str, candidate: Candidate) -> bool:
    """A number right after or before the mention ("recall of 0.91", "93% precision") or another metric word near it
    ("precision and recall")."""
    if _NUMBER_SOON.match(text, candidate.end) or _NUMBER_BEFORE.search(
        text, max(0, candidate.start - 12), candidate.start
    ):
        return True
    around = (
        text[max(0, candidate.start - _METRIC_WINDOW) : candidate.start]
        + " "
        + text[candidate.end : candidate.end + _METRIC_WINDOW]
    )
    return any(word in _METRIC_WORDS for word in _CONTEXT_WORD.findall(around.lower()))


_INNER_CAMEL = re.compile(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]")


def _has_support(group: list[Candidate], name: str, votes: Counter[str], appositive: str | None) -> bool:
    """Keep a name found by its shape alone only with some evidence: a type cue beside it, a family it belongs
    to, a CamelCase or letters-with-digits shape (``HotpotQA``, ``GPT-5.2``); a bare all-caps word is dropped."""
    if any(c.source != "shape" or c.family_hint is not None or "listed" in c.hints for c in group):
        return True
    if appositive or (votes and votes.most_common(1)[0][1] >= 2):
        return True
    core = name.replace("-", "")
    return (bool(_INNER_CAMEL.search(core)) and not core.isupper()) or any(ch.isdigit() for ch in core)


def _propagate_proposals(entities: list[ExtractedEntity]) -> None:
    """A sized or suffixed version of a proposed name is proposed too: IRanker -> IRanker-3B."""
    proposed = [e.name for e in entities if e.role == "proposes" and not e.generic and len(e.name) >= 3]
    for entity in entities:
        if entity.role != "proposes" and any(entity.name.startswith((name + "-", name + " ")) for name in proposed):
            entity.role = "proposes"


_SOURCE_TRUST = ("gazetteer", "abbreviation", "title", "pattern", "shape")
_SOURCE_CONFIDENCE = {"gazetteer": 0.9, "abbreviation": 0.85, "title": 0.8, "pattern": 0.75, "shape": 0.55}
_CONTEXT_WORD = re.compile(r"\w+(?:[-'’.@]\w+)*|[^\w\s]")


class _DocContext:
    """Sentence boundaries (from the sentencizer, read as arrays) and lazily built lowercase word views."""

    def __init__(self, doc: Doc, title_end: int) -> None:
        self.text = doc_text(doc)
        self.title_end = title_end
        # Span objects for the ~10 sentences cost less than reading two attributes of every token (to_array)
        self.starts = [sentence.start_char for sentence in doc.sents] or [0]
        self.views: dict[int, SentenceView] = {}
        self.positions: dict[int, list[int]] = {}
        self.abstract_first = bisect_left(self.starts, title_end)

    def sentence_bounds(self, index: int) -> tuple[int, int]:
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.starts[index], end

    def candidate_positions(self, index: int, candidate_starts: list[int]) -> list[int]:
        """Word positions of the candidates in sentence ``index``, computed once per sentence (not per candidate:
        a sentence of thousands of names would otherwise cost their square)."""
        found = self.positions.get(index)
        if found is None:
            low, high = self.sentence_bounds(index)
            starts = self.view(index).starts
            inside = candidate_starts[bisect_left(candidate_starts, low) : bisect_left(candidate_starts, high)]
            found = self.positions[index] = [bisect_left(starts, start) for start in inside]
        return found

    def view(self, index: int) -> SentenceView:
        view = self.views.get(index)
        if view is None:
            low, high = self.sentence_bounds(index)
            found = list(_CONTEXT_WORD.finditer(self.text, low, high))
            words = [match.group().lower() for match in found]
            sentence = self.text[low:high].strip()
            position = -1 if low < self.title_end else index - self.abstract_first
            view = SentenceView(words, position, sentence.lower(), [m.start() for m in found], sentence, set(words))
            self.views[index] = view
        return view


def _canonical_name(group: list[Candidate], entry) -> str:
    if entry is not None:
        return entry.name
    shorts = [c.text for c in group if c.long_form and join_line_breaks(c.text) != c.long_form]
    if shorts:
        return shorts[0]
    counts = Counter(c.text for c in group)
    return max(counts, key=lambda text: (counts[text], not text.endswith("s"), -len(text)))


def extract_docs(docs: Iterable[Doc]) -> Iterable[list[ExtractedEntity]]:
    for doc in docs:
        yield doc._.kg_entities or []
