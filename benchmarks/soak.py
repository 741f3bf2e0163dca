"""Soak test of one build folder under random interleavings of ``kg build``, ``kg add``, ``kg query`` and kill -9.

Each round starts 2-4 commands at random moments (the real ``kg`` command, each a process), kills some writers
with SIGKILL at a random moment, and waits. A writer's effect on the folder is all or nothing, and writers run one
at a time, so the folder must answer as *some* serial order of the round's writers would: those that exited 0
applied, those that failed not applied, those killed either. After each round (and for every query during it):

- the papers of the graph (``kg query``'s view: ``load_graph``, the state or graph.json) are one of the paper sets
  that such an order gives;
- the papers of ``rdf/`` (parts minus retracted) are the same set;
- a query answered during the round gives ``papers-using NAME`` of one of those sets (before, between or after);
- no journal, no staging folder, no temporary file is left once a writer has run (a reader completes a journal).

    .venv/bin/python benchmarks/soak.py --rounds 200 --seed 1 [--work /tmp/soak]

Prints one line per round and a summary; exits 1 at the first round whose folder answers otherwise (the folder
is kept for a look). Not a timed test: minutes, not seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENUE = ROOT / "data" / "corpus" / "venue-abstracts-1980-2022.json"
KG = [sys.executable, "-c", "from kg.cli import main; main()"]


@dataclass
class Run:
    kind: str  # build, add, query
    papers: frozenset[str]  # build: the papers it builds; add: those it adds; query: none
    process: subprocess.Popen[str]
    killed: bool = False
    started: float = field(default_factory=time.monotonic)


def corpus(work: Path, base_size: int, batches: int, batch_size: int) -> tuple[Path, list[Path], dict[str, str]]:
    """The base papers and ``batches`` add files, from the bundled venue corpus; paper id -> title."""
    rows = json.loads(VENUE.read_text(encoding="utf-8"))
    papers = [
        {"id": f"p{n:04d}", "title": row["title"], "abstract": row["abstract"]}
        for n, row in enumerate(rows[: base_size + batches * batch_size])
    ]
    base = work / "base.jsonl"
    base.write_text("".join(json.dumps(p) + "\n" for p in papers[:base_size]), encoding="utf-8")
    files = []
    for b in range(batches):
        chunk = papers[base_size + b * batch_size : base_size + (b + 1) * batch_size]
        path = work / f"add-{b}.jsonl"
        path.write_text("".join(json.dumps(p) + "\n" for p in chunk), encoding="utf-8")
        files.append(path)
    return base, files, {p["id"]: p["title"] for p in papers}


def ids_of(path: Path) -> frozenset[str]:
    return frozenset(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"}


def start(args: list[str | Path], kind: str, papers: frozenset[str] = frozenset()) -> Run:
    process = subprocess.Popen([*KG, *map(str, args)], env=env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    return Run(kind, papers, process)


def graph_papers(out: Path) -> frozenset[str]:
    """The papers the folder's graph answers with (as kg query / entity / export see it)."""
    from kg.graph.files import load_graph

    graph = load_graph(out)
    return frozenset(data["paper_id"] for _, data in graph.nodes(data=True) if data.get("kind") == "Paper")


def rdf_papers(out: Path) -> frozenset[str]:
    """The papers typed kg:Paper in rdf/ (every part, minus retracted.nt)."""
    import pyoxigraph as ox

    lines: set[str] = set()
    folder = out / "rdf"
    for part in folder.glob("*.nt"):
        if part.name != "retracted.nt":
            lines |= {str(t) for t in ox.parse(path=str(part), format=ox.RdfFormat.N_TRIPLES)}
    retracted = folder / "retracted.nt"
    if retracted.exists():
        lines -= {str(t) for t in ox.parse(path=str(retracted), format=ox.RdfFormat.N_TRIPLES)}
    marker = "<https://w3id.org/kg-ml/ontology#Paper>"
    found = set()
    for line in lines:
        if line.endswith(marker) and "/paper/" in line:
            found.add(line.split("/paper/", 1)[1].split(">", 1)[0])
    return frozenset(found)


def outcomes(start_set: frozenset[str], writers: list[Run], prefixes: bool = False) -> set[frozenset[str]]:
    """Every paper set that some serial order of ``writers`` gives from ``start_set``: each writer that exited 0
    applied, each that failed skipped, each killed applied or skipped (``prefixes``: also the sets on the way,
    which a query during the round may see)."""
    results: set[frozenset[str]] = {start_set} if prefixes else set()
    choices = [[True] if r.process.returncode == 0 else [False] if not r.killed else [True, False] for r in writers]
    for applied in itertools.product(*choices):
        chosen = [r for r, a in zip(writers, applied, strict=True) if a]
        for order in itertools.permutations(chosen):
            papers = start_set
            for run in order:
                papers = run.papers if run.kind == "build" else papers | run.papers
                if prefixes:
                    results.add(papers)
            results.add(papers)
    return results


def uses(graph_ids: frozenset[str], reference: dict[str, set[str]], name: str) -> frozenset[str]:
    return frozenset(paper for paper in graph_ids if paper in reference.get(name, set()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-soak"))
    parser.add_argument("--kill-rate", type=float, default=0.35, help="chance that a writer is killed")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    chooser = random.Random(args.seed)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    base, batches, _ = corpus(args.work, 40, 6, 8)
    out = args.work / "out"
    formats = ["--formats", "graph,ntriples"]
    first = subprocess.run([*KG, "build", base, "--out", out, "-j", "1", *formats], env=env(), capture_output=True,
                           text=True)  # fmt: skip
    assert first.returncode == 0, first.stderr
    everything = args.work / "all.jsonl"
    everything.write_text("".join(p.read_text(encoding="utf-8") for p in [base, *batches]), encoding="utf-8")
    full = args.work / "full"
    subprocess.run([*KG, "build", everything, "--out", full, "-j", "1", *formats], env=env(), check=True,
                   capture_output=True)  # fmt: skip
    shutil.rmtree(out / "cache")
    shutil.copytree(full / "cache", out / "cache")  # every extraction cached: commands are quick
    from kg.graph.files import load_graph

    graph = load_graph(full)
    reference: dict[str, set[str]] = {}
    for source, target, data in graph.edges(data=True):
        if data.get("type") in ("USES", "EVALUATES_ON") and graph.nodes[target].get("label"):
            reference.setdefault(graph.nodes[target]["label"], set()).add(graph.nodes[source]["paper_id"])
    names = sorted(reference, key=lambda n: -len(reference[n]))[:3]  # the most used entities
    known = graph_papers(out)
    assert known == ids_of(base)
    counts = {"rounds": 0, "commands": 0, "killed": 0, "failed": 0, "queries": 0, "recovered": 0}
    started = time.monotonic()
    for round_number in range(1, args.rounds + 1):
        runs: list[Run] = []
        for _ in range(chooser.randint(2, 4)):
            kind = chooser.choices(["build", "add", "query"], weights=[2, 4, 3])[0]
            if kind == "build":
                chosen = [base, *chooser.sample(batches, chooser.randint(0, 2))]
                source = args.work / f"build-{round_number}-{len(runs)}.jsonl"
                source.write_text("".join(p.read_text(encoding="utf-8") for p in chosen), encoding="utf-8")
                runs.append(start(["build", source, "--out", out, "-j", "1", "--wait", "120", *formats], "build",
                                  ids_of(source)))  # fmt: skip
            elif kind == "add":
                batch = chooser.choice(batches)
                runs.append(start(["add", batch, "--out", out, "-j", "1", "--wait", "120"], "add", ids_of(batch)))
            else:
                name = chooser.choice(names)
                runs.append(start(["query", "papers-using", name, "--out", out, "--json"], f"query:{name}"))
            time.sleep(chooser.uniform(0, 0.8))
        writers = [r for r in runs if r.kind in ("build", "add")]
        victims = [r for r in writers if chooser.random() < args.kill_rate]
        for victim in victims:
            time.sleep(chooser.uniform(0, 2.5))
            if victim.process.poll() is None:
                victim.process.send_signal(signal.SIGKILL)
                victim.killed = True
        for run in runs:
            _, stderr = run.process.communicate(timeout=600)
            if run.process.returncode not in (0, -signal.SIGKILL) or (run.process.returncode != 0 and not run.killed):
                if "Traceback" in stderr or not stderr.startswith("error:"):
                    print(f"round {round_number}: {run.kind} exit {run.process.returncode}: {stderr}")
                    return 1
                counts["failed"] += 1
            run.stdout = _  # type: ignore[attr-defined]
        possible = outcomes(known, writers)
        journal = (out / ".kg-journal").exists()
        now = graph_papers(out)  # a reader: completes or voids a journal a killed writer left
        counts["recovered"] += journal
        rdf = rdf_papers(out)
        problems = []
        if now not in possible:
            problems.append(f"graph has {len(now)} papers, not one of {sorted(len(p) for p in possible)}")
        if rdf != now:
            problems.append(f"rdf/ has {len(rdf)} papers where the graph has {len(now)}")
        for run in runs:
            if run.kind.startswith("query:") and run.process.returncode == 0:
                counts["queries"] += 1
                answer = {json.loads(line)["paper_id"] for line in run.stdout.splitlines() if line}  # type: ignore[attr-defined]
                name = run.kind.split(":", 1)[1]
                states = outcomes(known, writers, prefixes=True)
                if not any(answer == uses(state, reference, name) for state in states):
                    problems.append(f"query {name} answered {len(answer)} papers, no serial order gives that")
        if (out / ".kg-journal").exists():
            problems.append("a journal is left after a read")
        if problems:
            print(f"round {round_number}: FAILED: {'; '.join(problems)} (folder kept: {out})")
            return 1
        known = now
        counts["rounds"] += 1
        counts["commands"] += len(runs)
        counts["killed"] += sum(r.killed for r in runs)
        kinds = " ".join(
            f"{r.kind.split(':')[0]}{'(killed)' if r.killed else '' if r.process.returncode == 0 else '(failed)'}"
            for r in runs
        )
        print(f"round {round_number}: {kinds} -> {len(now)} papers ({time.monotonic() - started:.0f} s)", flush=True)
    leftovers = [p.name for p in args.work.iterdir() if ".kg-build-" in p.name]
    print(json.dumps({**counts, "seconds": round(time.monotonic() - started, 1), "staging_left": leftovers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
