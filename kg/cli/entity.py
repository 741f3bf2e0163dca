"""``kg entity NAME --out DIR``: how an entity was resolved, alias by alias."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.options import Folder, Json, OldGraph, folder_and_target, renamed


def register(app: typer.Typer) -> None:
    @app.command("entity")
    def entity(
        name: Annotated[
            str,
            typer.Argument(
                metavar="NAME", help="Any name or alias, e.g. 'direct preference optimisation'.", show_default=False
            ),
        ],
        out: Folder = None,
        as_json: Json = False,
        limit: Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="Papers listed per alias.")] = 5,
        graph: OldGraph = None,
        max_papers: Annotated[int | None, typer.Option("--max-papers", hidden=True)] = None,
    ) -> None:
        """Show the canonical entity for NAME, its aliases with counts and the papers behind each.

        To change a decision, curate it ('kg curate same A B', 'kg curate not-entity X', ...: the build's
        overrides.yaml, e.g. same: [a, b] / different: [c, d]) and rebuild with 'kg build --out OUT'.
        """
        from kg.api import explain_entity
        from kg.cli.common import fail
        from kg.cli.output import stdout_console
        from kg.errors import KgError

        console = stdout_console()
        try:
            folder, _ = folder_and_target(out, graph)
            shown = int(renamed(limit, max_papers, "--max-papers", "--limit"))  # type: ignore[call-overload]
            explanations = explain_entity(folder, name)
        except (KgError, OSError, UnicodeError) as exc:
            fail(exc)
            return
        if as_json:
            sys.stdout.write(json.dumps([asdict(e) for e in explanations], indent=2, ensure_ascii=False) + "\n")
            return
        for item in explanations:
            flags = " (generic)" if item.generic else ""
            console.print(f"[bold]{escape(item.name)}[/]  {item.type}{flags}  id={item.entity_id}", highlight=False)
            for note in item.curated:
                console.print(f"  curated: {escape(note)}", highlight=False)
            if item.full_name:
                console.print(f"  full name: {escape(item.full_name)}", highlight=False)
            if item.family:
                console.print(f"  variant of: {escape(item.family)}", highlight=False)
            if item.variants:
                console.print(f"  variants: {escape(', '.join(item.variants))}", highlight=False)
            for scheme, value in sorted(item.external_ids.items()):
                console.print(f"  {scheme}: {escape(str(value))}", highlight=False)
            console.print("  relations: " + ", ".join(f"{k} {v}" for k, v in item.relations.items()), highlight=False)
            if item.first_seen:
                seen = f"  {item.papers} paper(s), first seen {item.first_seen}, last seen {item.last_seen}"
                console.print(escape(seen), highlight=False)
            for alias in item.aliases:
                console.print(
                    f"  [cyan]{escape(repr(alias.alias))}[/] x{alias.count}, {len(alias.papers)} paper(s)",
                    highlight=False,
                )
                for paper_id, title in alias.papers[:shown] if shown else alias.papers:
                    console.print(f"      {escape(paper_id)}  {escape(title[:90])}", highlight=False)
                if shown and len(alias.papers) > shown:
                    console.print(f"      … {len(alias.papers) - shown} more", highlight=False)
