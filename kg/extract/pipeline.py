"""Load the extraction pipeline from ``pipelines/extract.cfg`` and run it over papers, on one or more cores."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import spacy
from spacy.language import Language

import kg.extract.components  # registers the kg_* factories
import kg.extract.lexemes  # registers kg.lean_lexemes.v1
import kg.extract.results  # registers kg_results
import kg.extract.scorer  # registers kg_scorer
import kg.extract.sentences  # noqa: F401  (registers kg_sentencizer)
from kg.extract.components import FIELD_SEPARATOR
from kg.extract.gazetteer import PIPELINES_DIR
from kg.types import Paper, PaperExtraction

CONFIG_PATH = PIPELINES_DIR / "extract.cfg"
# Below this many papers (``n_process=0``: ``kg add``, ``kg build``), one process: measured with
# ``benchmarks/bench_extract.py --crossover`` on 2 shared cores (load ~4), two processes were 0.54x-0.98x as fast
# as one at 250-1,000 papers and 1.04x at 2,000 (forking, and each worker learning the memos, cost 0.2-0.5 CPU s).
PARALLEL_THRESHOLD = 2_000
# spaCy's tokenizer memoises the split of each distinct whitespace-delimited chunk, up to max_cache_size
# (10,000 by default) and then stops caching. Building the gazetteer's PhraseMatcher tokenizes ~60,000 surface
# forms, which filled that cache before any abstract was read: every abstract word then went through the
# prefix/suffix/infix regexes again (tokenizing was 2.5-7x slower than a bare spaCy tokenizer). The memo is given
# this size when the tokenizer is made (``kg.lean_lexemes.v1``), so it keeps the gazetteer's forms and has room
# for the corpus' words. The cache only memoises, so its size never changes a token. Each entry is a few dozen
# bytes.
TOKENIZER_CACHE_SIZE = 300_000
# Workers are replaced after about this many papers each: spaCy's vocabulary and string store only grow (every
# new word form stays), so on a real corpus of millions of abstracts a long-lived worker would grow without bound.
WORKER_PAPERS = 200_000
# With several processes, the main process may extract this many papers itself before the workers fork, so that
# they inherit a warm memo (the policy until issue 22: 1,024). 0: the workers fork at once and every core works from
# the first batch, which measured faster on corpora whose words do not repeat (docs/performance.md).
WARMUP_PAPERS = 0
_PIPELINES: dict[tuple[str, ...], Language] = {}
Result = TypeVar("Result")


def gazetteer_key(gazetteer_paths: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The cache key of a gazetteer set: resolved paths, as strings (picklable, same in every worker)."""
    return tuple(str(Path(p).resolve()) for p in gazetteer_paths)


def load_pipeline(gazetteer_paths: Sequence[str | Path] = ()) -> Language:
    """The spaCy pipeline (blank English + kg components), cached per process and gazetteer set."""
    key = gazetteer_key(gazetteer_paths)
    if key not in _PIPELINES:
        overrides = {"paths.gazetteer": list(key), "nlp.after_creation.tokenizer_memo": TOKENIZER_CACHE_SIZE}
        config = spacy.util.load_config(CONFIG_PATH, overrides=overrides, interpolate=True)
        nlp = spacy.util.load_model_from_config(config, auto_fill=True)
        _PIPELINES[key] = nlp
    return _PIPELINES[key]


def paper_text(paper: Paper) -> str:
    """The text the pipeline reads: title (one line), a blank line, the abstract; offsets map back per field."""
    return paper.title.replace("\n", " ") + FIELD_SEPARATOR + paper.abstract


def extraction_line(extraction: PaperExtraction) -> str:
    """One line of ``kg extract`` JSONL (without the newline)."""
    return json.dumps(extraction.to_json_dict(), ensure_ascii=False)


def _pipe(key: tuple[str, ...], pairs: Iterable[tuple[str, str]], batch_size: int) -> Iterator[PaperExtraction]:
    nlp = load_pipeline(key)
    for doc, paper_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield PaperExtraction(id=paper_id, entities=list(doc._.kg_entities or []), results=list(doc._.kg_results or []))


def extract_batch(key: tuple[str, ...], batch: list[tuple[str, str]]) -> list[PaperExtraction]:
    """Extractions of ``(text, paper id)`` pairs, with the pipeline of gazetteer set ``key`` (loaded once)."""
    return list(_pipe(key, batch, len(batch) or 1))


def extract_batch_lines(key: tuple[str, ...], batch: list[tuple[str, str]]) -> list[str]:
    """As ``extract_batch``, serialised to ``kg extract`` lines where they are made (a worker), so that only
    strings cross the process boundary (pickling the dataclasses cost as much as writing their JSON)."""
    return [extraction_line(extraction) for extraction in _pipe(key, batch, len(batch) or 1)]


def extract_papers(
    papers: Iterable[Paper],
    gazetteer_paths: Sequence[str | Path] = (),
    n_process: int = 1,
    batch_size: int = 128,
) -> Iterator[PaperExtraction]:
    """Extract entities from each paper, in input order, streaming.

    ``n_process=0`` means one worker per core (one for fewer than ``PARALLEL_THRESHOLD`` papers).
    With ``n_process > 1`` batches go to a pool of forked workers that inherit the loaded pipeline; only
    texts go out and small ``PaperExtraction`` objects come back (spaCy's own ``n_process`` would ship
    whole Docs back), and at most two batches per worker are in flight, so memory stays flat.
    """
    return _run(papers, gazetteer_paths, n_process, batch_size, extract_batch)


def extract_lines(
    papers: Iterable[Paper],
    gazetteer_paths: Sequence[str | Path] = (),
    n_process: int = 1,
    batch_size: int = 256,
) -> Iterator[str]:
    """``kg extract`` JSONL lines (no newline) of each paper, in input order, streaming; as ``extract_papers``."""
    return _run(papers, gazetteer_paths, n_process, batch_size, extract_batch_lines)


def _run(
    papers: Iterable[Paper],
    gazetteer_paths: Sequence[str | Path],
    n_process: int,
    batch_size: int,
    work: Callable[[tuple[str, ...], list[tuple[str, str]]], list[Result]],
) -> Iterator[Result]:
    key = gazetteer_key(gazetteer_paths)
    load_pipeline(key)  # loaded before forking: every worker inherits it
    if n_process <= 0:
        # auto: all cores, unless the input is small (peek at most PARALLEL_THRESHOLD papers to know)
        iterator = iter(papers)
        head = list(itertools.islice(iterator, PARALLEL_THRESHOLD))
        n_process = (os.cpu_count() or 1) if len(head) == PARALLEL_THRESHOLD else 1
        papers = itertools.chain(head, iterator)
    pairs = ((paper_text(paper), paper.id) for paper in papers)
    batches = iter(lambda: list(itertools.islice(pairs, batch_size)), [])
    if n_process <= 1:
        for batch in batches:
            yield from work(key, batch)
        return
    for batch in itertools.islice(batches, WARMUP_PAPERS // batch_size):  # none by default: see WARMUP_PAPERS
        yield from work(key, batch)
    yield from _parallel(batches, key, n_process, work, max(1, WORKER_PAPERS * n_process // batch_size))


def _die_with_parent(parent: int) -> None:
    """In a worker: be sent SIGTERM when the main process dies, even by ``kill -9`` (Linux), instead of waiting
    forever on a queue nobody writes to."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before the call
                os._exit(1)


_PR_SET_PDEATHSIG = 1


def _parallel(
    batches: Iterator[list[tuple[str, str]]],
    key: tuple[str, ...],
    n_process: int,
    work: Callable[[tuple[str, ...], list[tuple[str, str]]], list[Result]],
    batches_per_pool: int,
) -> Iterator[Result]:
    """Results of ``work`` over ``batches`` in order, on forked pools of ``n_process`` workers, each pool
    retired after ``batches_per_pool`` batches; at most two batches per worker in flight."""
    context = multiprocessing.get_context("fork")
    gc.collect()
    gc.freeze()  # the loaded pipeline's objects stay shared with the forked workers (the collector would touch them)
    try:
        while True:
            submitted = 0
            pool = ProcessPoolExecutor(
                max_workers=n_process, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
            )
            try:
                pending: deque[Future[list[Result]]] = deque()
                for batch in batches:
                    pending.append(pool.submit(work, key, batch))
                    submitted += 1
                    if len(pending) >= 2 * n_process:
                        yield from pending.popleft().result()
                    if submitted >= batches_per_pool:
                        break
                while pending:
                    yield from pending.popleft().result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            if submitted < batches_per_pool:
                return
    finally:
        gc.unfreeze()
