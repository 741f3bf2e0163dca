"""The command line (``kg``): parse options, call the Python API, render the answer."""

from kg.cli.app import app, main

__all__ = ["app", "main"]
