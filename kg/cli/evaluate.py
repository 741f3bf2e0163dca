"""``kg eval GOLD PRED``: score extractions against a hand-annotated gold file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import console, fail
from kg.errors import KgError


def register(app: typer.Typer) -> None:
    """Add ``eval`` and ``train`` to ``app``."""
    app.command("eval")(evaluate)
    app.command("train")(train)


def train(
    gold: Annotated[list[Path], typer.Argument(help="Gold JSONL file(s) in the annotation guidelines' format.")],
    papers: Annotated[
        list[Path], typer.Option("--papers", help="Input files holding the gold abstracts (matched by id).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write.")] = Path("pipelines/scorer.json"),
) -> None:
    """Fit the candidate scorer on your own annotations (needs scikit-learn: pip install 'kg[train]')."""
    from kg.api import read, train_scorer

    try:
        report = train_scorer(gold, read(papers), out)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    console.print(
        f"{report.examples} entities judged ({report.positives} right, {report.droppable} the scorer may drop) "
        f"against {report.gold} gold entities; out-of-fold F1 {report.f1_rules:.3f} (rules) -> "
        f"{report.f1_scored:.3f} (threshold {report.threshold}); wrote {escape(str(out))}",
        highlight=False,
        soft_wrap=True,
    )


def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL in the annotation guidelines' format.")],
    pred: Annotated[Path, typer.Argument(help="Predictions: the JSONL written by 'kg extract'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_errors: Annotated[
        bool,
        typer.Option("--errors", help="List the errors by class: false positive, missed, wrong type, role, boundary."),
    ] = False,
    results: Annotated[
        bool,
        typer.Option("--results", help="Score the results (value, benchmark, metric, subject) against a results gold."),
    ] = False,
    split: Annotated[
        str | None, typer.Option("--split", metavar="NAME", help="With --results: only the gold papers of this split.")
    ] = None,
) -> None:
    """Score predictions against gold: P/R/F1 per type, type and role accuracy (--results: result tuples)."""
    from kg.api import evaluate_files

    if results:
        from kg.cli.results import evaluate_results

        evaluate_results(gold, pred, split, as_json, show_errors)
        return
    try:
        result = evaluate_files(gold, pred)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    data = result.to_dict()
    if show_errors:
        data["errors"] = result.errors
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{data['papers']} papers")
    for column in ("type", "precision", "recall", "F1", "gold", "predicted"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for name, scores in data["scores"].items():
        table.add_row(
            name,
            f"{scores['precision']:.3f}",
            f"{scores['recall']:.3f}",
            f"{scores['f1']:.3f}",
            str(scores["gold"]),
            str(scores["predicted"]),
        )
    console.print(table)
    console.print(
        f"type accuracy {data['type_accuracy']:.3f}, role accuracy {data['role_accuracy']:.3f} "
        f"on {data['matched']} matched entities"
    )
    if data.get("clustering"):
        c = data["clustering"]
        console.print(
            f"resolution (pairwise, across papers): precision {c['precision']:.3f}, recall {c['recall']:.3f}, "
            f"F1 {c['f1']:.3f} over {c['mentions']} found mentions"
        )
    if data["missing_papers"]:
        console.print(f"[yellow]{len(data['missing_papers'])} gold papers had no prediction[/]")
    if show_errors:
        print_errors(result.errors)


def print_errors(errors: list[dict]) -> None:
    """The errors grouped by class (false positive, missed, wrong type, wrong role, wrong boundary), counted."""
    from kg.api import ERROR_KINDS

    for kind in ERROR_KINDS:
        found = [error for error in errors if error["kind"] == kind]
        console.print(f"[bold]{kind}[/]: {len(found)}", highlight=False)
        for error in found:
            details = {k: v for k, v in error.items() if k != "kind"}
            console.print("  " + escape(json.dumps(details, ensure_ascii=False)), highlight=False, soft_wrap=True)
