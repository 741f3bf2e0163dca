"""Load the extraction pipeline from ``pipelines/extract.cfg`` and run it over papers, on one or more cores."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import spacy
from spacy.language import Language

import kg.extract.components  # noqa: F401  (registers the kg_* factories)
from kg.extract.components import FIELD_SEPARATOR
from kg.extract.gazetteer import PIPELINES_DIR
from kg.types import Paper, PaperExtraction

CONFIG_PATH = PIPELINES_DIR / "extract.cfg"
PARALLEL_THRESHOLD = 2_000  # below this many papers, starting workers costs more than it saves
_PIPELINES: dict[tuple[str, ...], Language] = {}


def load_pipeline(gazetteer_paths: Sequence[str | Path] = ()) -> Language:
    """The spaCy pipeline (blank English + kg components), cached per process and gazetteer set."""
    key = tuple(str(Path(p).resolve()) for p in gazetteer_paths)
    if key not in _PIPELINES:
        config = spacy.util.load_config(CONFIG_PATH, overrides={"paths.gazetteer": list(key)}, interpolate=True)
        _PIPELINES[key] = spacy.util.load_model_from_config(config, auto_fill=True)
    return _PIPELINES[key]


def paper_text(paper: Paper) -> str:
    """The text the pipeline reads: title (one line), a blank line, the abstract; offsets map back per field."""
    return paper.title.replace("\n", " ") + FIELD_SEPARATOR + paper.abstract


def _extract_batch(gazetteer_key: tuple[str, ...], batch: list[tuple[str, str]]) -> list[PaperExtraction]:
    nlp = load_pipeline(gazetteer_key)
    return [
        PaperExtraction(id=paper_id, entities=list(doc._.kg_entities or []))
        for doc, paper_id in nlp.pipe(batch, as_tuples=True, batch_size=len(batch) or 1)
    ]


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
    key = tuple(str(Path(p).resolve()) for p in gazetteer_paths)
    nlp = load_pipeline(key)
    if n_process <= 0:
        # auto: all cores, unless the input is small (peek at most PARALLEL_THRESHOLD papers to know)
        iterator = iter(papers)
        head = list(itertools.islice(iterator, PARALLEL_THRESHOLD))
        n_process = (os.cpu_count() or 1) if len(head) == PARALLEL_THRESHOLD else 1
        papers = itertools.chain(head, iterator)
    pairs = ((paper_text(paper), paper.id) for paper in papers)
    if n_process <= 1:
        for doc, paper_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            yield PaperExtraction(id=paper_id, entities=list(doc._.kg_entities or []))
        return
    batches = iter(lambda: list(itertools.islice(pairs, batch_size)), [])
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=n_process, mp_context=context) as pool:
        pending: deque[Future[list[PaperExtraction]]] = deque()
        for batch in batches:
            pending.append(pool.submit(_extract_batch, key, batch))
            if len(pending) >= 2 * n_process:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
