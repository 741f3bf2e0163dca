"""Everything the extractor reads from ``pipelines/``: gazetteer, stoplists and cue words, loaded once (the rules'
word lists, ``pipelines/wordlists/``, are read by ``kg.extract.wordlists``)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.extract.gazetteer import DEFAULT_GAZETTEER_DIR, PIPELINES_DIR, Gazetteer, load_gazetteer, load_wordlist
from kg.extract.wordlists import word_set

_LEADING_LETTERS = re.compile(r"[A-Za-z]+")
DEFAULT_STOPLIST = PIPELINES_DIR / "stoplists" / "non_entities.txt"
DEFAULT_CUES = PIPELINES_DIR / "rules" / "cues.json"


@dataclass
class Cues:
    """Cue-word sets from ``pipelines/rules/cues.json``."""

    type_head_words: dict[str, frozenset[str]]
    long_form_not_entity_heads: frozenset[str]
    long_form_not_entity_suffixes: tuple[str, ...]
    generic_long_forms_are_entities: frozenset[str]
    propose_verbs: frozenset[str]
    not_propose_after_verb: tuple[str, ...]
    novelty_words: frozenset[str]
    use_cues: frozenset[str]
    eval_cues: frozenset[str]
    train_cues: frozenset[str]
    background_cues: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = DEFAULT_CUES) -> Cues:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            type_head_words={k: frozenset(v) for k, v in data["type_head_words"].items()},
            long_form_not_entity_heads=frozenset(data["long_form_not_entity_heads"]),
            long_form_not_entity_suffixes=tuple(data["long_form_not_entity_suffixes"]),
            generic_long_forms_are_entities=frozenset(data["generic_long_forms_are_entities"]),
            propose_verbs=frozenset(data["propose_verbs"]),
            not_propose_after_verb=tuple(data["not_propose_after_verb"]),
            novelty_words=frozenset(data["novelty_words"]),
            use_cues=frozenset(data["use_cues"]),
            eval_cues=frozenset(data["eval_cues"]),
            train_cues=frozenset(data["train_cues"]),
            background_cues=tuple(data["background_cues"]),
        )


@dataclass(eq=False)
class Resources:
    """The data behind one extraction pipeline."""

    gazetteer: Gazetteer
    stoplist: frozenset[str]
    stoplist_folded: frozenset[str]
    cues: Cues
    model_prefixes: frozenset[str] = frozenset()

    @functools.cached_property
    def naming_verbs(self) -> tuple[str, ...]:
        """Proposing verbs and naming words ("propose", "called"), lowercase, for ``str.find`` scans."""
        return tuple(sorted(self.cues.propose_verbs | word_set("naming_words")))

    @functools.cached_property
    def naming_stems(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``naming_verbs`` grouped under the shortest of them they start with (``propose``: ``propose``,
        ``proposed``, ``proposes``): one ``str.find`` per group finds them all."""
        verbs = self.naming_verbs
        stems = [verb for verb in verbs if not any(verb != other and verb.startswith(other) for other in verbs)]
        return tuple((stem, tuple(verb for verb in verbs if verb.startswith(stem))) for stem in stems)

    @functools.cached_property
    def right_cue_types(self) -> dict[str, tuple[str, ...]]:
        """Head word -> the types it names, when it follows a mention ("GSM8K benchmark"); in the cue file's order."""
        types: dict[str, tuple[str, ...]] = {}
        for etype, words in self.cues.type_head_words.items():
            for word in words:
                types[word] = (*types.get(word, ()), etype)
        return types

    @functools.cached_property
    def left_cue_types(self) -> dict[str, tuple[str, ...]]:
        """Head word -> benchmark/dataset/metric, when it comes shortly before a mention ("benchmarks such as X");
        words too vague before a name (``pipelines/wordlists/left_cue_excluded.txt``: data, score, ...) are left out."""
        types: dict[str, tuple[str, ...]] = {}
        excluded = word_set("left_cue_excluded")
        for etype in ("benchmark", "dataset", "metric"):
            for word in self.cues.type_head_words[etype]:
                if word not in excluded:
                    types[word] = (*types.get(word, ()), etype)
        return types

    @functools.cached_property
    def type_heads(self) -> frozenset[str]:
        """Every head word that names a kind of entity ("optimization", "benchmark", "loss", ...)."""
        return frozenset().union(*self.cues.type_head_words.values())


def _model_prefixes(gazetteer: Gazetteer) -> frozenset[str]:
    """Leading letters of model names seen at least twice (``GPT``, ``Qwen``, ``Llama``): a name shape cue."""
    counts: dict[str, int] = {}
    for entry in gazetteer.entries.values():
        if entry.type != "model":
            continue
        found = _LEADING_LETTERS.match(entry.name)
        if found and len(found.group(0)) >= 3:
            counts[found.group(0)] = counts.get(found.group(0), 0) + 1
    return frozenset(prefix for prefix, count in counts.items() if count >= 2)


_CACHE: dict[tuple[str, ...], Resources] = {}


def load_resources(gazetteer_paths: Iterable[str | Path] = (), stoplist: Path = DEFAULT_STOPLIST) -> Resources:
    """Load (and cache per process) the shipped gazetteer plus any user files, the stoplist and the cues."""
    extra = tuple(str(Path(p).resolve()) for p in gazetteer_paths)
    cache_key = (str(stoplist), *extra)
    if cache_key not in _CACHE:
        words = load_wordlist(stoplist)
        gazetteer = load_gazetteer([DEFAULT_GAZETTEER_DIR, *extra])
        _CACHE[cache_key] = Resources(
            gazetteer=gazetteer,
            model_prefixes=_model_prefixes(gazetteer),
            stoplist=words,
            stoplist_folded=frozenset(w.lower() for w in words),
            cues=Cues.load(),
        )
    return _CACHE[cache_key]
