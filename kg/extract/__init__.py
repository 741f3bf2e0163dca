"""Extraction: spaCy pipeline (blank English + kg components) from papers to entities with evidence."""

from kg.extract.pipeline import extract_papers, load_pipeline

__all__ = ["extract_papers", "load_pipeline"]
