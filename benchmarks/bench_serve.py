"""Load test of ``kg serve`` on loopback, bounded: ``--requests`` requests (default 10,000) at ``--concurrency``
(default 16) with httpx's async client, half SPARQL (an indexed query: papers that evaluate on GSM8K, JSON
results) and half JSON API (``/api/papers-using?name=GSM8K``) unless ``--only`` says which; prints throughput,
latency percentiles (p50, p90, p99, max) and the count of non-200 answers, for each kind.

    .venv/bin/python benchmarks/bench_serve.py --out /tmp/serve/b100k --requests 10000 --concurrency 16

The server is started here (``kg serve --port 0``, ``-j`` workers) and stopped at the end; client and server
share the machine, so the figures include the client's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

KG = str(Path(sys.executable).parent / "kg")
SPARQL = (
    'SELECT ?paper ?title WHERE { ?b a kg:Benchmark ; skos:prefLabel "GSM8K" . '
    "?paper kg:evaluatesOn ?b ; dcterms:title ?title }"
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def load(url: str, requests: int, concurrency: int, kinds: list[str]) -> dict[str, object]:
    import httpx

    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    failures: dict[str, int] = {kind: 0 for kind in kinds}
    targets = {
        "sparql": ("/sparql", {"query": SPARQL}),
        "api": ("/api/papers-using", {"name": "GSM8K"}),
    }
    queue: asyncio.Queue[str] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(kinds[n % len(kinds)])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def user() -> None:
            while not queue.empty():
                kind = queue.get_nowait()
                path, params = targets[kind]
                started = time.perf_counter()
                answer = await client.get(path, params=params)
                latencies[kind].append(time.perf_counter() - started)
                if answer.status_code != 200:
                    failures[kind] += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    result: dict[str, object] = {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(requests / elapsed, 1),
    }
    for kind, values in latencies.items():
        result[kind] = {
            "requests": len(values),
            "non_200": failures[kind],
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p90_ms": round(1000 * percentile(values, 0.90), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "max_ms": round(1000 * max(values), 1),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="a build folder with oxigraph/")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", "-j", type=int, default=0, help="kg serve workers (0: one per core)")
    parser.add_argument("--only", choices=("sparql", "api"), help="one kind of request only")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    server = subprocess.Popen(
        [KG, "serve", "--out", str(options.out), "--port", "0", "-j", str(options.processes)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = server.stderr.readline()  # type: ignore[union-attr]
        if "http://" not in banner:
            raise SystemExit(f"kg serve did not start: {banner}{server.stderr.read()}")  # type: ignore[union-attr]
        url = banner.split(" on ", 1)[1].split(" ", 1)[0].rstrip("/")
        kinds = [options.only] if options.only else ["sparql", "api"]
        asyncio.run(load(url, min(200, options.requests), options.concurrency, kinds))  # warm: caches, connections
        figures = asyncio.run(load(url, options.requests, options.concurrency, kinds))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    figures["folder"] = str(options.out)
    figures["workers"] = options.processes or "one per core"
    text = json.dumps(figures, indent=1)
    print(text)
    if options.json:
        options.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
