"""Extraction: spaCy pipeline (blank English + kg components) from papers to entities with evidence.

``extract_papers`` and ``load_pipeline`` are imported lazily, so that modules needing only the gazetteer or
name shapes (resolution, queries, exports) do not pay for importing spaCy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["extract_papers", "load_pipeline"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kg.extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'kg.extract' has no attribute {name!r}")
