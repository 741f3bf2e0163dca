"""Instructions per abstract of the extraction pipeline, counted by valgrind's callgrind: a measure that does not
move with the machine's load (timings on a shared virtual machine swing by 20 % from one run to the next).

    python benchmarks/instructions.py CORPUS.jsonl [--warm 4000] [--count 300] [--start 20000]

The pipeline loads and extracts ``--warm`` papers (the first of the corpus) with counting off, then counts the
instructions of ``--count`` papers from line ``--start`` on. Run it for two checkouts (``PYTHONPATH=CHECKOUT``) on
the same arguments to compare them; the counts repeat to within 0.01 %. Needs ``valgrind`` (Debian package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--warm", type=int, default=4000, help="papers extracted before counting")
    parser.add_argument("--count", type=int, default=300, help="papers whose instructions are counted")
    parser.add_argument("--start", type=int, default=None, help="line of the first counted paper (default: --warm)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    start = args.warm if args.start is None else args.start
    if args.child:
        _extract(args.corpus, args.warm, start, args.count)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind not found: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={scratch}/callgrind.out",
            sys.executable,
            __file__,
            str(args.corpus),
            f"--warm={args.warm}",
            f"--count={args.count}",
            f"--start={start}",
            "--child",
        ]
        log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    collected = re.search(r"Collected : (\d+)", log)
    if collected is None:
        sys.exit(f"no count in valgrind's output:\n{log[-2000:]}")
    per_paper = int(collected.group(1)) / args.count
    print(f"{per_paper:,.0f} instructions per abstract ({args.count} papers from line {start}, {args.warm} before)")


def _extract(corpus: Path, warm: int, start: int, count: int) -> None:
    """In valgrind: extract the warm-up papers uncounted, then count the measured ones."""
    from kg.extract.pipeline import load_pipeline, paper_text
    from kg.sources.readers.records import paper_from_record

    texts = []
    with corpus.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if number > start + count:
                break
            if number <= warm or start < number:
                texts.append(paper_text(paper_from_record(json.loads(line), str(corpus), number)))
    nlp = load_pipeline()
    for _ in nlp.pipe(texts[:warm], batch_size=256):
        pass
    _instrument("on")
    for _ in nlp.pipe(texts[warm:], batch_size=256):
        pass
    _instrument("off")


def _instrument(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


if __name__ == "__main__":
    main()
