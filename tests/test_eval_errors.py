"""``kg eval --errors`` sorts every error into one class: false positive, missed, wrong type, role or boundary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kg.evaluate.scores import ERROR_KINDS, evaluate


def _entity(name: str, etype: str, role: str = "uses", mentions: list[str] | None = None) -> dict:
    return {"name": name, "type": etype, "role": role, "generic": False, "mentions": mentions or [name]}


GOLD = [
    {
        "id": "p1",
        "entities": [
            _entity("DPO", "method"),  # found, right
            _entity("GSM8K", "benchmark"),  # found as a dataset
            _entity("FooNet", "method", "proposes"),  # found with role uses
            _entity("BabyLM Challenge", "benchmark"),  # found as "BabyLM"
            _entity("ZetaRank", "method"),  # not found
        ],
    }
]
PRED = [
    {
        "id": "p1",
        "entities": [
            {**_entity("DPO", "method"), "mentions": [{"text": "DPO"}]},
            {**_entity("GSM8K", "dataset"), "mentions": [{"text": "GSM8K"}]},
            {**_entity("FooNet", "method", "uses"), "mentions": [{"text": "FooNet"}]},
            {**_entity("BabyLM", "benchmark"), "mentions": [{"text": "BabyLM"}]},
            {**_entity("GJW89", "method"), "mentions": [{"text": "GJW89"}]},  # a citation key
        ],
    }
]


def test_each_error_has_its_class() -> None:
    errors = evaluate(GOLD, PRED).errors
    by_kind = {kind: [e.get("gold") or e.get("pred") for e in errors if e["kind"] == kind] for kind in ERROR_KINDS}
    assert by_kind == {
        "false positive": ["GJW89"],
        "missed": ["ZetaRank"],
        "wrong type": ["GSM8K"],
        "wrong role": ["FooNet"],
        "wrong boundary": ["BabyLM Challenge"],
    }


def test_kg_eval_errors_prints_them_grouped(tmp_path: Path) -> None:
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text("\n".join(json.dumps(row) for row in GOLD) + "\n")
    pred.write_text("\n".join(json.dumps(row) for row in PRED) + "\n")
    out = subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", "eval", str(gold), str(pred), "--errors"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    headers = [line for line in out.splitlines() if line.split(":")[0] in ERROR_KINDS]
    assert headers == [f"{kind}: 1" for kind in ERROR_KINDS]
