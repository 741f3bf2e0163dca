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
DIGEST = "2e1a12a15c62deab3765df9238a49749"  # 348 files: graph.json, graph.ttl, index.html, site/, rdf/


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
    """``kg add`` keeps every output current by default, in proportion to the change: graph.json and graph.ttl
    spliced, the site's touched pages written (the others hard links to the pages already there), and the result
    equals a build of all the papers file for file."""
    whole, batches = papers_file
    kg.build_folder([whole], tmp_path / "full", use_cache=False)
    kg.build_folder([batches[0]], tmp_path / "batched", use_cache=False)
    for batch in batches[1:]:
        site = tmp_path / "batched" / "site"
        before = {path.relative_to(site): path.stat().st_ino for path in site.rglob("*.html")}
        result = kg.add([batch], tmp_path / "batched", use_cache=False)
        assert result.updated["graph"] == result.updated["turtle"] == "spliced", result.updated
        assert result.stale == []
        written, total = (int(n.replace(",", "")) for n in result.updated["site"].split()[::2][:2])
        assert 0 < written < total  # not every page: the others are the same files (linked, not copied)
        after = {path.relative_to(site): path.stat().st_ino for path in site.rglob("*.html")}
        kept = [name for name, inode in after.items() if before.get(name) == inode]
        assert len(kept) == total - written
    full = files_digest(tmp_path / "full", WHOLE_GRAPH_FILES)
    batched = files_digest(tmp_path / "batched", WHOLE_GRAPH_FILES)
    assert batched == full


def test_stale_outputs_are_written_whole_then_kept(papers_file: tuple[Path, list[Path]], tmp_path: Path) -> None:
    """``--formats none`` leaves the whole-graph outputs as they were (stale); the next add writes them whole
    (they cannot be spliced: they are not the state's previous generation), and a damaged graph.json is written
    whole too; both still equal a full build."""
    whole, batches = papers_file
    kg.build_folder([whole], tmp_path / "full", use_cache=False)
    out = tmp_path / "batched"
    kg.build_folder([batches[0]], out, use_cache=False)
    first = kg.add([batches[1]], out, use_cache=False, formats=["none"])
    assert first.updated == {} and sorted(first.stale) == ["graph.json", "graph.ttl", "index.html", "site"]
    graph_before = (out / "graph.json").read_bytes()
    (out / "graph.ttl").write_bytes(b"@prefix broken: <x> .\n")  # stale anyway: written whole, not spliced
    second = kg.add([batches[2]], out, use_cache=False)
    assert second.updated["graph"] == second.updated["turtle"] == second.updated["site"] == "written"
    assert (out / "graph.json").read_bytes() != graph_before
    assert files_digest(out, WHOLE_GRAPH_FILES) == files_digest(tmp_path / "full", WHOLE_GRAPH_FILES)


def test_unspliceable_files_are_written_whole(papers_file: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, batches = papers_file
    kg.build_folder([batches[0], batches[1]], tmp_path / "full", use_cache=False, formats=["graph", "turtle"])
    out = tmp_path / "batched"
    kg.build_folder([batches[0]], out, use_cache=False, formats=["graph", "turtle"])
    text = (out / "graph.ttl").read_bytes()
    (out / "graph.ttl").write_bytes(text.replace(b" a kg:Paper", b" a  kg:Paper", 1))  # one block less found
    result = kg.add([batches[1]], out, use_cache=False)
    assert result.updated["graph"] == "spliced" and result.updated["turtle"].startswith("written (")
    names = ("graph.json", "graph.ttl")
    assert files_digest(out, names) == files_digest(tmp_path / "full", names)
