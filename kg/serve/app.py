"""The ``kg serve`` application (Starlette) and the server (uvicorn): read-only, on 127.0.0.1 unless told.

Routes: ``/sparql`` (SPARQL 1.1 Protocol: GET ``?query=``, POST form-encoded or ``application/sparql-query``;
``format`` parameter or ``Accept`` header), ``/api/<verb>`` (``kg.serve.verbs``), ``/api`` (the verbs), and the
build's ``site/`` under ``/``. Updates are refused with 403 on every route: ``/update``, an ``update`` parameter,
an ``application/sparql-update`` body, an update sent as a query. Nothing here writes the build folder.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from kg.errors import KgError, UsageError
from kg.serve.pool import Pool
from kg.serve.protocol import FORM_TYPE, QUERY_TYPE, UPDATE_TYPE, requested
from kg.serve.worker import Answer, json_error, text_answer

BODY_LIMIT = 1 * 2**20  # bytes of a POSTed query
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 10.0
_REFUSED = "SPARQL updates are refused: this endpoint is read-only"


def _response(answer: Answer) -> Any:
    from starlette.responses import Response

    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


async def _body(request: Any) -> bytes:
    """The request body, refused past ``BODY_LIMIT``."""
    size = int(request.headers.get("content-length") or 0)
    if size > BODY_LIMIT:
        raise UsageError(f"the request body is over {BODY_LIMIT // 2**20} MiB")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > BODY_LIMIT:
            raise UsageError(f"the request body is over {BODY_LIMIT // 2**20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise UsageError(f"the {name} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def create_app(folder: Path, pool: Pool) -> Any:
    """The application over the build in ``folder``, answering through ``pool`` (started by the caller)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from kg.serve.verbs import VERBS

    async def sparql(request: Any) -> Any:
        try:
            params = {key: request.query_params.getlist(key) for key in request.query_params}
            if request.method == "POST":
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                body = await _body(request)
                if media == UPDATE_TYPE:
                    return _response(text_answer(403, _REFUSED))
                if media == QUERY_TYPE:
                    if "query" in params:
                        raise UsageError("a query in the body and a query parameter: give one")
                    params["query"] = [body.decode("utf-8")]
                elif media == FORM_TYPE:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
                    for key, values in form.items():
                        params.setdefault(key, []).extend(values)
                else:
                    return _response(
                        text_answer(415, f"POST the query as {QUERY_TYPE} or {FORM_TYPE}, not {media or 'nothing'}")
                    )
            if "update" in params:
                return _response(text_answer(403, _REFUSED))
            query = _one(params, "query")
            if not query or not query.strip():
                raise UsageError("no query: give it as the query parameter (GET ?query=... or a POSTed form)")
            fmt = requested(_one(params, "format"))
            task = (
                "sparql",
                query,
                fmt,
                request.headers.get("accept"),
                params.get("default-graph-uri", []),
                params.get("named-graph-uri", []),
            )
        except UnicodeDecodeError:
            return _response(text_answer(400, "the request is not UTF-8 text"))
        except UsageError as exc:
            return _response(text_answer(400, str(exc)))
        return _response(await pool.run(task))

    async def api(request: Any) -> Any:
        verb = request.path_params["verb"]
        if verb not in VERBS:
            return _response(json_error(404, f"no API verb {verb!r}; the verbs: {', '.join(sorted(VERBS))}"))
        params = {}
        for key in request.query_params:
            values = request.query_params.getlist(key)
            if len(values) > 1:
                return _response(json_error(400, f"the {key} parameter is given {len(values)} times; give it once"))
            params[key] = values[0]
        if "update" in params:
            return _response(json_error(403, _REFUSED))
        return _response(await pool.run(("api", verb, params)))

    async def verbs(request: Any) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse({"verbs": sorted(VERBS), "usage": "/api/<verb>?name=...", "sparql": "/sparql?query=..."})

    async def refuse(request: Any) -> Any:
        return _response(text_answer(403, _REFUSED))

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        pool.close()

    site = folder / "site"
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/update", refuse, methods=methods),
        Route("/sparql/update", refuse, methods=methods),
        Route("/api", verbs, methods=["GET"]),
        Route("/api/{verb}", api, methods=["GET"]),
        Mount("/", app=StaticFiles(directory=site, html=True, check_dir=False)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``OSError`` in one line when taken); port 0: any free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise KgError(f"{host}:{port}: cannot listen there ({exc.strerror or exc})") from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def serve(
    folder: str | Path,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    processes: int = 0,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the build in ``folder`` until interrupted: its site, ``/sparql`` over its store and ``/api/``.
    ``processes``: query workers (0: one per core); ``timeout``: seconds a query may run; ``on_ready`` is told
    the server's URL once it listens (port 0: a free port, chosen here)."""
    import uvicorn

    folder = Path(folder)
    if not folder.is_dir():
        raise KgError(f"{folder}: no build here; run 'kg build INPUT... --out {folder}' first")
    if timeout <= 0:
        raise UsageError(f"--timeout {timeout:g}: give a number of seconds above 0")
    sock = bind(host, port)
    pool = Pool(folder, processes or os.cpu_count() or 1, timeout)
    try:
        pool.start()
        app = create_app(folder, pool)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2)
        server = uvicorn.Server(config)
        address = sock.getsockname()
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        if on_ready is not None:
            on_ready(f"http://{shown}:{address[1]}/")
        server.run(sockets=[sock])
    finally:
        pool.close()
        sock.close()
