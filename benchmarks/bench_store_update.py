"""What ``kg add`` pays to keep the SPARQL store current: the store of a build updated for N papers (their
triples and every entity's replaced, as ``kg.sinks.rdf_store.update_store`` does in an add's staging folder)
vs the store written again in full from the build's Turtle, in one run, with the ratio.

    .venv/bin/python benchmarks/bench_store_update.py --out /tmp/serve/b100k --papers 1000

The N papers are the last N of the build (already in the store: their old triples are found and removed, so this
costs at least what an add of N new papers does). Nothing in ``--out`` is changed: both stores are written into
a temporary folder beside it (the checkpoint's hard links need the same file system).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="a build folder with oxigraph/ and graph.ttl")
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--full", action="store_true", help="also time the full reload from graph.ttl")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    from kg.graph.state_view import StateView
    from kg.sinks.rdf_store import update_store, write_store
    from kg.store.state import BuildState

    out = options.out.resolve()
    state = BuildState(out / "state.sqlite", readonly=True, check=False)
    base = state.meta("base_iri") or "https://w3id.org/kg-ml/"
    started, used = time.perf_counter(), cpu()
    view = StateView.open(state)
    ids = [stored.paper.id for stored in state.iter_papers()][-options.papers :]
    figures: dict[str, object] = {"folder": str(out), "papers": len(ids)}
    figures["open the state view (s)"] = round(time.perf_counter() - started, 2)
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        staging = Path(scratch) / "incremental"
        staging.mkdir()
        started, used = time.perf_counter(), cpu()
        update_store(view, out, staging, ids, base)
        figures["update for the papers (wall s, CPU s)"] = [
            round(time.perf_counter() - started, 2),
            round(cpu() - used, 2),
        ]
        shutil.rmtree(staging)
        if options.full:
            full = Path(scratch) / "full"
            full.mkdir()
            started, used = time.perf_counter(), cpu()
            write_store(None, full, base, out / "graph.ttl")  # type: ignore[arg-type]
            figures["full reload from graph.ttl (wall s, CPU s)"] = [
                round(time.perf_counter() - started, 2),
                round(cpu() - used, 2),
            ]
            update, whole = (
                figures["update for the papers (wall s, CPU s)"],
                figures["full reload from graph.ttl (wall s, CPU s)"],
            )
            figures["full / update (CPU)"] = round(whole[1] / max(update[1], 1e-3), 1)  # type: ignore[index]
    state.close()
    text = json.dumps(figures, indent=1)
    print(text)
    if options.json:
        options.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
