"""``kg entity NAME --graph DIR``: how an entity was resolved, alias by alias."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("entity")
    def entity(
        name: Annotated[str, typer.Argument(help="Any name or alias, e.g. 'direct preference optimisation'.")],
        graph_dir: Annotated[Path, typer.Option("--graph", help="Folder written by 'kg build'.")] = Path("out"),
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        max_papers: Annotated[int, typer.Option(help="Papers listed per alias.")] = 5,
    ) -> None:
        """Show the canonical entity for NAME, its aliases with counts and the papers behind each.

        To change a decision, list names in OUT/overrides.yaml (same: [a, b] / different: [c, d]) and rebuild.
        """
        from rich.console import Console

        from kg.api import explain_entity, load_graph
        from kg.errors import KgError

        console = Console()
        try:
            explanations = explain_entity(load_graph(graph_dir, name), name)
        except KgError as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(code=2) from None
        if as_json:
            sys.stdout.write(json.dumps([asdict(e) for e in explanations], indent=2, ensure_ascii=False) + "\n")
            return
        for item in explanations:
            flags = " (generic)" if item.generic else ""
            console.print(f"[bold]{item.name}[/]  {item.type}{flags}  id={item.entity_id}", highlight=False)
            if item.full_name:
                console.print(f"  full name: {item.full_name}", highlight=False)
            if item.family:
                console.print(f"  variant of: {item.family}", highlight=False)
            if item.variants:
                console.print(f"  variants: {', '.join(item.variants)}", highlight=False)
            for scheme, value in sorted(item.external_ids.items()):
                console.print(f"  {scheme}: {value}", highlight=False)
            console.print("  relations: " + ", ".join(f"{k} {v}" for k, v in item.relations.items()), highlight=False)
            for alias in item.aliases:
                console.print(
                    f"  [cyan]{alias.alias!r}[/] x{alias.count}, {len(alias.papers)} paper(s)", highlight=False
                )
                for paper_id, title in alias.papers[:max_papers]:
                    console.print(f"      {paper_id}  {title[:90]}", highlight=False)
                if len(alias.papers) > max_papers:
                    console.print(f"      … {len(alias.papers) - max_papers} more", highlight=False)
