"""Shared fixtures: the bundled sample corpus and a graph built from it once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
LISTINGS = sorted(CORPUS.glob("daily-papers-*.txt"))
VENUE_JSON = CORPUS / "venue-abstracts-1980-2022.json"


@pytest.fixture(scope="session")
def listing_files() -> list[Path]:
    return LISTINGS


@pytest.fixture(scope="session")
def built_graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kg build`` of the three listing dumps (the daily-papers sample), built once."""
    from kg.build import build

    out = tmp_path_factory.mktemp("graph") / "out"
    build(LISTINGS, out)
    return out
