"""``kg extract --engine dask``: the same extraction, over partitions of the inputs, on a Dask cluster.

The client plans partitions: a JSON Lines file is cut into byte ranges that start at line starts (about
``partition_bytes`` each; a first, I/O-only pass on the workers counts each range's lines, so every record keeps
its true ``file:line``); any other input (a JSON array, CSV, listing, BibTeX, a gzip OpenAlex / S2 dump) is one
partition per file. A worker reads its partition with the readers' own record functions, runs the same spaCy
pipeline as ``kg extract`` (loaded once per worker process) and sends back finished JSONL lines. The client
takes partitions back in input order, at most a few ahead (bounded memory), drops repeated paper ids exactly as
``kg.sources.readers.iter_papers`` does (first occurrence wins), reports bad records in the same order with the same
messages, and writes the output atomically: the bytes equal those of ``kg extract`` on one machine.

Workers need the ``kg`` package and the input paths (a shared file system); one thread per worker process
(``dask worker ADDRESS --nthreads 1 --nworkers N``), as extraction is pure Python and holds the GIL.
"""

from __future__ import annotations

import io
import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError, KgError
from kg.extract.pipeline import extract_batch_lines, gazetteer_key, load_pipeline, paper_text
from kg.sources.readers import ReadReport, _check_content, _iter_file, check_inputs, detect_format
from kg.sources.readers.dumps import sniff_dump_format
from kg.sources.readers.jsonfile import parse_line
from kg.sources.readers.records import paper_from_record
from kg.types import Paper

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

DEFAULT_PARTITION_BYTES = 32 * 2**20
BATCH = 256  # papers per call into the pipeline inside a partition
_COUNT_CHUNK = 16 * 2**20


@dataclass(frozen=True)
class Partition:
    """A part of one input: a byte range of a JSON Lines file (``end`` > ``start``), or the whole file
    (``start = end = -1``). ``name`` is the path as given (for messages), ``path`` where workers open it."""

    index: int
    name: str
    path: str
    fmt: str
    start: int = -1
    end: int = -1
    first_line: int = 1

    @property
    def whole_file(self) -> bool:
        return self.start < 0


@dataclass
class PartitionResult:
    """What a worker sends back: ``(paper id, JSONL line)`` in input order, skipped records' messages, and
    the error that stopped the partition (without ``skip_bad``) as ``(path, line, message)``."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: tuple[str, int | None, str] | None = None


def _is_json_lines(path: Path, fmt: str) -> bool:
    """Whether ``path`` is read as plain JSON Lines (not an array, not a dump): then it can be cut by bytes."""
    kind = detect_format(path, fmt)
    if kind not in ("json", "jsonl"):
        return False
    if fmt == "auto" and sniff_dump_format(path):
        return False
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return not head.startswith(b"[")


def line_starts(path: Path, partition_bytes: int) -> list[int]:
    """Offsets near every ``partition_bytes`` where a line starts (0 first, the file size last)."""
    size = path.stat().st_size
    bounds = [0]
    with path.open("rb") as handle:
        target = partition_bytes
        while target < size:
            handle.seek(target - 1)
            handle.readline()  # to the end of the line that holds byte target - 1
            position = handle.tell()
            if position >= size:
                break
            if position > bounds[-1]:
                bounds.append(position)
            target = max(position, target) + partition_bytes
    bounds.append(size)
    return bounds


def count_newlines(path: str, start: int, end: int) -> int:
    """Newlines in ``path``'s bytes ``[start, end)`` (a worker task: I/O only)."""
    count = 0
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = handle.read(min(_COUNT_CHUNK, remaining))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count


def plan_partitions(inputs: Sequence[str | Path], fmt: str, partition_bytes: int) -> list[Partition]:
    """Partitions of ``inputs`` in input order; byte ranges do not know their line numbers yet (``first_line``).

    A file that cannot be read (empty, binary) becomes a whole-file partition: its worker meets the same error
    as the local reader would, at the same point of the input order."""
    partitions: list[Partition] = []
    for given in check_inputs(inputs, fmt):
        name, where = str(given), str(Path(given).resolve())
        try:
            compressed = _check_content(given)
            ranged = not compressed and _is_json_lines(given, fmt)
        except InputError:
            ranged = False
        if not ranged:
            partitions.append(Partition(len(partitions), name, where, fmt))
            continue
        bounds = line_starts(given, partition_bytes)
        for start, end in itertools.pairwise(bounds):
            partitions.append(Partition(len(partitions), name, where, fmt, start, end))
    return partitions


def _number_lines(partitions: list[Partition], counts: Iterable[int]) -> list[Partition]:
    """Give each byte range the number of its first line, from the newline counts of the ranges before it."""
    numbered: list[Partition] = []
    line = 1
    for partition, count in zip(partitions, counts, strict=True):
        if partition.whole_file:
            numbered.append(partition)
            continue
        if partition.start == 0:
            line = 1
        numbered.append(replace(partition, first_line=line))
        line += count
    return numbered


def _papers_of(partition: Partition, skip_bad: bool, result: PartitionResult) -> Iterator[Paper]:
    """The papers of one partition, bad records to ``result`` (kept as messages, or the stopping error)."""

    def on_bad(exc: InputError) -> None:
        if not skip_bad:
            raise exc
        result.skipped.append(str(exc))

    path = Path(partition.name)
    if partition.whole_file:
        count = 0
        try:
            # open it by the name it was given (so messages name it so) when that name works here too
            for paper in _iter_file(path if path.exists() else Path(partition.path), partition.fmt, on_bad):
                count += 1
                yield paper
        except InputError as exc:
            if not skip_bad:
                raise
            result.skipped.append(f"{exc} ({'rest of the file' if count else 'whole file'} skipped)")
        return
    with open(partition.path, "rb") as handle:
        handle.seek(partition.start)
        data = handle.read(partition.end - partition.start)
    for number, raw in enumerate(io.BytesIO(data), start=partition.first_line):
        try:
            value = parse_line(raw, path, number)
            if value is None:
                continue
            paper = paper_from_record(value, partition.name, number)
        except InputError as exc:
            on_bad(exc)
            continue
        yield paper


def extract_partition(partition: Partition, key: tuple[str, ...], skip_bad: bool) -> PartitionResult:
    """A worker task: read one partition and extract its papers with the worker's (cached) pipeline."""
    result = PartitionResult()
    papers = _papers_of(partition, skip_bad, result)
    try:
        while batch := list(itertools.islice(papers, BATCH)):
            lines = extract_batch_lines(key, [(paper_text(paper), paper.id) for paper in batch])
            result.lines.extend(zip((paper.id for paper in batch), lines, strict=True))
    except InputError as exc:
        # a whole-file partition's file names itself as given, a byte range as ``partition.name`` already
        result.error = (exc.path, exc.line, exc.message)
    return result


def _load(key: tuple[str, ...]) -> int:
    load_pipeline(key)
    return os.getpid()


def warm_workers(client: Client, key: tuple[str, ...]) -> list[Future]:
    """Every worker starts loading the pipeline of gazetteer set ``key`` now (all at once) rather than in its
    first task; returns one future per worker."""
    return [
        client.submit(_load, key, workers=[worker], allow_other_workers=False, pure=False, key=f"kg-load-{worker}")
        for worker in client.scheduler_info()["workers"]
    ]


def iter_partition_results(
    client: Client, partitions: list[Partition], key: tuple[str, ...], skip_bad: bool, ahead: int
) -> Iterator[PartitionResult]:
    """Submit partitions to the cluster, at most ``ahead`` in flight (earlier ones first), and yield their
    results in input order; what is still in flight is cancelled if the caller stops early."""

    def submit(partition: Partition) -> Future:
        return client.submit(extract_partition, partition, key, skip_bad, pure=False, priority=-partition.index)

    queue = iter(partitions)
    pending: deque[Future] = deque(submit(partition) for partition in itertools.islice(queue, ahead))
    try:
        while pending:
            result = pending[0].result()
            pending.popleft().release()
            pending.extend(submit(partition) for partition in itertools.islice(queue, 1))
            yield result
    finally:
        if pending:
            client.cancel(list(pending))


def extract_lines_distributed(
    inputs: Sequence[str | Path],
    client: Client,
    fmt: str = "auto",
    gazetteer_paths: Sequence[str | Path] = (),
    skip_bad: bool = False,
    report: ReadReport | None = None,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
) -> Iterator[str]:
    """``kg extract`` lines of ``inputs`` (each paper id once, first wins), computed on the cluster of
    ``client`` (a ``distributed.Client``); same lines, order, report and errors as the local engine."""
    report = report if report is not None else ReadReport()
    key = gazetteer_key(gazetteer_paths)
    partitions = plan_partitions(inputs, fmt, partition_bytes)
    ranged = [p for p in partitions if not p.whole_file]
    counts = iter(client.gather([client.submit(count_newlines, p.path, p.start, p.end, pure=False) for p in ranged]))
    partitions = _number_lines(partitions, (0 if p.whole_file else next(counts) for p in partitions))
    client.gather(warm_workers(client, key))
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    seen: set[str] = set()
    total = 0
    for result in iter_partition_results(client, partitions, key, skip_bad, ahead=2 * workers + 1):
        report.skipped.extend(result.skipped)
        for paper_id, line in result.lines:
            total += 1
            if paper_id in seen:
                report.duplicates += 1
                continue
            seen.add(paper_id)
            report.papers += 1
            yield line
        if result.error is not None:
            raise InputError(*result.error)
    if total == 0:
        files = list(dict.fromkeys(p.name for p in partitions)) or [str(p) for p in inputs]
        names = ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
        skipped = f" ({len(report.skipped):,} bad records skipped)" if report.skipped else ""
        raise KgError(f"no papers read from {names}{skipped}")


def connect(scheduler: str | None, n_workers: int = 0) -> tuple[Client, LocalCluster | None]:
    """A ``distributed.Client`` of the scheduler at ``scheduler``, or of a new local cluster of ``n_workers``
    single-threaded worker processes (0: one per core); returns the client and the cluster it started."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise KgError("--engine dask needs dask.distributed: pip install 'kg[dist]'") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except OSError as exc:
            raise KgError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    cluster = LocalCluster(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster), cluster
