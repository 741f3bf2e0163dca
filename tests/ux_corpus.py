"""A small corpus for the command-line tests of names, curation, inputs and progress: eight papers with the names
the issue tried (GSM8K, GSM-Plus, BIG-Bench Hard, DPO, MT-Bench), a journal section that extraction takes for a
method (Squibs), and dates as precise as a day, a month, a year, or none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KG = [str(Path(sys.executable).parent / "kg")]  # the installed command

PAPERS = [
    {
        "id": "2305.18290",
        "title": "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        "date": "2023-05-29",
        "abstract": "We propose Direct Preference Optimization (DPO), a stable alternative to RLHF with PPO. DPO "
        "matches PPO-based RLHF on MT-Bench and improves on GSM8K.",
    },
    {
        "id": "p-gsm",
        "title": "Grade school math with small models",
        "date": "2024-02",
        "abstract": "We evaluate on GSM8K and GSM-Plus with chain-of-thought prompting. We fine-tune Llama 2 with DPO "
        "and report accuracy on GSM8K.",
    },
    {
        "id": "p-bbh",
        "title": "Reasoning benchmarks revisited",
        "year": 2022,
        "abstract": "We evaluate on BIG-Bench Hard and GSM8K. Results on BIG-Bench Hard show gains from Direct "
        "Preference Optimization training.",
    },
    {
        "id": "p-squibs",
        "title": "Squibs: A note on tokenization",
        "date": "2021-07-15",
        "abstract": "We study tokenization with BPE on WikiText-103. We evaluate perplexity and use GPT-2 as the base "
        "model.",
    },
    {
        "id": "p-squibs2",
        "title": "Squibs: Attention heads revisited",
        "date": "2021-09-01",
        "abstract": "We analyse attention heads of BERT on GLUE. We use probing classifiers and report accuracy.",
    },
    {
        "id": "p-mt",
        "title": "Judging chat models",
        "date": "2024-06-11",
        "abstract": "We introduce a judge model and compare it with MT-Bench and AlpacaEval. We train with RLHF and "
        "PPO.",
    },
    {
        "id": "p-orpo",
        "title": "Odds ratio preference optimisation",
        "date": "2024-03-12",
        "abstract": "We propose ORPO, a monolithic preference optimisation method without a reference model, and "
        "compare with direct preference optimisation on AlpacaEval and MT-Bench.",
    },
    {
        "id": "p-undated",
        "title": "A survey of reward models",
        "abstract": "We survey reward models for RLHF, including process reward models and outcome reward models, "
        "evaluated on RewardBench.",
    },
]


def write_papers(path: Path, papers: list[dict] = PAPERS) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return path


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "KG_QUIET": "", **extra}


def kg(
    *args: str | Path, cwd: Path | None = None, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess:
    """``kg ARGS`` in a subprocess, stdout and stderr captured (pipes: no terminal)."""
    return subprocess.run(
        [*KG, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env(**extra), input=stdin, timeout=300
    )
