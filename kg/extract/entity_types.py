"""Decide an entity's type from context cue words, the gazetteer, its long form and its shape."""

from __future__ import annotations

import re
from collections import Counter

from kg.extract.resources import Resources
from kg.extract.wordlists import alternation, word_pairs, word_set

# the word lists of these rules: pipelines/wordlists/*.txt, *.tsv (each file's first line says what it is for)
_BENCH_SHAPE = re.compile(r"(" + alternation("benchmark_name_parts") + r")(\b|[-\s]?\d|$)|-bench\b")
_MODEL_SIZE = re.compile(
    r"(?<![A-Za-z])\d+(\.\d+)?[BM](?![a-z])|-(" + alternation("model_variant_suffixes") + r")$|\d+x\d+B"
)
_METRIC_SHAPE = re.compile(r"@\s?\w+$|@k$")
_APPOSITIVE_OPENERS = word_set("appositive_openers")
_APPOSITIVE_STOPS = word_set("appositive_stops")


def add_context_votes(votes: Counter[str], left: list[str], right: list[str], resources: Resources) -> None:
    """Add the type votes of the words around one mention: ``the X benchmark``, ``X dataset``, ``benchmarks such
    as X``. The word right after the mention is the strongest cue ("GSM8K benchmark", "the DPO loss"), then the
    word after a dash; the four words before vote for benchmark, dataset or metric ("X, a benchmark" is the
    appositive check)."""
    right_types = resources.right_cue_types
    if right:
        for etype in right_types.get(right[0], ()):
            votes[etype] += 3
        if right[0] == "-" and len(right) > 1:
            for etype in right_types.get(right[1], ()):
                votes[etype] += 1
    left_types = resources.left_cue_types
    for word in left[-4:]:
        for etype in left_types.get(word, ()):
            votes[etype] += 1


def appositive_type(after: list[str], resources: Resources) -> str | None:
    """``X, a new benchmark for ...`` / ``X, a dataset of ...``: the head noun of the appositive."""
    if not after or after[0] != ",":
        return None
    words = after[1:7]
    if not words or words[0] not in _APPOSITIVE_OPENERS:
        return None
    for word in words[1:]:
        for etype in ("benchmark", "dataset", "model", "metric", "method"):
            if word in resources.cues.type_head_words[etype]:
                return etype
        if word in _APPOSITIVE_STOPS:
            break
    return None


_NAME_HEADS = dict(word_pairs("name_heads"))


def type_from_shape(name: str, model_prefixes: frozenset[str] = frozenset()) -> str | None:
    """Type from the name alone: "X Suite", "X-Bench", "nDCG@10", "Qwen-3 8B", a known model family prefix."""
    last = name.replace("-", " ").split()[-1].lower() if name.strip() else ""
    if " " in name.strip() and last in _NAME_HEADS:
        return _NAME_HEADS[last]
    if _METRIC_SHAPE.search(name):
        return "metric"
    if _BENCH_SHAPE.search(name):
        return "benchmark"
    if _MODEL_SIZE.search(name):
        return "model"
    found = re.match(r"[A-Za-z]+", name)
    if (
        found
        and found.group(0) in model_prefixes
        and name[len(found.group(0)) : len(found.group(0)) + 1] in "-. 0123456789"
    ):
        return "model"
    return None


def type_from_long_form(long_form: str | None, resources: Resources) -> str | None:
    if not long_form:
        return None
    words = long_form.lower().replace("-", " ").split()
    for word in reversed(words[-2:]):
        for etype in ("benchmark", "dataset", "metric", "method", "model"):
            if word in resources.cues.type_head_words[etype]:
                return etype
    return None


def decide_type(
    gazetteer_type: str | None,
    family_type: str | None,
    context_votes: Counter[str],
    appositive: str | None,
    long_form: str | None,
    name: str,
    evaluated: bool,
    trained: bool,
    resources: Resources,
) -> tuple[str, float]:
    """The type and a confidence in it; gazetteer first, then explicit cues, long form, shape, default."""
    shape = type_from_shape(name, resources.model_prefixes)
    if gazetteer_type is not None:
        etype = gazetteer_type
        if etype in ("dataset", "benchmark"):
            if appositive in ("dataset", "benchmark"):
                etype = appositive
            elif etype == "benchmark" and trained and not evaluated:
                etype = "dataset"
            elif etype == "dataset" and evaluated and not trained and context_votes["benchmark"] > 0:
                etype = "benchmark"
        return etype, 0.95
    if appositive is not None:
        if appositive == "model" and shape != "model":
            return "method", 0.7  # "X, a generative sequence model": an architecture, not a released checkpoint
        return appositive, 0.85
    if family_type is not None:
        return family_type, 0.85
    if context_votes:
        etype, count = context_votes.most_common(1)[0]
        if count >= 2:
            if etype == "model" and shape != "model" and not _MODEL_SIZE.search(name):
                # "X models" is often a family of methods ("diffusion models"); only trust with a size
                etype = "method"
            if etype in ("dataset", "benchmark"):
                etype = "benchmark" if evaluated and not trained else etype
            return etype, 0.8
    long_type = type_from_long_form(long_form, resources)
    if long_type is not None:
        return long_type, 0.8
    if shape is not None:
        return shape, 0.75
    if name.endswith("QA") or name.endswith("QA2"):
        return ("benchmark" if not trained else "dataset"), 0.65
    return "method", 0.5
