"""Results stated in abstracts: "achieves 7.43 on MT-Bench", "an FID of 1.93 on CIFAR-10", "+6.9% accuracy over X on
Y" become ``kg.types.Result`` records (value, benchmark, metric, subject, kind, unit, baseline, setting, evidence).

A result is a pure function of a paper's text and of its entity mentions (``Anchor``): the extraction pipeline
runs it as the ``kg_results`` component (``pipelines/extract.cfg``) over the extracted entities, and the graph
(``kg.graph.results``) runs the same function over a paper node and its evidenced edges, so that every path
(build, add, the Python API, RDF parts) gives the same results without storing anything new.

How a sentence is read (docs/results.md has the rules and examples):

* numbers come from ``kg.extract.numbers.scan_numbers``; those that cannot be results (years, sizes, ranges,
  approximate or bounded values, numbers inside names, garbled text) are skipped and counted by reason;
* a number is a *gain* when a sign, "by", "margin of" or "relative improvement" says so, a *rank* after "ranked",
  an *absolute* score when a metric or a verb ("achieves", "scores", "reaching") says so, else it is skipped;
* its benchmark is a benchmark or dataset mention of the sentence ("on B", "On B, ...", "B (x)", "B: x",
  lists matched in order with "respectively"), a shared task named in the title ("X at SemEval-2019 Task 3"), or
  a named corpus ("the Brown corpus"); without one the number is no leaderboard row and is skipped;
* its metric is the metric written next to it, else the sentence's only metric, else the benchmark's usual metric
  (``pipelines/metrics.jsonl``); its subject is the method or model before the verb, or the paper's own method for
  "we"/"our"; the baseline follows "over"/"than"/"compared to".

Values are kept as written; ``Result.score`` puts them on the metric's usual scale (a fraction of a percentage
metric times 100) so that 0.91 and 91% of one metric rank together.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.gazetteer import DEFAULT_GAZETTEER_DIR, PIPELINES_DIR, iter_gazetteer_files, spelling_key
from kg.extract.numbers import INTEGER, Number, rules, scan_numbers, words_pattern
from kg.types import ExtractedEntity, Result

METRICS_FILE = PIPELINES_DIR / "metrics.jsonl"
FIELD_SEPARATOR = "\n\n"  # as kg.extract.components (not imported: this module needs no spaCy component code)
BENCHMARK, METRIC, SYSTEM = "benchmark", "metric", "system"
ANCHOR_KINDS = {"benchmark": BENCHMARK, "dataset": BENCHMARK, "metric": METRIC, "method": SYSTEM, "model": SYSTEM}

# reasons a candidate number is no result, besides those of kg.extract.numbers
NO_CUE, NO_BENCHMARK, UNNAMED_BASELINE, RANK_WITHOUT_FIELD = "no-cue", "no-benchmark", "unnamed-baseline", "integer"


@dataclass(frozen=True, slots=True)
class Anchor:
    """A mention the results are tied to: ``text[start:end]`` of the paper text (title, blank line, abstract)."""

    start: int
    end: int
    kind: str  # benchmark | metric | system
    name: str
    ref: Any = None  # what the caller wants back (an entity's ordinal in its extraction, a graph node)
    own: bool = False  # the paper proposes it
    generic: bool = False
    etype: str = ""  # the entity type (benchmark, dataset, ...), when the anchor is an entity


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What ``pipelines/metrics.jsonl`` says about a metric."""

    name: str
    direction: str  # higher | lower | none
    scale: str  # 0-100 | 0-1 | -1-1 | 1-5 | unbounded
    entity: bool = True  # a gazetteer metric (else a plain word such as "accuracy")
    default_for: tuple[str, ...] = ()

    def score(self, value: float, unit: str | None) -> float:
        """``value`` on this metric's usual scale: 0.826 accuracy -> 82.6, 72% Pearson -> 0.72."""
        if self.scale == "0-100" and unit is None and abs(value) <= 1.0:
            return round(value * 100, 6)
        if self.scale in ("0-1", "-1-1") and (unit == "%" or abs(value) > 1.0):
            return round(value / 100, 6)
        return value


class Knowledge:
    """Metrics (``pipelines/metrics.jsonl`` plus the gazetteer's metric names) and the cue patterns, loaded once."""

    def __init__(self, metrics_file: Path = METRICS_FILE, gazetteer_dir: Path = DEFAULT_GAZETTEER_DIR) -> None:
        self.metrics: dict[str, MetricInfo] = {}
        self.forms: dict[str, str] = {}  # folded surface form -> metric name
        words: dict[str, str] = {}
        for line in metrics_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            info = MetricInfo(
                row["name"], row["direction"], row["scale"], row.get("entity", True), tuple(row.get("default_for", ()))
            )
            self.metrics[info.name] = info
            for form in (info.name, *row.get("words", ())):
                words.setdefault(form, info.name)
        self.benchmark_exact: dict[str, str] = {}  # a gazetteer benchmark or dataset form as written -> its name
        self.benchmark_folded: dict[str, str] = {}  # multi-word or non-case-sensitive forms, folded -> name
        self.benchmark_starts: dict[str, int] = {}  # first word of a form, lowercased -> most words of such forms
        for path in iter_gazetteer_files([gazetteer_dir]):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line) if line.strip() else {}
                if row.get("type") in ("benchmark", "dataset") and not row.get("generic"):
                    for form in (row["name"], row.get("full_name"), *(row.get("aliases") or ())):
                        if not form or len(form) < 3:
                            continue
                        self.benchmark_exact.setdefault(form, row["name"])
                        if not row.get("case_sensitive") and (" " in form or any(c.isdigit() for c in form)):
                            self.benchmark_folded.setdefault(spelling_key(form), row["name"])
                        tokens = _WORD.findall(form)
                        if tokens:  # the words a name starts with, and its most words: where a lookup can start
                            first = tokens[0].lower()
                            self.benchmark_starts[first] = max(self.benchmark_starts.get(first, 0), len(tokens))
                if row.get("type") == "metric" and row.get("name") in self.metrics:
                    for form in (row["name"], row.get("full_name"), *(row.get("aliases") or ())):
                        if form:
                            words.setdefault(form, row["name"])
        # metric words as written: short all-caps forms exactly ("EM", "IS", "MAP"), the others in any case
        exact = sorted((w for w in words if len(w) <= 5 and _exact_case(w)), key=len, reverse=True)
        loose = sorted((w for w in words if w not in exact), key=len, reverse=True)
        self.exact_forms = {form: words[form] for form in exact}
        for form in loose:
            self.forms.setdefault(spelling_key(form), words[form])
        self.default_metric = {
            spelling_key(benchmark): info.name for info in self.metrics.values() for benchmark in info.default_for
        }
        # tries, not flat alternations: one branch per first letter (hundreds of names, scanned over every sentence)
        self.metric_exact = re.compile(r"(?<![\w@-])" + trie_pattern(exact) + r"s?(?![\w@]|-\w)")
        self.metric_loose = re.compile(
            r"(?<![\w@-])" + trie_pattern([w.lower() for w in loose], space=r"[\s-]") + r"(?:s|es)?(?![\w@])",
            re.IGNORECASE,
        )
        r = rules()
        self.series = re.compile(
            r"\b(?:" + "|".join(map(re.escape, r["benchmark_series"])) + r")[- ]?['’]?(?:(?:19|20)?\d{2}|\d(?![\d.]))"
            r"(?:\s*(?:Shared\s+)?(?:Task|task)\s*#?\s*\d+(?:\.\d+)?)?(?:\s+(?:Shared\s+Task|shared\s+task))?"
        )
        heads = words_pattern(r["benchmark_heads"])
        word = r"(?:[A-Z0-9][\w'’.&-]*|of|for)"
        name = rf"[A-Z][\w'’.&-]*(?:\s+{word}){{0,5}}"
        self.named_corpus = re.compile(
            rf"\b(?P<names>{name}(?:(?:,\s+|,?\s+and\s+){name})*)\s+(?P<head>(?i:{heads}))(?P<year>\s+(?:19|20)\d\d)?\b"
        )
        self.generic_words = re.compile(rf"(?:\s+(?:{words_pattern(r['generic_benchmark_words'])}))+$", re.IGNORECASE)
        self.patterns = _cue_patterns()
        self.shaped = re.compile(
            r"\b(?:on|in|against)\s+(?:the\s+)?((?!(?:" + "|".join(map(re.escape, r["not_benchmark_shapes"])) + r")\d)"
            r"(?:[A-Z][a-z]+[A-Z][A-Za-z]*\d*|[A-Z]{2,}[a-z]*\d{2,}[A-Za-z]*))(?![\w-])"
        )
        self.dataset_shape = re.compile(
            r"(?:[A-Z]{2,}(?:19|20)\d\d|(?:" + "|".join(map(re.escape, r["dataset_name_endings"])) + r"))$"
        )
        self.count_before = re.compile(rf"\b(?:{'|'.join(r['count_words'])})\s+(?:[\w-]+\s+)?$", re.IGNORECASE)

    def metric(self, name: str | None) -> MetricInfo | None:
        found = self.metric_name(name) if name else None
        return self.metrics.get(found) if found else None

    def metric_name(self, text: str) -> str | None:
        """The canonical metric a written form names ("F1-score" -> F1, "Acc." -> accuracy; "MAP" but not "map")."""
        text = text.strip(" .")
        if text in self.metrics:
            return text
        found = self.exact_forms.get(text) or self.forms.get(spelling_key(text))
        if found is None and text[-1:] == "s":  # "accuracies", "BLEU scores", "word error rates"
            singular = text[:-3] + "y" if text.endswith("ies") else text[:-1]
            found = self.exact_forms.get(singular) or self.forms.get(spelling_key(singular))
        return found

    def benchmarks_in(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """Gazetteer benchmark and dataset names written in ``text[start:end]`` (longest first, not overlapping)."""
        lowered = text[start:end].lower()  # one lowercasing per sentence, not one per word
        spans = [(m.start() + start, m.end() + start, m.group()) for m in _WORD.finditer(lowered)]
        found: list[tuple[int, int, str]] = []
        starts = self.benchmark_starts
        n = 0
        while n < len(spans):
            longest = starts.get(spans[n][2], 0)
            if not longest:
                n += 1
                continue
            for size in range(min(longest, len(spans) - n), 0, -1):
                low, high = spans[n][0], spans[n + size - 1][1]
                form = text[low:high]
                name = self.benchmark_exact.get(form)
                if name is None and (size > 1 or any(c.isdigit() for c in form)):
                    name = self.benchmark_folded.get(spelling_key(form))
                if name is not None:
                    found.append((low, high, name))
                    n += size - 1
                    break
            n += 1
        return found

    def benchmark_metric(self, benchmark: str) -> str | None:
        return self.default_metric.get(spelling_key(benchmark))


def trie_pattern(words: Iterable[str], space: str | None = None) -> str:
    """A regex matching any of ``words``, longest first, written as a trie (``(?:a(?:b|c)|d)``): the regex engine
    then tries one branch per character instead of every word at every position. ``space``: what a space in a word
    matches (e.g. ``[\\s-]``)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = []
        for char in sorted((c for c in node if c), key=lambda c: (-_depth(node[c]), c)):
            piece = space if (char == " " and space) else re.escape(char)
            branches.append(piece + emit(node[char]))
        if not branches:
            return ""
        body = "|".join(branches)
        optional = "" in node
        return f"(?:{body})?" if optional else (f"(?:{body})" if len(branches) > 1 else body)

    return "(?:" + emit(trie) + ")"


def _depth(node: dict[str, Any]) -> int:
    return 1 + max((_depth(child) for key, child in node.items() if key), default=0)


@functools.cache
def knowledge() -> Knowledge:
    return Knowledge()


@functools.cache
def _cue_patterns() -> dict[str, re.Pattern[str]]:
    r = rules()
    w = words_pattern
    i = re.IGNORECASE
    return dict(
        gain_before=re.compile(rf"(?:{w(r['gain_before'])})", i),
        gain_after=re.compile(rf"^\s*\)?\s*(?:[\w-]+\s+){{0,3}}?(?:{w(r['gain_after'])})", i),
        by_end=re.compile(r"\b(?:by|of)\s+(?:an?\s+)?(?:absolute\s+|relative\s+|average\s+(?:of\s+)?)?$", i),
        gain_noun_end=re.compile(rf"\b(?:{w(r['gain_nouns'])})\s+(?:of\s+)?$", i),
        absolute_end=re.compile(
            rf"(?:{w(r['absolute_verbs'])})\s+(?:an?\s+|the\s+)?(?:new\s+|overall\s+|average\s+)?$", i
        ),
        result_noun_end=re.compile(
            rf"(?:{w(r['result_nouns'])})\s+(?:{w(r['result_connectors'])})\s+(?:only\s+|just\s+)?$", i
        ),
        rank_end=re.compile(rf"(?:{w(r['rank_words'])})\s+(?:at\s+)?(?:the\s+)?#?$", i),
        rank_after=re.compile(r"^\s*(?:place|position|rank)\b", i),
        respectively=re.compile(rf"(?:{w(r['respectively'])})", i),
        bench_prep_end=re.compile(
            rf"(?:{w(r['benchmark_preps'])})\s+(?:the\s+|both\s+|all\s+|four\s+|two\s+|three\s+)?(?:[\w-]+\s+){{0,2}}?$",
            i,
        ),
        bench_prep_start=re.compile(
            rf"^[\s,]*(?:\w+\s+){{0,5}}?(?:{w(r['benchmark_preps'])})\s+(?:the\s+|both\s+|all\s+)?"
            rf"(?:(?:{w(r['benchmark_adjectives'])}|[A-Za-z]+-?\w*)\s+){{0,3}}?$",
            i,
        ),
        near_bench_prep=re.compile(rf"(?:{w(r['near_benchmark_preps'])})\s+(?:the\s+)?(?:both\s+)?$", i),
        baseline_end=re.compile(
            rf"(?:{w(r['baseline_preps'])})\s+(?:the\s+|a\s+|an\s+|strong\s+|previous\s+|prior\s+)?"
            rf"(?:[\w-]+\s+){{0,3}}?(?:\(e\.g\.,?\s*)?$",
            i,
        ),
        own=re.compile(rf"(?:{w(r['own_words'])})\b", i),
        own_noun=re.compile(rf"\b(?:{w(r['own_words'])})\s+(?:[\w-]+\s+){{0,3}}?(?:{w(r['own_nouns'])})", i),
        subject_verb=re.compile(rf"(?:{w(r['subject_verbs'])})", i),
        not_subject_before=re.compile(rf"(?:{w(r['before_subject_not'])})\s+(?:the\s+)?\S*\s*$"),
        settings=re.compile(r"(?:" + "|".join(rf"\b{s}\b" for s in r["settings"]) + r")", i),
        clause_break=re.compile("|".join(re.escape(b) for b in r["clause_breaks"])),
        abbreviation=re.compile(r"(?:" + "|".join(re.escape(a) for a in r["abbreviations"]) + r")$"),
        bound_after=re.compile(rf"^\s*(?:\w+\s+){{0,3}}?(?:{w(r['bound_after'])})", i),
        proportion_after=re.compile(rf"^\s*(?:{w(r['proportion_after'])})", i),
        factor_before=re.compile(rf"(?:{w(r['factor_before'])})\s*$", i),
        gain_copula=re.compile(
            rf"\b(?:{w(r['gain_subject_nouns'])})\b[^.;,]{{0,60}}?\b(?:{w(r['copulas'])}|of|by)\s+(?:about\s+)?$", i
        ),
        metric_after_lead=re.compile(
            r"\s*\)?\s*(?:in\s+terms\s+of\s+(?:the\s+)?|in\s+|on\s+the\s+)?"
            rf"(?:(?:{w(r['metric_adjectives'])})[-\s]+)?",
            i,
        ),
        metric_of_thing=re.compile(
            rf"((?:[\w-]+\s){{0,2}}[\w-]+)\s+of\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?(?:{w(r['copulas'])}|=|:)\s+$"
        ),
        # (the lookahead: the first character of a non-empty tail; at the end, no match is the empty one)
        metric_before_tail=re.compile(
            rf"(?=[\s:=(a])(?:\s+(?:{w(r['metric_connectors'])}))?\s*[:=]?\s*(?:\(|an?\s+)?$"
        ),
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')\]]?\s+(?=[A-Z0-9(\[\"“$\\])")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` (not after "e.g.", "et al.", "vs." ...)."""
    abbreviation = _cue_patterns()["abbreviation"]
    spans = []
    at = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if abbreviation.search(text, max(at, match.start() - 8), match.start()):
            continue
        spans.append((at, match.start()))
        at = match.end()
    if at < end:
        spans.append((at, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@dataclass
class Found:
    """A number on its way to becoming a result."""

    number: Number
    kind: str = ""
    benchmark: Anchor | None = None
    metric: str | None = None
    metric_anchor: Anchor | None = None
    subject: Anchor | None = None
    own: bool = False
    baseline: Anchor | None = None
    setting: str | None = None
    rule: str = ""
    confidence: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Reader:
    """Finds the results of one paper text; ``skipped`` counts the numbers that were not results, by reason."""

    def __init__(self, text: str, title_end: int, anchors: Sequence[Anchor], know: Knowledge | None = None) -> None:
        self.text = text
        self.title_end = title_end
        self.k = know or knowledge()
        self.p = self.k.patterns
        self.anchors = sorted(anchors, key=lambda a: (a.start, -a.end))
        self.skipped: Counter[str] = Counter()
        own = [a for a in self.anchors if a.own and a.kind == SYSTEM and not a.generic]
        # the paper's own method by name: a proposed name the title holds, or one written at least twice
        mentions = Counter(a.name for a in own)
        own = [a for a in own if a.start < title_end or mentions[a.name] >= 2]
        self.own_anchor = own[0] if own and len({a.name for a in own}) == 1 else None
        if self.own_anchor is None and own:  # several proposed names: the one the title names
            titled = [a for a in own if a.start < title_end]
            self.own_anchor = titled[0] if len({a.name for a in titled}) == 1 else None
        self.title_benchmark, team = self._title_benchmark()
        if self.own_anchor is None and team is not None:
            self.own_anchor = team
        self._benchmarks: dict[tuple[int, int], list[Anchor]] = {}
        self.previous_span: tuple[int, int] | None = None

    @functools.cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """The abstract's sentences (offsets in the paper text), found once."""
        body = self.title_end + len(FIELD_SEPARATOR) if self.title_end < len(self.text) else len(self.text)
        return sentence_spans(self.text, body, len(self.text))

    @functools.cached_property
    def paper_benchmark(self) -> Anchor | None:
        return self._paper_benchmark()

    @property
    def previous(self) -> Anchor | None:
        """The benchmark the sentence before the current one evaluates on (computed when a fallback asks)."""
        return self._evaluated_on(*self.previous_span) if self.previous_span else None

    # ---- anchors

    def _in(self, start: int, end: int, kind: str | None = None) -> list[Anchor]:
        return [a for a in self.anchors if a.start >= start and a.end <= end and (kind is None or a.kind == kind)]

    def _title_benchmark(self) -> tuple[Anchor | None, Anchor | None]:
        """The shared task a title names after "at"/"on"/"for" ("CUFE at SemEval-2016 Task 4: ..."), and the team
        or system before it ("CUFE"), the paper's own."""
        title = self.text[: self.title_end]
        match = self.k.series.search(title)
        if match is None or not re.search(
            r"\b(?:at|on|for|in|to)\s+(?:the\s+)?$", title[: match.start()], re.IGNORECASE
        ):
            return None, None
        benchmark = self._benchmark_anchor(match.start(), match.end(), match.group())
        team = re.match(r"\s*([A-Z][\w.&+-]*(?:[ -][A-Z][\w.&+-]*){0,2})\s+(?:at|@)\s+", title)
        own = Anchor(team.start(1), team.end(1), SYSTEM, team.group(1), None, own=True) if team else None
        return benchmark, own

    def _paper_benchmark(self) -> Anchor | None:
        """The one shared task (series name) the abstract names, for scores of sentences that name none
        ("We present our system for the CoNLL 2008 Shared Task. ... achieve an F-score of 74.59%")."""
        body = self.title_end + len(FIELD_SEPARATOR)
        found: dict[str, Anchor] = {}
        for match in self.k.series.finditer(self.text, body, len(self.text)):
            anchor = self._benchmark_anchor(match.start(), match.end(), match.group())
            found.setdefault(_name_key(anchor.name), anchor)
        # the benchmarks of every sentence of the abstract (found once per sentence, cached for the scores' sentences)
        for anchor in [a for span in self.sentences for a in self._sentence_benchmarks(*span)]:
            lead = self.text[max(body, anchor.start - 12) : anchor.start]
            evaluated = re.search(r"\b(?:on|at|in|for|against)\s+(?:the\s+)?$", lead)
            if anchor.ref is not None and (anchor.etype == "dataset" or not evaluated):
                continue  # a training set or a resource (WordNet, PubMed): not the benchmark
            found.setdefault(_name_key(anchor.name), anchor)
        if len(found) == 1:
            return next(iter(found.values()))
        return None

    def _benchmark_anchor(self, start: int, end: int, name: str) -> Anchor:
        """A benchmark named by the results rules, tied to the entity mention it is (or holds), if any."""
        name = self.k.generic_words.sub("", _clean_name(name)) if len(name.split()) > 1 else _clean_name(name)
        for anchor in self.anchors:
            if anchor.kind == BENCHMARK and anchor.start < end and start < anchor.end:
                if anchor.start == start and anchor.end == end:
                    return anchor
                if anchor.start >= start and anchor.end <= end:
                    return Anchor(start, end, BENCHMARK, name or anchor.name, anchor.ref)
                return Anchor(start, end, BENCHMARK, name, None)  # a longer entity: "CUFE at SemEval-2016 Task 4"
        return Anchor(start, end, BENCHMARK, name, None)

    def _sentence_benchmarks(self, start: int, end: int) -> list[Anchor]:
        """Benchmark mentions of a sentence: entities, shared tasks ("SemEval-2018 Task 7"), named corpora."""
        found = self._benchmarks.get((start, end))
        if found is None:
            found = self._benchmarks[(start, end)] = self._find_benchmarks(start, end)
        return found

    def _find_benchmarks(self, start: int, end: int) -> list[Anchor]:
        found = []
        for anchor in self._in(start, end, BENCHMARK):
            version = _VERSION.match(self.text, anchor.end, end)
            if version:  # "SQuAD 1.1": the version is part of the benchmark's name
                name = anchor.name if anchor.name.endswith(version.group().strip()) else anchor.name + version.group()
                anchor = Anchor(anchor.start, version.end(), BENCHMARK, name, anchor.ref, etype=anchor.etype)
            found.append(anchor)
        extra: list[Anchor] = []
        for match in self.k.series.finditer(self.text, start, end):
            extra.append(self._benchmark_anchor(match.start(), match.end(), match.group()))
        extra.extend(self._named_corpora(start, end))
        for low, high, name in self.k.benchmarks_in(self.text, start, end):  # known names the entities left out
            if not any(a.start < high and low < a.end for a in self.anchors):
                extra.append(Anchor(low, high, BENCHMARK, name, None, etype="benchmark"))
        for match in self.k.shaped.finditer(self.text, start, end):  # "evaluating against DepBank", "in VOC2010"
            clash = [a for a in self.anchors if a.start < match.end(1) and match.start(1) < a.end]
            dataset_like = bool(self.k.dataset_shape.search(match.group(1)))
            if not clash or (dataset_like and all(a.etype == "method" for a in clash)):
                extra.append(Anchor(match.start(1), match.end(1), BENCHMARK, match.group(1), None))
        for match in _PAIR_LIST.finditer(self.text, start, end):
            prefix = match.group("prefix")
            extra.append(self._benchmark_anchor(match.start(), match.end("first"), prefix + match.group("first")))
            extra.append(
                Anchor(match.start("second"), match.end("second"), BENCHMARK, prefix + match.group("second"), None)
            )
        for anchor in extra:  # the longer of overlapping names: "SemEval-2018 Task 7" over "SemEval-2018"
            clash = [a for a in found if a.start < anchor.end and anchor.start < a.end]
            if all(anchor.end - anchor.start > a.end - a.start for a in clash):
                found = [a for a in found if a not in clash] + [anchor]
        return sorted(found, key=lambda a: a.start)

    def _named_corpora(self, start: int, end: int) -> list[Anchor]:
        """Named corpora and datasets: "the Brown Corpus", "the Boston University Radio News corpus", "ATIS and
        Snips datasets", "ViZDoom AI Competition 2016"."""
        found: list[Anchor] = []
        for match in self.k.named_corpus.finditer(self.text, start, end):
            head = match.group("head")
            keep_head = head.lower() in ("corpus", "treebank", "competition", "challenge") or bool(match.group("year"))
            names = [(match.start("names"), match.end("names"))]
            if head.lower().endswith(("s", "ora")) and re.search(r",|\band\b", match.group("names")):
                names = [(m.start(), m.end()) for m in re.finditer(r"[^,]+?(?=,|\s+and\s+|$)", match.group("names"))]
                names = [(match.start("names") + a, match.start("names") + b) for a, b in names]
            if self.k.count_before.search(self.text, max(start, match.start() - 30), match.start()):
                continue
            for low, high in names:
                piece = self.text[low:high]
                lead = re.match(r"\s*(?:,|and)?\s*(?:the\s+)?", piece)
                low += lead.end() if lead else 0
                while True:  # "Results on Wall Street Journal text": drop the words before the name
                    piece = self.text[low:high]
                    first = piece.split(" ", 1)[0] if piece else ""
                    rest = re.match(r"\S+\s+(?:(?:[a-z][\w-]*)\s+)*", piece)
                    if first in _NOT_NAME_STARTS and rest and rest.end() < len(piece):
                        low += rest.end()
                        continue
                    break
                if not piece or not piece[0].isupper() or piece.split()[0] in _NOT_NAME_STARTS:
                    continue
                one_word = len(names) == 1 and " " not in piece.strip() and not re.search(r"[\d]|[a-z][A-Z]", piece)
                if one_word and not re.search(r"\bthe\s+$", self.text[max(start, low - 5) : low]):
                    continue  # "an untagged Chinese corpus": one word without "the" names no corpus
                if keep_head and len(names) == 1:
                    same = [a for a in self.anchors if a.kind == BENCHMARK and a.start == low and a.end == high]
                    if same:  # "the SemEval-2014 Task 4 competition": the entity, without the generic head
                        found.append(same[0])
                        continue
                    high = match.end()
                found.append(self._benchmark_anchor(low, high, self.text[low:high]))
        return found

    def _metrics_in(self, start: int, end: int) -> list[tuple[int, int, str]]:
        found = []
        for pattern in (self.k.metric_exact, self.k.metric_loose):
            for match in pattern.finditer(self.text, start, end):
                name = self.k.metric_name(match.group())
                if name:
                    found.append((match.start(), match.end(), name))
        for match in _TOP_K_PAIR.finditer(self.text, start, end):  # "top-1 and top-10 accuracies"
            one, two = match.group(1), match.group(2)
            found.append(
                (match.start(), match.end(1), self.k.metric_name(f"top-{one} accuracy") or f"top-{one} accuracy")
            )
            found.append(
                (match.start(2) - 4, match.end(), self.k.metric_name(f"top-{two} accuracy") or f"top-{two} accuracy")
            )
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        kept: list[tuple[int, int, str]] = []
        for item in found:
            if kept and item[0] < kept[-1][1]:
                continue
            kept.append(item)
        return kept

    def _metric_at(self, text: str) -> str | None:
        """The longest metric name at the start of ``text``."""
        best: tuple[int, str] | None = None
        for pattern in (self.k.metric_exact, self.k.metric_loose):
            match = pattern.match(text)
            if match:
                name = self.k.metric_name(match.group())
                if name and (best is None or match.end() > best[0]):
                    best = (match.end(), name)
        return best[1] if best else None

    # ---- the paper

    def run(self) -> list[Found]:
        text = self.text
        spans = [(0, self.title_end)] if self.title_end > 0 else []
        body = self.title_end + len(FIELD_SEPARATOR) if self.title_end < len(text) else len(text)
        spans += self.sentences
        results: list[Found] = []
        self.previous_span = None
        cued = any(word in text for word in _CUE_WORDS)  # "12 points", "ranked 3rd": sentences to look at closer
        for start, end in spans:
            plain = text.find("%", start, end) >= 0 or _has_decimal(text, start, end)
            if plain or (cued and _result_shaped(text, start, end)):
                results.extend(self._sentence(start, end))
            if start >= body:
                self.previous_span = (start, end)
        return results

    def _evaluated_on(self, start: int, end: int) -> Anchor | None:
        """The one benchmark a sentence says the paper evaluates on ("Experiments on X show ...", "We evaluate
        on the X dataset."), for the scores of the next sentence when it names none."""
        found = {}
        for anchor in self._sentence_benchmarks(start, end):
            lead = self.text[max(start, anchor.start - 60) : anchor.start]
            if re.search(
                r"\b(?:on|against)\s+(?:the\s+|both\s+)?(?:[\w-]+\s+)?$", lead, re.IGNORECASE
            ) and _EVALUATE.search(lead):
                found.setdefault(_name_key(anchor.name), anchor)
        return next(iter(found.values())) if len(found) == 1 else None

    def _sentence(self, start: int, end: int) -> list[Found]:
        text = self.text
        numbers = scan_numbers(text, start, end)
        inside = self._in(start, end)
        candidates: list[Found] = []
        for number in numbers:
            if any(a.start <= number.start < a.end or a.start < number.end <= a.end for a in inside):
                self.skipped["in-name"] += 1
                continue
            if number.reason not in (None, INTEGER):
                self.skipped[number.reason] += 1
                continue
            after = text[number.end : min(end, number.end + 40)]
            if number.reason == INTEGER and not self._integer_may_count(number, start, after):
                self.skipped[INTEGER] += 1  # a count ("12 tasks"), not a rank or a score
                continue
            before = text[max(start, number.start - 24) : number.start]
            if number.unit == "%" and (
                self.p["proportion_after"].match(after) or re.match(r"\s+of\s+(?:the\s+)?[A-Z]", after)
            ):
                self.skipped["proportion"] += 1
                continue
            if self.p["bound_after"].match(after):
                self.skipped["bound"] += 1
                continue
            if self.p["factor_before"].search(before):
                self.skipped["factor"] += 1
                continue
            candidates.append(Found(number))
        if not candidates:
            return []
        groups: dict[int, list[Found]] = {}
        for found in candidates:
            groups.setdefault(found.number.group, []).append(found)
        previous: Found | None = None
        kept: list[Found] = []
        for found in candidates:
            group = groups[found.number.group]
            if previous is not None and group[0] is found and self._continues(previous, found, start, end):
                found.extra["follows"] = previous
                found.extra["follows_group"] = groups[previous.number.group]
            if self._kind(found, group, start, end):
                kept.append(found)
                previous = found
        if not kept:
            return []
        benchmarks = self._sentence_benchmarks(start, end)
        metrics = self._metrics_in(start, end)
        systems = [a for a in self._in(start, end, SYSTEM) if not a.generic]
        for found in kept:
            self._metric(found, groups[found.number.group], metrics, start, end)
        for found in kept:
            self._benchmark(found, groups[found.number.group], benchmarks, start, end)
        for n, found in enumerate(kept):
            if found.kind == "gain" and found.metric is None and found.benchmark is not None:
                earlier = [f for f in kept[:n] if f.kind == "absolute" and f.benchmark is found.benchmark and f.metric]
                if earlier:
                    found.metric = earlier[-1].metric
        results = []
        for found in kept:
            if found.benchmark is None:
                self.skipped[NO_BENCHMARK] += 1
                continue
            self._subject(found, groups[found.number.group], systems, start, end)
            if (found.number.pair == "from" or found.extra.get("baseline_value")) and found.subject is None:
                self.skipped[UNNAMED_BASELINE] += 1
                continue
            followed = found.extra.get("metric_of")
            if (
                followed is not None
                and followed.benchmark is not None
                and followed.benchmark.name != found.benchmark.name
            ):
                # "an FID of 3.1 on CIFAR-10 and 7.2 on MT-Bench": another benchmark, its own usual metric
                found.metric = self.k.benchmark_metric(found.benchmark.name) or found.metric
            if found.metric is None:
                found.metric = self.k.benchmark_metric(found.benchmark.name)
            found.setting = self._setting(found, start, end)
            results.append(found)
        return results

    def _integer_may_count(self, number: Number, start: int, after: str) -> bool:
        """A bare integer is read further only after a rank word ("ranked 3"), before a rank noun ("3rd place"),
        in a field of ranks ("12/34") or before an unbounded metric ("1320 Elo")."""
        lead = self.text[max(start, number.start - 30) : number.start]
        if self.p["rank_end"].search(lead) or number.extra.get("of"):
            return True
        metric = self.k.metric(self._metric_after(after))
        return metric is not None and metric.scale == "unbounded"

    def _continues(self, previous: Found, found: Found, start: int, end: int) -> bool:
        """ "2.0 on NIST MT06 and 1.7 on MT08", "72.80% accuracy for org, 84.36% for loc": the second number is read
        like the first."""
        between = self.text[previous.number.end : found.number.start]
        if len(between) > 60 or _NUMBER_IN.search(between) or ";" in between:
            return False
        return bool(
            re.fullmatch(
                r"[^.;()]*?(?:,|\band\b|,\s*and\b|\bwhile\b|\bwhereas\b)\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?",
                between,
            )
        )

    def _clause(self, position: int, start: int, end: int) -> tuple[int, int]:
        """The clause of the sentence holding ``position`` (cut at ";", ", while", ", whereas", ...)."""
        low, high = start, end
        for match in self.p["clause_break"].finditer(self.text, start, end):
            if match.end() <= position:
                low = match.end()
            elif match.start() >= position:
                high = match.start()
                break
        return low, high

    # ---- kind

    def _kind(self, found: Found, group: list[Found], start: int, end: int) -> bool:
        number, text, p = found.number, self.text, self.p
        low, _ = self._clause(number.start, start, end)
        left = text[max(low, number.start - 80) : number.start]
        group_end = group[-1].number.end
        right = text[group_end : min(end, group_end + 60)]
        own_right = text[number.end : min(end, number.end + 60)]
        head = group[0]
        follows = found.extra.get("follows")
        integer_metric = self.k.metric(self._metric_after(own_right)) if number.reason == INTEGER else None
        if integer_metric is not None and integer_metric.scale == "unbounded" and not number.extra.get("ordinal"):
            found.kind, found.rule, found.confidence = "absolute", "score", 0.65  # "1320 Elo"
            return True
        if number.reason == INTEGER or number.extra.get("ordinal"):
            lead = text[max(low, number.start - 30) : number.start]
            if p["rank_end"].search(lead) or (number.extra.get("ordinal") and p["rank_after"].match(own_right)):
                found.kind, found.rule, found.confidence = "rank", "rank", 0.7
                return True
            if head is not found and head.kind == "rank" and number.extra.get("of"):
                return False  # "12/34": the size of the field
            self.skipped["integer" if number.reason == INTEGER else "ordinal"] += 1
            return False
        if number.pair == "to":
            found.kind, found.rule, found.confidence = "absolute", "change-to", 0.8
            return True
        if number.pair == "from":
            found.kind, found.rule, found.confidence = "absolute", "change-from", 0.6
            return True
        if _BASELINE_VALUE.search(left) and not p["gain_after"].match(own_right):
            found.kind, found.rule, found.confidence = "absolute", "baseline-value", 0.6
            found.extra["baseline_value"] = True
            return True
        if number.sign == "+" and head is not found:
            found.kind, found.rule, found.confidence = "gain", "signed", 0.8
            return True
        if head is not found and head.kind:
            found.kind, found.rule, found.confidence = head.kind, head.rule, head.confidence
            return True
        if number.sign == "+" or (number.sign == "-" and _near_gain(left, right, p)):
            found.kind, found.rule, found.confidence = "gain", "signed", 0.8
            return True
        if p["gain_after"].match(right) and not re.match(r"^\s*(?:of|in)\b", right):
            found.kind, found.rule, found.confidence = "gain", "gain-noun", 0.8
            return True
        wide = text[max(low, number.start - 140) : number.start]
        if p["gain_noun_end"].search(left) or (p["by_end"].search(left) and p["gain_before"].search(wide)):
            found.kind, found.rule, found.confidence = "gain", "gain-by", 0.8
            return True
        if p["gain_copula"].search(left):
            found.kind, found.rule, found.confidence = "gain", "gain-is", 0.7
            return True
        if follows is not None and follows.kind in ("absolute", "gain") and not number.sign:
            kind = "absolute" if follows.kind == "absolute" and number.pair is None else follows.kind
            found.kind, found.rule, found.confidence = kind, follows.rule + "+continued", follows.confidence - 0.05
            return True
        if (
            p["absolute_end"].search(left[-40:])
            or p["result_noun_end"].search(left[-40:])
            or self._metric_after(own_right)
            or self._metric_after(right)
            or self._metric_before(left)
        ):
            found.kind, found.rule, found.confidence = "absolute", "score", 0.75
            return True
        if re.search(r"\b(?:is|was|are|were)\s+$|[=:]\s*$", left) and self._clause_metric(low, number.start):
            found.kind, found.rule, found.confidence = "absolute", "metric-is", 0.7
            return True
        if re.search(r"[(:]\s*$", left) or re.match(r"^\s*\)", own_right):
            found.kind, found.rule, found.confidence = "absolute", "parenthesis", 0.6
            return True
        self.skipped[NO_CUE] += 1
        return False

    def _clause_metric(self, low: int, position: int) -> str | None:
        """The metric a clause starts with: "The F1-score on the test set of X is 91.21"."""
        lead = re.match(
            r"\s*(?:the\s+|our\s+|its\s+|their\s+|an?\s+)?(?:(?:overall|average|mean|final)\s+)?",
            self.text[low:position],
            re.IGNORECASE,
        )
        return self._metric_at(self.text[low + (lead.end() if lead else 0) : position])

    def _metric_after(self, right: str) -> str | None:
        """A metric written just after a number: "82.7% accuracy", "62.1 SMATCH", "0.36 in MRR", "9.3% word error
        rates"."""
        match = self.p["metric_after_lead"].match(right)
        return self._metric_at(right[match.end() :] if match else right)

    def _metric_before(self, left: str) -> str | None:
        """A metric written just before a number: "accuracy of 82.6%", "BLEU 33.8", "F1 scores of", "mIoU 71.4%",
        "a length-controlled win rate of 52.3%", "improves EM by 4.1"."""
        tail = self.p["metric_before_tail"].search(left)
        core = left[: tail.start()] if tail else left
        words = core.replace("(", " ( ").replace("/", " / ").split()[-5:]
        for size in range(len(words), 0, -1):
            phrase = " ".join(words[-size:])
            name = self.k.metric_name(phrase)
            if name is None and phrase.endswith(_SCORE_WORDS):
                name = self.k.metric_name(_SCORE_TAIL.sub("", phrase))
            if name:
                return name
        # "Macro Accuracy of the WSD module reaches", "F-Score of the SRL module is"
        of = self.p["metric_of_thing"].search(left) if "of" in left else None
        if of:
            words = of.group(1).split()
            for size in range(len(words), 0, -1):
                name = self.k.metric_name(" ".join(words[-size:]))
                if name:
                    return name
        return None

    # ---- metric

    def _metric(
        self, found: Found, group: list[Found], metrics: list[tuple[int, int, str]], start: int, end: int
    ) -> None:
        number, text = found.number, self.text
        low, high = self._clause(number.start, start, end)
        first, group_end = group[0].number.start, group[-1].number.end
        own_right = text[number.end : min(high, number.end + 40)]
        left = text[max(low, number.start - 60) : number.start]
        if len(group) > 1:
            # "accuracies of 51.1% and 81.6%" / "top-1 and top-10 accuracies of": metric lists in order
            before = [m for m in metrics if m[1] <= first and m[0] >= first - 45 and m[0] >= low]
            lead = self.p["metric_after_lead"].match(text, group_end, high)
            reach = (lead.end() if lead else group_end) + 4
            after = _run_from(text, [m for m in metrics if m[0] >= group_end], reach)
            for side in (after, before[-len(group) :]):
                names = _dedupe_adjacent(side)
                if len(names) == len(group) and len(set(names)) > 1 and _joined(text, side):
                    found.metric = names[group.index(found)]
                    return
        name = self._metric_after(own_right)
        if name is None and len(group) > 1:
            name = self._metric_after(text[group_end : min(high, group_end + 40)])
        if name is None and group[0] is found:
            name = self._metric_before(left)
        follows = found.extra.get("follows") or group[0].extra.get("follows")
        followed = found.extra.get("follows_group") or group[0].extra.get("follows_group")
        if name is None and followed and len(followed) == len(group) and len(group) > 1:
            name = followed[group.index(found)].metric
        if name is None and group[0] is not found:
            name = group[0].metric
        if name is None and follows is not None:
            name = follows.metric
            found.extra["metric_of"] = follows  # kept unless the benchmark turns out to have its own (below)
        if name is None:
            # "in terms of precision and F1 score ... respectively" / "improves accuracy ... by 0.21%"; not a metric
            # written next to another number ("7.43 on MT-Bench and 85.3% accuracy on GSM8K")
            clause = [m for m in metrics if m[0] >= low and m[1] <= high and not self._attached(m, number)]
            names = list(dict.fromkeys(m[2] for m in clause))
            if len(names) == 1:
                name = names[0]
            elif names and self.p["respectively"].search(text, low, high):
                ordered = _dedupe_adjacent(clause)
                if len(ordered) == len(group):
                    name = ordered[group.index(found)]
        found.metric = name

    def _attached(self, metric: tuple[int, int, str], number: Number) -> bool:
        """Is ``metric`` written next to a number other than ``number`` ("85.3% accuracy", "F1 of 96.5")?"""
        text = self.text
        before = text[max(0, metric[0] - 14) : metric[0]]
        after = text[metric[1] : metric[1] + 16]
        digits = [m for m in re.finditer(r"\d[\d.,]*\s?(?:\\?%)?", before)]
        if digits and re.fullmatch(r"\s*(?:\\?%|points?)?\s*(?:\)\s*)?(?:[a-z-]+\s+)?", before[digits[-1].end() :]):
            at = metric[0] - len(before) + digits[-1].start()
            if not (number.start <= at < number.end):
                return True
        lead = re.match(r"\s*(?:scores?\s+)?(?:of|=|:)?\s*(?:an?\s+)?([+\-]?\d[\d.,]*)", after)
        if lead:
            at = metric[1] + lead.start(1)
            if not (number.start <= at < number.end):
                return True
        return False

    # ---- benchmark

    def _benchmark(self, found: Found, group: list[Found], benchmarks: list[Anchor], start: int, end: int) -> None:
        number, text, p = found.number, self.text, self.p
        low, high = self._clause(number.start, start, end)
        first, last = group[0].number, group[-1].number
        partner = number.partner if number.pair == "to" else None
        if partner is not None and partner.start < first.start:
            first = partner
        in_clause = [b for b in benchmarks if b.start >= low and b.end <= high]
        after = [b for b in in_clause if b.start >= last.end]
        before = [b for b in in_clause if b.end <= first.start]
        index = group.index(found)
        respectively = bool(p["respectively"].search(text, low, high))
        if before and len(group) == 1:  # "an MT-Bench score of 8.2", "GSM8K (85.2%)", "StrategyQA 58.9 → 61.7"
            between = text[before[-1].end : first.start]
            if re.fullmatch(r"\s*(?:\(|:)?\s*(?:score\s+of\s+|scores\s+of\s+|=\s*)?", between) and len(between) <= 12:
                found.benchmark, found.rule = before[-1], found.rule + "+adjacent"
                return
        unknown = _UNKNOWN_AFTER.match(text, last.end, high)
        if unknown and not any(
            unknown.start(1) - 2 <= b.start <= unknown.start(1) + 25 or b.start <= unknown.start(1) < b.end
            for b in after
        ):
            self.skipped["unknown-benchmark"] += 1
            return
        # lists in order: "68.50%, 60.09%, and 51.85% on CUHK-PEDES, ICFG-PEDES and RSTPReid, respectively"
        if len(group) > 1:
            for side in (_listed(text, after, forward=True), _listed(text, before, forward=False)):
                if len(side) == len(group) and (respectively or len(group) == 2):
                    found.benchmark, found.confidence = side[index], found.confidence - 0.05
                    found.rule += "+respectively"
                    return
        # "x on B" (after the number, a preposition between)
        for bench in after[:2]:
            between = text[last.end : bench.start]
            limit = 150 if self.k.series.fullmatch(text, bench.start, bench.end) else 70
            numbers_between = _NUMBER_IN.search(re.sub(r"\([^()]*\)", "", between)) and not self._distributes(
                found, between
            )
            if len(between) <= limit and p["bench_prep_end"].search(between) and not numbers_between:
                found.benchmark = bench
                return
            if len(between) <= 70 and re.fullmatch(r"\s*(?:\)|,)?\s*(?:on|in|for|at)\s+(?:the\s+)?", between):
                found.benchmark = bench
                return
        # "On B, ... x", "B (x)", "B: x", "B x → y", "evaluate on B ... achieving x"
        if before:
            bench = before[-1]
            between = text[bench.end : first.start]
            lead = text[max(low, bench.start - 40) : bench.start]
            if re.fullmatch(r"\s*(?:\(|:|,)?\s*(?:[\w.-]+\s+){0,2}(?:of\s+|=\s*)?", between) and len(between) <= 24:
                found.benchmark, found.rule = bench, found.rule + "+adjacent"
                return
            if re.search(r"\b(?:on|in|at|against)\s+(?:the\s+)?$", lead, re.IGNORECASE) and bench.kind == BENCHMARK:
                found.benchmark, found.rule = bench, found.rule + "+before"
                return
            if p["bench_prep_start"].search(lead) or p["near_bench_prep"].search(lead):
                others = [b for b in before if b is not bench and b.name != bench.name]
                listed = not others or len(_listed(text, before, forward=False)) == len(before)
                if listed and (len(before) == 1 or len(group) == 1 or not respectively):
                    found.benchmark, found.rule = bench, found.rule + "+before"
                    return
        if after and not before:
            bench = after[0]
            between = text[last.end : bench.start]
            if (
                len(between) <= 40
                and not _NUMBER_IN.search(between)
                and re.search(r"\b(?:on|in|for|at|across)\b", between)
            ):
                found.benchmark = bench
                return
        sentence = self._sentence_benchmarks(start, end)
        if (
            not in_clause
            and len({_name_key(b.name) for b in sentence}) == 1
            and (found.metric or found.kind == "absolute")
        ):
            # "we achieve ... on ImageNet, while maintaining 75.2% top-1 accuracy": the sentence's one benchmark
            found.benchmark, found.rule, found.confidence = (
                sentence[0],
                found.rule + "+sentence",
                found.confidence - 0.1,
            )
            return
        # a shared task named by the title, the benchmark the sentence before evaluates on, or the one benchmark of
        # the abstract, for a score whose sentence names none
        if not sentence and (found.metric or found.kind == "rank"):
            fallback = self.title_benchmark or self.previous or self.paper_benchmark
            if fallback is not None:
                where = (
                    "+title"
                    if fallback is self.title_benchmark
                    else ("+paper" if fallback is self.paper_benchmark else "+previous")
                )
                found.benchmark, found.rule = fallback, found.rule + where
                found.confidence -= 0.15

    def _distributes(self, found: Found, between: str) -> bool:
        """ "a CLIP-I score of 0.833 and a CLIP-T score of 0.314 on DreamBench": the numbers between continue this
        one and no benchmark comes first, so the benchmark after is theirs too."""
        return bool(
            re.fullmatch(
                r"\s*(?:[\w@-]+\s+)?(?:,|and|,\s*and)\s+(?:an?\s+)?(?:[\w@\-() ]{1,30}?(?:of|=)\s+)?[\d.]+\s?%?"
                r"(?:\s+[\w@-]+)?\s+(?:on|in|for)\s+(?:the\s+)?",
                between,
            )
        )

    # ---- subject and baseline

    def _subject(self, found: Found, group: list[Found], systems: list[Anchor], start: int, end: int) -> None:
        number, text, p = found.number, self.text, self.p
        low, high = self._clause(number.start, start, end)
        first = group[0].number
        region = text[low : first.start]
        verbs = list(p["subject_verb"].finditer(region))
        verb_at = low + verbs[-1].start() if verbs else first.start
        comma = text.rfind(", ", low, verb_at)
        phrase_start = comma + 2 if comma >= 0 else low
        before_verb = [
            s
            for s in systems
            if phrase_start <= s.start
            and s.end <= verb_at
            and not (
                _BEATS.search(text, max(low, s.start - 30), s.start)
                or p["baseline_end"].search(text, max(low, s.start - 30), s.start)
            )
        ]
        after_zone = [s for s in systems if s.start >= first.start and s.end <= high]
        for system in [s for s in systems if s.start >= verb_at and s.end <= high]:
            lead = text[max(low, system.start - 50) : system.start]
            if (p["baseline_end"].search(lead) or _BEATS.search(lead)) and system not in before_verb:
                found.baseline = system
                break
        for system in systems:  # "outperforming Qwen2.5-72B-Instruct (61.3)": the score of the system before it
            if re.fullmatch(r"\s*\(\s*", text[system.end : number.start]) and system.end <= number.start:
                found.subject, found.own = system, system.own
                return
        # "the 69.76% accuracy of the baseline ResNet18": the number belongs to the system after it
        for system in after_zone:
            between = text[number.end : system.start]
            if len(between) <= 40 and re.fullmatch(
                r"\s*(?:[\w-]+\s+){0,2}?(?:of|by|for)\s+(?:the\s+|a\s+)?(?:baseline\s+|base\s+|original\s+|vanilla\s+)?",
                between,
            ):
                found.subject, found.own = system, system.own
                return
        if number.pair == "from" or found.extra.get("baseline_value"):
            named_after = [
                s
                for s in after_zone
                if re.fullmatch(r"\s*(?:\S+\s+){0,3}?(?:for|of|by|from)\s+(?:the\s+)?", text[number.end : s.start])
            ]
            if found.extra.get("baseline_value"):
                found.subject = named_after[0] if named_after else None
            else:
                found.subject = found.baseline or self._from_subject(found, systems, low, high)
            found.own = False
            return
        subject_text = text[phrase_start:verb_at]
        if before_verb:
            # "our ResNet50 and ResNet34 gated networks obtain 74.60% and 72.55%": systems in order
            listed = _listed(text, before_verb, forward=False)
            if len(group) > 1 and len(listed) == len(group):
                found.subject = listed[group.index(found)]
            else:
                found.subject = before_verb[-1]
                if len(before_verb) > 1 and re.search(
                    r"\b(?:with|using|on|via|based\s+on|equipped\s+with|guided\s+by)\s+(?:the\s+|a\s+)?$",
                    text[before_verb[-2].end : before_verb[-1].start],
                ):
                    found.subject = before_verb[-2]
            found.own = found.subject.own or (
                self.own_anchor is not None and found.subject.name == self.own_anchor.name
            )
            return
        if p["own_noun"].search(subject_text) or re.search(r"\b(?:we|our|ours)\b", subject_text, re.IGNORECASE):
            found.own = True
            found.subject = self.own_anchor
            return
        if len(verbs) > 1:  # "OCD achieves ..., on both ..., achieving 9.3%": the subject of the clause's first verb
            first_verb = low + verbs[0].start()
            heads = [s for s in systems if low <= s.start and s.end <= first_verb]
            head_text = text[low:first_verb]
            if heads and not p["not_subject_before"].search(text[low : heads[-1].start]):
                found.subject = heads[-1]
                found.own = heads[-1].own or (self.own_anchor is not None and heads[-1].name == self.own_anchor.name)
                return
            if p["own_noun"].search(head_text) or re.search(r"\b(?:we|our|ours)\b", head_text, re.IGNORECASE):
                found.own, found.subject = True, self.own_anchor
                return
        # nobody else is named as the subject: the paper reports its own result ("the parser performs at ...")
        found.own = True
        found.subject = self.own_anchor

    def _from_subject(self, found: Found, systems: list[Anchor], low: int, high: int) -> Anchor | None:
        """The named system whose value a "from x" is: "rerank the logical forms returned by AgendaIL ... from"."""
        named = [s for s in systems if not s.own and (self.own_anchor is None or s.name != self.own_anchor.name)]
        before = [s for s in named if s.end <= found.number.start]
        return before[-1] if before else None

    def _setting(self, found: Found, start: int, end: int) -> str | None:
        low, high = self._clause(found.number.start, start, end)
        best = None
        for match in self.p["settings"].finditer(self.text, low, high):
            distance = abs(match.start() - found.number.start)
            if best is None or distance < best[0]:
                best = (distance, match.group())
        return best[1] if best else None

    # ---- output

    def result(self, found: Found) -> Result:
        number, text = found.number, self.text
        field_name, offset = ("title", 0) if number.start < self.title_end else ("abstract", self.title_end + 2)
        sentence_start, sentence_end = self._sentence_of(number.start)
        value = number.value
        info = self.k.metric(found.metric)
        score = info.score(value, number.unit) if (info is not None and found.kind == "absolute") else value
        subject, bench = found.subject, found.benchmark
        return Result(
            value=value,
            text=text[number.start : number.end],
            field=field_name,  # type: ignore[arg-type]
            start=number.start - offset,
            end=number.end - offset,
            sentence=text[sentence_start:sentence_end].strip(),
            kind=found.kind,  # type: ignore[arg-type]
            benchmark=bench.name if bench else "",
            benchmark_text=text[bench.start : bench.end] if bench else None,
            unit=number.unit,
            metric=found.metric,
            subject=subject.name if subject is not None else None,
            subject_text=text[subject.start : subject.end]
            if subject is not None and subject.end <= len(text)
            else None,
            own=found.own,
            baseline=found.baseline.name if found.baseline is not None else None,
            setting=found.setting,
            score=score,
            error=number.error,
            benchmark_entity=bench.ref if bench else None,
            subject_entity=subject.ref if subject is not None else None,
            baseline_entity=found.baseline.ref if found.baseline is not None else None,
            extractor=f"results:{found.rule}",
            confidence=round(max(0.05, min(0.95, found.confidence)), 3),
        )

    def _sentence_of(self, position: int) -> tuple[int, int]:
        if position < self.title_end:
            return 0, self.title_end
        body = self.title_end + len(FIELD_SEPARATOR)
        spans = self.sentences
        starts = [s for s, _ in spans]
        index = max(0, bisect_right(starts, position) - 1)
        return spans[index] if spans else (body, len(self.text))


_PAIR_LIST = re.compile(
    r"(?P<prefix>\b[A-Z][\w]*\s?['’]?\d{2,4}\s+)(?P<first>[A-Z][a-z]+[-–](?:to-)?[A-Z][a-z]+)/(?P<second>[A-Z][a-z]+[-–](?:to-)?[A-Z][a-z]+)"
)
_EVALUATE = re.compile(r"\b(?:evaluat\w*|experiment\w*|tested|results?|validat\w*)\b", re.IGNORECASE)
_UNKNOWN_AFTER = re.compile(r"\s*(?:%\s*)?(?:[\w-]+\s+){0,2}?(?:on|in)\s+(?:the\s+)?([A-Z][\w-]*)")
_VERSION = re.compile(r" (?:v\d+(?:\.\d+)?|\d\.\d)(?![\d.%]|\s?(?:points?|pp)\b)")
_BASELINE_VALUE = re.compile(
    r"(?:\bvs\.?|\bversus|\bcompared\s+(?:to|with)|\bagainst|\bthan)\s+(?:the\s+|an?\s+)?$", re.IGNORECASE
)
_BEATS = re.compile(r"\b(?:outperform|surpass|beat|exceed)\w*\s+(?:the\s+)?$", re.IGNORECASE)
_TOP_K_PAIR = re.compile(r"\btop-(\d+)\s+and\s+top-(\d+)\s+accurac(?:y|ies)\b", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# what a result can look like: a decimal, a percentage, points, an ordinal, a signed number, a number then a metric;
# a text without any (most abstracts: only years, counts, sizes) has no result and is not read further
_RESULT_SHAPE = re.compile(  # the lookahead: one character test per position, not two alternatives
    r"(?=[\d+])(?:\d(?:\.\d|\s?(?:\\?%|percent|per cent|points?\b|pp\b|-points?\b|Elo\b|BLEU\b|F1\b)"
    r"|(?:st|nd|rd|th)\b)|\+\d)"
)
_RANK_WORD = re.compile(r"\brank(?:s|ed)?\b")
_SCORE_TAIL = re.compile(r"\s+(?:scores?|values?)$")  # "BLEU scores" names BLEU
_SCORE_WORDS = ("score", "scores", "value", "values")


def _result_shaped(text: str, start: int, end: int) -> bool:
    """A result-shaped number in ``text[start:end]`` ("3.5", "12 points", "+4", "2nd"), or the word "rank"."""
    if _RESULT_SHAPE.search(text, start, end) is not None:
        return True
    return text.find("rank", start, end) >= 0 and _RANK_WORD.search(text, start, end) is not None


_WORD = re.compile(r"[\w][\w.'’&+/-]*[\w+]|\w")


_CUE_WORDS = tuple(rules()["gate_substrings"])  # "12 points", "ranked 3rd": worth a closer look (pipelines/rules)


def might_report(text: str, start: int = 0, end: int | None = None) -> bool:
    """Could ``text[start:end]`` report a result at all? A percentage or a decimal, else a cue word and a
    result-shaped number (``_result_shaped``): the cheap gate in front of every paper and sentence (``str.find``
    runs at C speed; a regex scan of every abstract cost a fifth of the results step)."""
    end = len(text) if end is None else end
    if text.find("%", start, end) >= 0 or _has_decimal(text, start, end):
        return True
    piece = text[start:end]
    return any(word in piece for word in _CUE_WORDS) and _result_shaped(piece, 0, len(piece))


def _has_decimal(text: str, start: int, end: int) -> bool:
    at = text.find(".", start + 1, end - 1)
    while at >= 0:
        if text[at - 1].isdigit() and text[at + 1].isdigit():
            return True
        at = text.find(".", at + 1, end - 1)
    return False


def _exact_case(form: str) -> bool:
    """Short metric forms matched only as written: no lowercase letter ("EM", "IS") or two capitals ("mAP")."""
    return not any(c.islower() for c in form) or sum(c.isupper() for c in form) >= 2


_NUMBER_IN = re.compile(r"\d[\d.,]*\s?%|\b\d+\.\d+\b")


def _near_gain(left: str, right: str, p: dict[str, re.Pattern[str]]) -> bool:
    return bool(p["gain_before"].search(left[-40:]) or p["gain_after"].match(right))


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,.;:")
    return re.sub(r"\s+(?:Shared|shared)\s+(?:Task|task)$", "", name)


def _name_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


_NOT_NAME_STARTS = frozenset(rules()["not_name_starts"])


def _joined(text: str, metrics: list[tuple[int, int, str]]) -> bool:
    """Metrics written as one list: "top-1 and top-10 accuracies", "precision/recall", "precision and F1 score"."""
    return all(
        re.fullmatch(r"\s*(?:,|/|and|,\s*and|or)\s*(?:the\s+)?", text[a[1] : b[0]])
        for a, b in itertools.pairwise(metrics)
    )


def _run_from(text: str, metrics: list[tuple[int, int, str]], reach: int) -> list[tuple[int, int, str]]:
    """The list of metrics starting before ``reach``: the first one and those joined to it."""
    if not metrics or metrics[0][0] > reach:
        return []
    run = [metrics[0]]
    for item in metrics[1:]:
        if _joined(text, [run[-1], item]):
            run.append(item)
        else:
            break
    return run


def _dedupe_adjacent(metrics: list[tuple[int, int, str]]) -> list[str]:
    names: list[str] = []
    for _, _, name in metrics:
        if not names or names[-1] != name:
            names.append(name)
    return names


def _listed(text: str, anchors: list[Anchor], forward: bool) -> list[Anchor]:
    """The run of anchors written as one list ("A, B and C", "A/B", "A (B)") nearest the numbers: the first run
    after them (``forward``) or the last run before them."""
    if not anchors:
        return []
    runs: list[list[Anchor]] = [[anchors[0]]]
    for left, right in itertools.pairwise(anchors):
        between = text[left.end : right.start]
        if re.fullmatch(r"\s*(?:,|/|\(|\)|,?\s*and|,?\s*or|&)\s*(?:the\s+)?", between) or re.fullmatch(
            r"\s*\)?\s*(?:,|and)\s*", between
        ):
            runs[-1].append(right)
        else:
            runs.append([right])
    run = runs[0] if forward else runs[-1]
    names = []
    for anchor in run:
        if not names or names[-1].name != anchor.name:
            names.append(anchor)
    return names


# ---- the two callers: the pipeline component (entities of one extraction) and the graph (kg.graph.results)


def entity_anchors(entities: Sequence[ExtractedEntity], title_end: int) -> list[Anchor]:
    """Anchors of a paper's extracted entities (``ref``: the entity's ordinal), offsets in the paper text."""
    anchors = []
    body = title_end + len(FIELD_SEPARATOR)
    for ordinal, entity in enumerate(entities):
        kind = ANCHOR_KINDS.get(entity.type)
        if kind is None:
            continue
        for mention in entity.mentions:
            offset = 0 if mention.field == "title" else body
            anchors.append(
                Anchor(
                    mention.start + offset,
                    mention.end + offset,
                    kind,
                    entity.name,
                    ordinal,
                    own=entity.role == "proposes",
                    generic=entity.generic,
                    etype=entity.type,
                )
            )
    return anchors


def find_results(
    text: str, title_end: int, anchors: Iterable[Anchor], skipped: Counter[str] | None = None, gated: bool = False
) -> list[Result]:
    """The results of one paper text (title, blank line, abstract) given its entity mentions (``gated``: the
    caller has already checked ``might_report(text)``)."""
    if not gated and not might_report(text):
        return []
    reader = Reader(text, title_end, list(anchors))
    results = [reader.result(found) for found in reader.run()]
    if skipped is not None:
        skipped.update(reader.skipped)
    return _unique(results)


def _unique(results: list[Result]) -> list[Result]:
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for result in results:
        key = (result.field, result.start, result.end, result.kind)
        if key not in seen:
            seen.add(key)
            kept.append(result)
    return kept


def paper_results(
    title: str, abstract: str, entities: Sequence[ExtractedEntity], skipped: Counter[str] | None = None
) -> list[Result]:
    """The results of a paper from its title, abstract and extracted entities."""
    title = title.replace("\n", " ")
    text = title + FIELD_SEPARATOR + abstract
    return find_results(text, len(title), entity_anchors(entities, len(title)), skipped)


# ---- the spaCy component

if not Doc.has_extension("kg_results"):
    Doc.set_extension("kg_results", default=None)


@Language.factory("kg_results")
def make_results(nlp: Language, name: str) -> ResultFinder:
    return ResultFinder()


class ResultFinder:
    """Sets ``doc._.kg_results`` from the doc's text and ``doc._.kg_entities`` (runs after ``kg_entities``)."""

    def __init__(self) -> None:
        knowledge()  # metrics and cue patterns load with the pipeline (once, before any worker forks)

    def __call__(self, doc: Doc) -> Doc:
        from kg.extract.components import doc_text

        text = doc_text(doc)
        if not might_report(text):  # most abstracts: no number shaped like a result, nothing to read
            doc._.kg_results = []
            return doc
        title_end = doc._.kg_title_end if doc._.kg_title_end is not None else len(text)
        entities = doc._.kg_entities or []
        doc._.kg_results = find_results(text, title_end, entity_anchors(entities, title_end), gated=True)
        return doc
