"""The outputs of a build are pinned: a digest of every file a build writes from a small corpus (a change to any
output must update DIGEST on purpose, with the reason in its commit), and a build of everything equals the same
papers added in several batches, file for file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [ROOT / "data/corpus/daily-papers-divergence.txt", ROOT / "data/corpus/daily-papers-likelihood.txt"]
WHOLE_GRAPH_FILES = ("graph.json", "graph.ttl", "index.html", "site")
DIGEST = "08960ee183b2ec1e3011e63774822440"  # 341 files: graph.json, graph.ttl, index.html, site/, rdf/


SOURCE = re.compile(rb"[\w/.-]+\.jsonl:\d+")  # where a paper was read ("file:line"): differs between batches


def files_digest(folder: Path, names: tuple[str, ...]) -> dict[str, str]:
    """A BLAKE2 digest of each file under the named files and folders of ``folder``, by relative path (with the
    papers' ``file:line`` sources blanked, which name the temporary input files)."""
    found = {}
    for name in names:
        target = folder / name
        paths = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
        for path in paths:
            data = SOURCE.sub(b"SOURCE", path.read_bytes())
            found[str(path.relative_to(folder))] = hashlib.blake2b(data, digest_size=16).hexdigest()
    return found


def overall(digests: dict[str, str]) -> str:
    return hashlib.blake2b(json.dumps(digests, sort_keys=True).encode(), digest_size=16).hexdigest()


@pytest.fixture(scope="module")
def papers_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The corpus as one JSONL file, and the same papers cut into three batches."""
    root = tmp_path_factory.mktemp("digest")
    papers = kg.read(CORPUS)
    lines = [json.dumps({k: v for k, v in p.to_dict().items() if k != "source"}, ensure_ascii=False) for p in papers]
    whole = root / "papers.jsonl"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cuts = [0, len(lines) // 3, 2 * len(lines) // 3, len(lines)]
    batches = []
    for n in range(3):
        batch = root / f"batch-{n}.jsonl"
        batch.write_text("\n".join(lines[cuts[n] : cuts[n + 1]]) + "\n", encoding="utf-8")
        batches.append(batch)
    return whole, batches


def test_build_outputs_are_pinned(papers_file: tuple[Path, list[Path]], tmp_path: Path) -> None:
    whole, _ = papers_file
    kg.build_folder([whole], tmp_path / "out", use_cache=False)
    digests = files_digest(tmp_path / "out", (*WHOLE_GRAPH_FILES, "rdf"))
    assert len(digests) > 50
    assert overall(digests) == DIGEST, json.dumps(digests, indent=1)


def test_one_build_equals_several_batches(papers_file: tuple[Path, list[Path]], tmp_path: Path) -> None:
    whole, batches = papers_file
    kg.build_folder([whole], tmp_path / "full", use_cache=False)
    kg.build_folder([batches[0]], tmp_path / "batched", use_cache=False)
    for batch in batches[1:]:
        kg.add([batch], tmp_path / "batched", use_cache=False, formats=["graph", "turtle", "html", "site"])
    full = files_digest(tmp_path / "full", WHOLE_GRAPH_FILES)
    batched = files_digest(tmp_path / "batched", WHOLE_GRAPH_FILES)
    assert batched == full
