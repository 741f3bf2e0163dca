"""``kg serve``: the build's site, a SPARQL endpoint and a JSON API on a local, read-only HTTP server."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kg.cli.options import Folder, Host, Port, Timeout

Workers = Annotated[  # the vocabulary's --processes/-j, said of queries
    int, typer.Option("--processes", "-j", min=0, metavar="N", help="Query worker processes (0: one per core).")
]


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        out: Folder = None,
        host: Host = "127.0.0.1",
        port: Port = 8000,
        timeout: Timeout = 10.0,
        processes: Workers = 0,
    ) -> None:
        """Serve a build read-only over HTTP: its site at /, SPARQL 1.1 at /sparql, JSON answers at /api/VERB.

        Listens on 127.0.0.1 (this machine only) unless --host says otherwise; Ctrl-C stops it. A query is
        stopped after --timeout seconds; updates are refused. Examples: docs/serve.md.
        """
        from kg.cli.common import fail
        from kg.cli.options import OUT_DEFAULT
        from kg.errors import KgError
        from kg.serve.app import serve

        folder = out if out is not None else OUT_DEFAULT

        def ready(url: str) -> None:
            sys.stderr.write(
                f"serving {folder} on {url} (site), {url}sparql (SPARQL), {url}api/ (JSON); Ctrl-C stops\n"
            )
            sys.stderr.flush()

        try:
            serve(folder, host=host, port=port, timeout=timeout, processes=processes, on_ready=ready)
        except (KgError, OSError) as exc:
            fail(exc)
