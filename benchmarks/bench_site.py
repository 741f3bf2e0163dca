"""What writing the site costs, against another version of the code in the same run: user CPU time of
``kg.sinks.site.write_site`` on the graph of each build folder given (its graph.json), for this tree and for a
baseline tree (a copy of ``kg/``, ``viz/`` and ``pipelines/`` of an earlier commit, e.g. ``git archive HEAD kg viz
pipelines | tar -x -C /tmp/base``), alternating, median of R rounds, each in a fresh process run in its tree (so
that tree's ``kg`` is imported), into a fresh folder. User CPU, not wall clock or system time, which are the disk's
(printed too). Prints the ratio this / baseline.

Run: .venv/bin/python benchmarks/bench_site.py BUILD... --baseline /tmp/base [--rounds 3] [--scratch /tmp/bench-site]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, shutil, sys, time
from pathlib import Path
import kg
from kg.graph.files import load_graph
from kg.sinks.site import write_site
graph = load_graph(Path(sys.argv[1]))
shutil.rmtree(Path(sys.argv[2]) / "site", ignore_errors=True)  # no old site to move aside and delete
before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
site = write_site(graph, Path(sys.argv[2]))
after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
pages = sum(1 for _ in site.rglob("*.html"))
print(json.dumps({"seconds": after.ru_utime - before.ru_utime, "system": after.ru_stime - before.ru_stime,
                  "wall": wall, "pages": pages, "kg": kg.__file__}))
"""


def write_once(tree: Path, build: Path, scratch: Path) -> dict[str, float]:
    """One ``write_site`` of ``build``'s graph with the code of ``tree``, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(build.resolve()), str(scratch.resolve())],
        env=env,
        cwd=tree.resolve(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", type=Path, help="build folders holding a graph.json")
    parser.add_argument("--baseline", type=Path, required=True, help="a folder with kg/ and viz/ of the baseline")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=None, help="where the sites are written (default: a temp)")
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="bench-site-"))
    report = {}
    for build in args.builds:
        runs: dict[str, list[dict]] = {"baseline": [], "this": []}
        for _ in range(args.rounds):
            for name, tree in (("baseline", args.baseline), ("this", ROOT)):
                runs[name].append(write_once(tree, build, scratch / name))
        median = {
            name: {k: statistics.median(r[k] for r in found) for k in ("seconds", "system", "wall")}
            for name, found in runs.items()
        }
        pages = {name: found[-1]["pages"] for name, found in runs.items()}
        base, this = median["baseline"]["seconds"], median["this"]["seconds"]
        report[str(build)] = {
            "median": median,
            "ratio": this / base,
            "pages": pages,
            "kg": {n: f[-1]["kg"] for n, f in runs.items()},
        }
        print(
            f"{build}: site written in {this:.2f} s user CPU ({pages['this']:,} pages; "
            f"wall {median['this']['wall']:.1f} s) "
            f"against {base:.2f} s ({pages['baseline']:,} pages; wall {median['baseline']['wall']:.1f} s) for the "
            f"baseline: ratio {this / base:.2f} (median of {args.rounds})"
        )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
