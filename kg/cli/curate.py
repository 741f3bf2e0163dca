"""``kg curate ...``: fix what extraction got wrong, in the build's ``overrides.yaml`` (``kg.api.curate``).

Each command records one decision, atomically, and checks its names against the build (a typo gets "did you
mean"); ``kg build --out OUT`` then applies it (a rebuild from the papers OUT holds), and every later ``kg build``
and ``kg add`` keeps applying it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.options import OUT_DEFAULT, Out
from kg.cli.options import Overrides as OverridesFile

Undo = Annotated[bool, typer.Option("--undo", help="Take this curation out again.")]


def _names(help_text: str) -> object:
    return Annotated[list[str], typer.Argument(metavar="NAME", help=help_text, show_default=False)]


def _one(metavar: str, help_text: str) -> object:
    return Annotated[str, typer.Argument(metavar=metavar, help=help_text, show_default=False)]


def _record(out: Path, overrides: Path | None, action: str, args: list[str], undo: bool) -> None:
    from kg.api import curate
    from kg.cli.common import errors, fail
    from kg.cli.output import stdout_console
    from kg.errors import KgError

    try:
        result = curate(out, action, args, undo=undo, overrides_path=overrides)
    except (KgError, OSError, UnicodeError) as exc:
        fail(exc)
        return
    for note in result.notes:
        errors.print(f"[yellow]note:[/] {_escape(note)}", highlight=False, soft_wrap=True)
    console = stdout_console()
    console.print(f"{_escape(str(result.path))}: {_escape(result.what)}", highlight=False, soft_wrap=True)
    if result.built:
        console.print(
            f"Apply it: kg build --out {_escape(str(out))} (rebuilds from the papers the build holds).",
            highlight=False,
            soft_wrap=True,
        )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    """Add the ``curate`` group to ``app``."""
    group = typer.Typer(
        help="Fix what extraction got wrong: record decisions in the build's overrides.yaml (applied by every "
        "build and add).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    app.add_typer(group, name="curate")

    @group.command("not-entity")
    def not_entity(
        names: _names("Names that are not entities (any alias or spelling), e.g. Squibs."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Leave NAME out of the graph and the site: it is not a method, model, dataset, benchmark or metric."""
        _record(out, overrides, "not-entity", names, undo)

    @group.command("type")
    def set_type(
        name: _one("NAME", "The entity, by any of its names."),  # type: ignore[valid-type]
        entity_type: _one("TYPE", "method, model, dataset, benchmark or metric."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Set the type of the entity NAME, whatever extraction said."""
        _record(out, overrides, "type", [name, entity_type], undo)

    @group.command("role")
    def set_role(
        paper: _one("PAPER", "The paper: its id (as 'kg query ... --json' shows) or its title."),  # type: ignore[valid-type]
        name: _one("NAME", "The entity, by any of its names."),  # type: ignore[valid-type]
        role: _one("ROLE", "proposes, uses (evaluates on, for a benchmark), mentions, or none (no link)."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Set how PAPER relates to NAME, for instance to undo a wrong "proposed by"."""
        _record(out, overrides, "role", [paper, name, role], undo)

    @group.command("same")
    def same(
        names: _names("Two or more names of one entity."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Merge: these names are one entity."""
        _record(out, overrides, "same", names, undo)

    @group.command("different")
    def different(
        names: _names("Two or more names of different entities."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Split: these names are different entities, whatever the gazetteer or folding says."""
        _record(out, overrides, "different", names, undo)

    @group.command("min-confidence")
    def min_confidence(
        value: _one("X", "From 0 to 1: extracted entities below it are left out."),  # type: ignore[valid-type]
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
        undo: Undo = False,
    ) -> None:
        """Leave out extracted entities below confidence X (kg build --min-confidence overrides it)."""
        _record(out, overrides, "min-confidence", [value], undo)

    @group.command("show")
    def show(
        out: Out = OUT_DEFAULT,
        overrides: OverridesFile = None,
    ) -> None:
        """List the curation of the build, one decision a line."""
        from kg.api import curation_of, describe_curation
        from kg.cli.common import fail
        from kg.cli.output import stdout_console
        from kg.errors import KgError

        try:
            path, found = curation_of(out, overrides)
        except (KgError, OSError, UnicodeError) as exc:
            fail(exc)
            return
        console = stdout_console()
        lines = describe_curation(found)
        console.print(f"{_escape(str(path))}: {len(lines)} decision{'' if len(lines) == 1 else 's'}", highlight=False)
        for line in lines:
            console.print(f"  {_escape(line)}", highlight=False, soft_wrap=True)
