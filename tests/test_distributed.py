"""``kg extract --engine dask`` on a real local Dask cluster (2 worker processes): the same bytes as one machine."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LISTINGS, VENUE_JSON

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a LocalCluster of 2 single-threaded worker processes on 127.0.0.1."""
    import logging

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        from kg.extract.distributed import warm_workers

        loading = warm_workers(client, ())  # workers load the pipeline while the local engine runs
        yield cluster.scheduler_address
        del loading


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two JSON Lines files with shared ids (first wins), a blank line and two bad records; and a listing dump
    (read whole by one worker)."""
    records = json.loads(VENUE_JSON.read_text(encoding="utf-8"))[:150]
    folder = tmp_path_factory.mktemp("dist")
    first, second = folder / "a.jsonl", folder / "b.jsonl"
    lines = [json.dumps({"id": f"v{i}", **record}, ensure_ascii=False) for i, record in enumerate(records)]
    lines.insert(40, "")
    lines.insert(70, "{not json")
    lines.insert(90, json.dumps({"id": "no-abstract", "title": "A title only"}))
    first.write_text("\n".join(lines[:130]) + "\n", encoding="utf-8")
    changed = [json.dumps({"id": f"v{i}", "title": "Changed", "abstract": "We use GSM8K."}) for i in range(100, 110)]
    second.write_text("\n".join(changed + lines[130:]) + "\n", encoding="utf-8")
    return [first, second, LISTINGS[1]]


def _extract(arguments: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from kg.cli import app

    result = CliRunner().invoke(app, ["extract", *arguments])
    return result.exit_code, result.output


def test_dask_engine_output_is_byte_identical_to_local(inputs: list[Path], scheduler: str, tmp_path: Path) -> None:
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    names = [str(path) for path in inputs]
    code, local_log = _extract([*names, "--out", str(local), "--skip-bad", "-j", "1"])
    assert code == 0, local_log
    arguments = ["--engine", "dask", "--scheduler", scheduler, "--partition-size", "16KB", "--skip-bad"]
    code, dask_log = _extract([*names, "--out", str(dask), *arguments])
    assert code == 0, dask_log
    assert dask.read_bytes() == local.read_bytes()
    # same count, same skipped records in the same order
    assert dask_log.replace(str(dask), "OUT") == local_log.replace(str(local), "OUT")
    assert "2 bad records skipped" in local_log
    ids = [json.loads(line)["id"] for line in local.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) and ids[:3] == ["v0", "v1", "v2"]


def test_dask_engine_stops_on_the_same_bad_record(inputs: list[Path], scheduler: str, tmp_path: Path) -> None:
    names = [str(path) for path in inputs]
    local_code, local_log = _extract([*names, "--out", str(tmp_path / "l.jsonl")])
    arguments = ["--engine", "dask", "--scheduler", scheduler, "--partition-size", "16KB"]
    dask_code, dask_log = _extract([*names, "--out", str(tmp_path / "d.jsonl"), *arguments])
    assert (dask_code, dask_log) == (local_code, local_log) and dask_code == 1
    assert f"{inputs[0]}:71: not valid JSON" in " ".join(dask_log.split())
    assert not (tmp_path / "d.jsonl").exists()


def test_partitions_cover_the_file_and_start_at_lines(tmp_path: Path) -> None:
    from kg.extract.distributed import count_newlines, line_starts

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * (i % 37)) for i in range(500)))
    data = path.read_bytes()
    for size in (1, 100, 4096, 10**6):
        bounds = line_starts(path, size)
        assert bounds[0] == 0 and bounds[-1] == len(data) and bounds == sorted(set(bounds))
        assert all(data[b - 1 : b] == b"\n" for b in bounds[1:-1])
        assert sum(count_newlines(str(path), a, b) for a, b in itertools.pairwise(bounds)) == 500
