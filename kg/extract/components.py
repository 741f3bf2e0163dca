"""spaCy components of the kg extraction pipeline, registered by name (see ``pipelines/extract.cfg``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extract.candidates import Candidate, CandidateFinder
from kg.extract.entity_types import appositive_type, decide_type, type_votes_from_context
from kg.extract.gazetteer import _SPELLING, Gazetteer
from kg.extract.resources import Resources, load_resources
from kg.extract.roles import (
    SentenceView,
    decide_role,
    has_use_cue,
    is_background,
    novel_appositive,
    proposes_in_sentence,
)
from kg.types import ExtractedEntity, Mention

FIELD_SEPARATOR = "\n\n"

if not Doc.has_extension("kg_title_end"):
    Doc.set_extension("kg_title_end", default=None)
if not Doc.has_extension("kg_entities"):
    Doc.set_extension("kg_entities", default=None)

_AMERICAN_TO_BRITISH = {american: british for british, american in _SPELLING.items()}


@Language.factory("kg_fields")
def make_fields(nlp: Language, name: str) -> FieldBoundary:
    return FieldBoundary()


class FieldBoundary:
    """Marks where the title ends (first blank line) and starts a new sentence there."""

    def __call__(self, doc: Doc) -> Doc:
        title_end = doc.text.find(FIELD_SEPARATOR)
        doc._.kg_title_end = title_end if title_end >= 0 else len(doc.text)
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
    for variant in list(variants):
        if variant[-1:].isalpha() and not variant.endswith("s"):
            variants.add(variant + "s")
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
        title_end = doc._.kg_title_end if doc._.kg_title_end is not None else len(doc.text)
        finder = CandidateFinder(doc, list(doc.spans.get("kg_gazetteer", [])), self.resources, title_end)
        candidates = finder.run()
        doc._.kg_entities = self._entities(doc, candidates, title_end)
        return doc

    def _entities(self, doc: Doc, candidates: list[Candidate], title_end: int) -> list[ExtractedEntity]:
        resources = self.resources
        groups: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            groups[candidate.group].append(candidate)
        # words of the doc, lowercased, and the sentence of each token
        lower = [token.lower_ for token in doc]
        sentences = list(doc.sents)
        sentence_of_token = [0] * len(doc)
        views: list[SentenceView] = []
        abstract_index = 0
        for index, sentence in enumerate(sentences):
            for token in sentence:
                sentence_of_token[token.i] = index
            in_title = sentence.start_char < title_end
            views.append(
                SentenceView(
                    lower[sentence.start : sentence.end], -1 if in_title else abstract_index, sentence.text.lower()
                )
            )
            if not in_title:
                abstract_index += 1
        token_at = {token.idx: token.i for token in doc}
        all_positions = sorted({token_at.get(c.start, -1) for c in candidates} - {-1})

        entities: list[ExtractedEntity] = []
        for group_candidates in groups.values():
            entities.append(
                self._one_entity(
                    doc,
                    group_candidates,
                    lower,
                    sentences,
                    views,
                    sentence_of_token,
                    token_at,
                    all_positions,
                    title_end,
                )
            )
        entities.sort(key=lambda e: (e.mentions[0].field != "title", e.mentions[0].start))
        return entities

    def _one_entity(
        self,
        doc: Doc,
        group: list[Candidate],
        lower: list[str],
        sentences: list[Span],
        views: list[SentenceView],
        sentence_of_token: list[int],
        token_at: dict[int, int],
        all_positions: list[int],
        title_end: int,
    ) -> ExtractedEntity:
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
        for candidate in group:
            first_token = token_at.get(candidate.start)
            if first_token is None:
                first_token = doc.char_span(candidate.start, candidate.end, alignment_mode="expand").start
            last_token = first_token
            while last_token + 1 < len(doc) and doc[last_token + 1].idx < candidate.end:
                last_token += 1
            sentence_index = sentence_of_token[first_token]
            sentence = sentences[sentence_index]
            view = views[sentence_index]
            left = lower[max(sentence.start, first_token - 6) : first_token]
            right = lower[last_token + 1 : min(sentence.end, last_token + 9)]
            votes.update(type_votes_from_context(left, right, resources))
            appositive = appositive or appositive_type(right, resources)
            in_title = candidate.start < title_end
            if "title-prefix" in candidate.hints or "named-after-verb" in candidate.hints:
                proposed = True
            elif not in_title:
                position = first_token - sentence.start
                others = [p - sentence.start for p in all_positions if sentence.start <= p < sentence.end]
                if proposes_in_sentence(view, position, others, resources) or novel_appositive(right, resources):
                    proposed = True
                if is_background(view, resources):
                    background_votes += 1
                elif has_use_cue(view, resources):
                    use_votes += 1
                words = set(view.words)
                evaluated = evaluated or bool(words & resources.cues.eval_cues)
                trained = trained or bool(set(left) & resources.cues.train_cues)
            else:
                use_votes += 1
            field, offset = ("title", 0) if in_title else ("abstract", title_end + len(FIELD_SEPARATOR))
            mentions.append(
                Mention(candidate.text, field, candidate.start - offset, candidate.end - offset, sentence.text.strip())
            )
        name = _canonical_name(group, entry)
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
        source = group[0].source
        base = {"gazetteer": 0.9, "abbreviation": 0.85, "title": 0.8, "pattern": 0.75, "shape": 0.55}[source]
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


def _canonical_name(group: list[Candidate], entry) -> str:
    if entry is not None:
        return entry.name
    shorts = [c.text for c in group if c.long_form and c.text != c.long_form]
    if shorts:
        return shorts[0]
    counts = Counter(c.text for c in group)
    return max(counts, key=lambda text: (counts[text], not text.endswith("s"), -len(text)))


def extract_docs(docs: Iterable[Doc]) -> Iterable[list[ExtractedEntity]]:
    for doc in docs:
        yield doc._.kg_entities or []
