"""``kg query results`` and ``kg query best``: the results reported in the abstracts (docs/results.md)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from kg.cli.common import fail
from kg.cli.options import Folder, Json, Limit, Since, Until
from kg.cli.output import one_format, print_csv, print_table
from kg.errors import KgError

Benchmark = Annotated[
    str | None,
    typer.Option("--benchmark", metavar="NAME", help="Only results on this benchmark or dataset (any name)."),
]
Metric = Annotated[str | None, typer.Option("--metric", metavar="NAME", help="Only results of this metric.")]
Method = Annotated[
    str | None, typer.Option("--method", metavar="NAME", help="Only results of this method or model (any name).")
]
Kind = Annotated[str | None, typer.Option("--kind", metavar="KIND", help="absolute, gain or rank.")]
Csv = Annotated[bool, typer.Option("--csv", help="Print CSV (a header and one row per result).")]
COLUMNS = ("benchmark", "metric", "kind", "rank", "value", "unit", "score", "method", "own", "baseline", "setting",
           "date", "paper_id", "title", "sentence")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``results`` and ``best`` to the ``query`` group."""
    from kg.cli.query import query_app

    query_app.command("results")(results)
    query_app.command("best")(best)


def _print(hits: list, title: str, as_json: bool, as_csv: bool) -> None:
    one_format(as_json, as_csv)
    if as_json:
        for hit in hits:
            sys.stdout.write(json.dumps(hit.to_dict(), ensure_ascii=False) + "\n")
        return
    if as_csv:
        print_csv(COLUMNS, ([hit.to_dict()[c] for c in COLUMNS] for hit in hits))
        return
    rows = [
        (
            hit.benchmark,
            hit.metric or "",
            hit.rank or ("gain" if hit.kind == "gain" else hit.kind if hit.kind != "absolute" else ""),
            hit.shown,
            hit.method + (" (own)" if hit.own and hit.method != "this paper's method" else ""),
            hit.setting or "",
            hit.date or hit.year or "",
            hit.title,
        )
        for hit in hits
    ]
    print_table(
        title, ["benchmark", "metric", "#", "value", "method", "setting", "date", "paper"], rows, right=("#", "value")
    )


def results(
    benchmark: Benchmark = None,
    metric: Metric = None,
    method: Method = None,
    kind: Kind = None,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Limit = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """List the results reported in the abstracts: on a benchmark (leaderboard order: each metric's scores best
    first, then gains and ranks), of a method, a metric, dated from --since."""
    from kg.api import load_graph
    from kg.api import results as find

    try:
        graph = load_graph(out if out is not None else _default())
        hits = find(graph, benchmark, metric, method, since=since, until=until, kind=kind, limit=limit or None)
        about = " ".join(
            part for part in (f"on {benchmark}" if benchmark else "", f"by {method}" if method else "") if part
        )
        _print(hits, f"{len(hits)} results {about}".strip(), as_json, as_csv)
    except BrokenPipeError:
        raise  # the reader went away (kg query results | head): kg's entry point handles it
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)


def best(
    name: Annotated[
        str, typer.Argument(metavar="BENCHMARK", help="Benchmark or dataset, any name.", show_default=False)
    ],
    metric: Metric = None,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
) -> None:
    """The best score reported on BENCHMARK for each metric (by the metric's direction), with method and paper."""
    from kg.api import best as find
    from kg.api import load_graph

    try:
        hits = find(load_graph(out if out is not None else _default()), name, metric)
        _print(hits, f"best reported on {name}", as_json, as_csv)
    except BrokenPipeError:
        raise  # the reader went away (kg query results | head): kg's entry point handles it
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)


def _default():  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path("out")


def evaluate_results(gold, pred, split: str | None, as_json: bool, show_errors: bool) -> None:  # type: ignore[no-untyped-def]
    """``kg eval --results GOLD PRED``: result tuples scored against a results gold (docs/results.md)."""
    from kg.api import evaluate_results_files

    try:
        scored = evaluate_results_files(gold, pred, split)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    data = scored.to_dict()
    if show_errors:
        data["errors"] = scored.errors
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    rows = [
        (name, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", s["gold"], s["predicted"])
        for name, s in [*data["scores"].items(), *((f"kind {k}", v) for k, v in data["kinds"].items())]
    ]
    title = f"{data['papers']} papers" + (f" ({split})" if split else "")
    print_table(
        title,
        ["match", "precision", "recall", "F1", "gold", "predicted"],
        rows,
        right=("precision", "recall", "F1", "gold", "predicted"),
    )
    if data["wrong_on_matches"]:
        sys.stdout.write(f"wrong on value+benchmark matches: {data['wrong_on_matches']}\n")
    if show_errors:
        for error in scored.errors:
            sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
