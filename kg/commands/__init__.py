"""CLI command groups, one module per feature; each exposes ``register(app: typer.Typer) -> None``.

Modules import their heavy dependencies inside the command functions, so ``kg --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

FEATURES = ("rdf", "neo4j", "site", "fetch", "entity", "dist")


def register_all(app: typer.Typer) -> None:
    for name in FEATURES:
        try:
            module = importlib.import_module(f"kg.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kg.commands.{name}":
                continue
            raise
        module.register(app)
