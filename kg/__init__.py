"""kg: a knowledge-graph builder for the machine-learning literature.

The Python API is ``kg.api`` (``kg.read``, ``kg.build``, ``kg.papers_using``, ... are the same functions); the
stage packages, in the order data flows: ``sources`` -> ``extract`` -> ``resolve`` -> ``store`` -> ``graph`` ->
``sinks`` -> ``query``; ``workflow`` runs them on a build folder and ``cli`` is the ``kg`` command.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    """``kg.read``, ``kg.build``, ...: the functions of ``kg.api``, imported on first use."""
    if name.startswith("_"):
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    api = importlib.import_module("kg.api")
    if name in api.__all__:
        return getattr(api, name)
    try:  # a stage package or module not imported yet: kg.types, kg.sinks, ...
        return importlib.import_module(f"kg.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"kg.{name}":
            raise
        raise AttributeError(f"module 'kg' has no attribute {name!r}") from None
