"""``kg query ...``: questions asked of a built graph, answered from its query index (docs/queries.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli.common import fail
from kg.cli.options import Csv, Folder, Json, Limit, OldGraph, Since, Until, folder_and_target
from kg.cli.output import one_format, print_csv, print_table
from kg.errors import KgError

query_app = typer.Typer(help="Ask questions of a built graph.", no_args_is_help=True, rich_markup_mode=None)

Name = Annotated[str, typer.Argument(metavar="NAME", help="Entity name or any alias, e.g. DPO.", show_default=False)]
PaperArg = Annotated[
    str, typer.Argument(metavar="PAPER", help="The paper's id, or its exact title.", show_default=False)
]
Role = Annotated[
    str | None,
    typer.Option("--role", metavar="ROLE", help="Only papers that name it so: proposes, uses, evaluates-on, mentions."),
]
By = Annotated[str, typer.Option("--by", metavar="PERIOD", help="Periods of a year or a month: year, month.")]
Type = Annotated[
    str | None,
    typer.Option(
        "--type", metavar="TYPE", help="Only entities of this type (method, model, dataset, benchmark, metric)."
    ),
]
Window = Annotated[
    int, typer.Option("--window", min=1, metavar="N", help="Periods in each of the two windows compared.")
]
MinSupport = Annotated[
    int, typer.Option("--min-support", min=1, metavar="N", help="Papers an entity needs to be ranked at all.")
]
Top = Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="At most N items (0: no limit).")]


def register(app: typer.Typer) -> None:
    """Add the ``query`` group to ``app``."""
    app.add_typer(query_app, name="query")


def _folder(out: Path | None, graph: Path | None = None) -> Path:
    return folder_and_target(out, graph)[0]


def _answer(ask: Callable[[], Any]) -> Any:
    try:
        return ask()
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)


def _show(
    rows: Sequence[Any],
    as_json: bool,
    as_csv: bool,
    title: str,
    columns: Sequence[str],
    cells: Callable[[Any], Sequence[Any]],
    right: Sequence[str] = (),
) -> None:
    """Rows of dataclasses: one JSON line each, CSV of all their fields, or a table of ``columns``."""
    _answer(lambda: one_format(as_json, as_csv))
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
    elif as_csv:
        names = [f.name for f in fields(rows[0])] if rows else []
        print_csv(names, [[getattr(row, name) for name in names] for row in rows])
    else:
        print_table(title, columns, [cells(row) for row in rows], right=right)


@query_app.command("papers-using")
def papers_using(
    name: Name,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Limit = 0,
    since: Since = None,
    until: Until = None,
    role: Role = None,
    graph: OldGraph = None,
) -> None:
    """List the papers that use or evaluate on NAME (any alias or spelling; a near miss gets "did you mean")."""
    from kg.api import papers_using as find

    hits = _answer(lambda: find(_folder(out, graph), name, since=since, until=until, limit=limit or None, role=role))
    what = f"{role} " if role else "using "
    _show(
        hits,
        as_json,
        as_csv,
        f"{len(hits)} papers {what}{name}",
        ["paper", "relation", "date"],
        lambda h: (h.title, h.relation, h.date or h.year or ""),
        right=("date",),
    )


@query_app.command("evaluated-on")
def evaluated_on(
    name: Name,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """The benchmarks and datasets NAME (a method or model) is evaluated on, with paper counts."""
    from kg.api import evaluated_on as ask

    rows = _answer(lambda: ask(_folder(out), name, since=since, until=until, limit=limit or None))
    columns = ["benchmark or dataset", "type", "papers"]
    _show(rows, as_json, as_csv, f"{name} is evaluated on", columns, lambda r: (r.name, r.type, r.papers), ("papers",))


@query_app.command("methods-on")
def methods_on(
    name: Name,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """The methods and models evaluated on NAME (a benchmark or dataset), with paper counts."""
    from kg.api import methods_on as ask

    rows = _answer(lambda: ask(_folder(out), name, since=since, until=until, limit=limit or None))
    columns = ["method or model", "type", "papers"]
    _show(rows, as_json, as_csv, f"evaluated on {name}", columns, lambda r: (r.name, r.type, r.papers), ("papers",))


@query_app.command("used-with")
def used_with(
    name: Name,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 20,
    since: Since = None,
    until: Until = None,
    min_support: MinSupport = 2,
) -> None:
    """Entities named in the same papers as NAME, ranked by association (at least --min-support shared)."""
    from kg.api import used_with as ask

    rows = _answer(
        lambda: ask(_folder(out), name, since=since, until=until, limit=limit or None, min_support=min_support)
    )
    _show(
        rows,
        as_json,
        as_csv,
        f"used with {name}",
        ["entity", "type", "score", "together", "its papers"],
        lambda r: (r.name, r.type, f"{r.score:.3f}", r.papers, r.entity_papers),
        ("score", "together", "its papers"),
    )


@query_app.command("trend")
def trend(
    name: Name,
    out: Folder = None,
    by: By = "year",
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="The last N periods (0: all).")] = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """Papers per year (or month) naming NAME, by relation; periods without papers show as zero."""
    from kg.api import trend as ask

    found = _answer(lambda: ask(_folder(out), name, by=by, since=since, until=until, limit=limit or None))
    header = ["period", "papers", "proposes", "uses", "evaluates_on", "mentions"]
    rows = [[getattr(row, column) for column in header] for row in found.rows]
    undated = ["undated", found.undated] + [found.undated_by_relation.get(c, 0) for c in header[2:]]
    _answer(lambda: one_format(as_json, as_csv))
    if as_json:
        sys.stdout.write(json.dumps(asdict(found), ensure_ascii=False) + "\n")
    elif as_csv:
        print_csv(header, [*rows, undated])
    else:
        print_table(f"{name} by {by}", header, rows, right=tuple(header[1:]))
        if found.undated:
            what = "no date" if by == "year" else "no month"
            sys.stdout.write(f"{found.undated} more paper(s) with {what} are not counted above\n")


@query_app.command("new")
def new(
    out: Folder = None,
    since: Since = None,
    until: Until = None,
    entity_type: Type = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 50,
) -> None:
    """Entities first seen from --since DATE on, with the paper that introduced them (newest first)."""
    from kg.api import new_entities as ask

    rows = _answer(lambda: ask(_folder(out), since or "", until=until, types=entity_type, limit=limit or None))
    _show(
        rows,
        as_json,
        as_csv,
        f"new since {since}",
        ["entity", "type", "first seen", "papers", "first paper", "as"],
        lambda r: (r.name, r.type, r.first_seen, r.papers, r.paper_title, r.relation),
        ("papers",),
    )


@query_app.command("rising")
def rising(
    out: Folder = None,
    entity_type: Type = None,
    window: Window = 2,
    by: By = "year",
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 20,
    since: Since = None,
    until: Until = None,
    min_support: MinSupport = 2,
) -> None:
    """Entities whose use grows fastest: papers in the last --window periods against the window before."""
    from kg.api import rising as ask

    rows = _answer(
        lambda: ask(
            _folder(out),
            by=by,
            window=window,
            types=entity_type,
            since=since,
            until=until,
            limit=limit or None,
            min_support=min_support,
        )
    )
    _show(
        rows,
        as_json,
        as_csv,
        f"rising ({rows[0].periods})" if rows else "rising",
        ["entity", "type", "growth", "recent", "before"],
        lambda r: (r.name, r.type, f"{r.growth:+.2f}", r.recent, r.before),
        ("growth", "recent", "before"),
    )


@query_app.command("related")
def related(
    paper: PaperArg,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 10,
    since: Since = None,
    until: Until = None,
) -> None:
    """Papers closest to PAPER: sharing its most specific entities (weighted by rarity) and its references."""
    from kg.api import related as ask

    rows = _answer(lambda: ask(_folder(out), paper, since=since, until=until, limit=limit or None))
    _show(
        rows,
        as_json,
        as_csv,
        f"related to {paper}",
        ["paper", "date", "score", "shared"],
        lambda r: (r.title, r.date or "", f"{r.score:.2f}", ", ".join(r.shared[:6])),
        ("score",),
    )


def _citations(found: Any, as_json: bool, as_csv: bool, title: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(asdict(found), ensure_ascii=False) + "\n")
        return
    _show(found.papers, False, as_csv, title, ["paper", "date", "id"], lambda r: (r.title, r.date or "", r.paper_id))
    if not as_csv and found.outside:
        sys.stdout.write(f"{found.outside} more reference(s) to works outside the graph\n")


@query_app.command("cites")
def cites(
    paper: PaperArg,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """The papers of the graph that PAPER cites (where its source gave references)."""
    from kg.api import cites as ask

    found = _answer(lambda: ask(_folder(out), paper, since=since, until=until, limit=limit or None))
    _citations(found, as_json, as_csv, f"{found.title} cites")


@query_app.command("cited-by")
def cited_by(
    paper: PaperArg,
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 0,
    since: Since = None,
    until: Until = None,
) -> None:
    """The papers of the graph that cite PAPER."""
    from kg.api import cited_by as ask

    found = _answer(lambda: ask(_folder(out), paper, since=since, until=until, limit=limit or None))
    _citations(found, as_json, as_csv, f"{found.title} is cited by")


@query_app.command("compare")
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="An entity, by any name.", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="Another entity.", show_default=False)],
    out: Folder = None,
    as_json: Json = False,
    as_csv: Csv = False,
    limit: Top = 5,
    since: Since = None,
    until: Until = None,
) -> None:
    """A and B side by side: papers, benchmarks (or methods), co-used entities, first and last seen."""
    from kg.api import compare as ask

    found = _answer(lambda: ask(_folder(out), a, b, since=since, until=until, limit=limit or None))
    if as_json:
        sys.stdout.write(json.dumps(asdict(found), ensure_ascii=False) + "\n")
        return

    def listed(items: list[tuple[str, int]]) -> str:
        return ", ".join(f"{name} ({n})" for name, n in items)

    sides = (found.a, found.b)
    rows = [
        ["type", *(s.type for s in sides)],
        ["papers", *(s.papers for s in sides)],
        ["first seen", *(s.first_seen or "" for s in sides)],
        ["last seen", *(s.last_seen or "" for s in sides)],
        [
            "evaluated on" if found.a.type not in ("benchmark", "dataset") else "methods on",
            *(listed(s.evaluated) for s in sides),
        ],
        ["used with", *(listed(s.used_with) for s in sides)],
        ["papers naming both", found.shared_papers, found.shared_papers],
        ["evaluated on both", ", ".join(found.shared_evaluated), ", ".join(found.shared_evaluated)],
    ]
    if as_csv:
        print_csv(["", found.a.name, found.b.name], rows)
    else:
        print_table(f"{found.a.name} vs {found.b.name}", ["", found.a.name, found.b.name], rows)
