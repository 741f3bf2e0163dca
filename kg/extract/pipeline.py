"""Load the extraction pipeline from ``pipelines/extract.cfg`` and run it over papers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import spacy
from spacy.language import Language

import kg.extract.components  # noqa: F401  (registers the kg_* factories)
from kg.extract.components import FIELD_SEPARATOR
from kg.extract.gazetteer import PIPELINES_DIR
from kg.types import Paper, PaperExtraction

CONFIG_PATH = PIPELINES_DIR / "extract.cfg"
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


def extract_papers(
    papers: Iterable[Paper],
    gazetteer_paths: Sequence[str | Path] = (),
    n_process: int = 1,
    batch_size: int = 64,
) -> Iterator[PaperExtraction]:
    """Extract entities from each paper, in input order, streaming."""
    nlp = load_pipeline(gazetteer_paths)
    pairs = ((paper_text(paper), paper.id) for paper in papers)
    for doc, paper_id in nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield PaperExtraction(id=paper_id, entities=list(doc._.kg_entities or []))
