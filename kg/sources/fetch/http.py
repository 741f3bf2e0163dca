"""A polite HTTP client: a minimum delay between requests, retries with exponential backoff on 429/5xx and on a
response broken off mid-way (honouring ``Retry-After``), all within ``Politeness.timeout`` seconds per request, and
one-line ``KgError`` messages. A server that cannot be reached at all (DNS, connection refused, no route) fails
at once: retrying would only make the user wait for the same answer."""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from kg import __version__
from kg.errors import KgError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"kg/{__version__} (knowledge-graph builder for ML papers; python-httpx)"
_SECRET_PARAMS = re.compile(r"((?:api_key|apikey|key)=)[^&]+", re.I)


# the server cannot be reached at all: no retry (a DNS failure or a refused connection does not heal in seconds)
UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.ProxyError)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "name resolution" in lowered:
        return f"the name does not resolve (DNS): {text}"
    if "connection refused" in lowered:
        return f"connection refused: {text}"
    if isinstance(exc, httpx.ConnectTimeout):
        return "no answer to the connection (timed out)"
    return text


class HttpError(KgError):
    """A response the server will not change its mind about (4xx other than 429)."""

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(slots=True)
class Politeness:
    """How hard to push a server: ``delay`` seconds between request starts; ``retries`` after the first try."""

    delay: float = 0.0
    retries: int = 5
    backoff: float = 2.0
    max_backoff: float = 120.0
    max_retry_after: float = 900.0
    timeout: float = 120.0  # seconds for one request, its retries and their waits included


def redact(url: str) -> str:
    """The URL with API keys in its query string replaced by ``***``."""
    return _SECRET_PARAMS.sub(r"\1***", url)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC).timestamp()
    return max(0.0, when.timestamp() - current)


def _server_message(response: httpx.Response) -> str:
    text = response.text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str) and data[key].strip():
                return " ".join(data[key].split())[:300]
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:300]


class HttpClient:
    """GET requests to one API with rate limiting and retries; counts requests, retries and time slept."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        politeness: Politeness | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.politeness = politeness or Politeness()
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self.retries = 0
        self.slept = 0.0
        self._last_start: float | None = None
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=self.politeness.timeout,
            follow_redirects=True,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)
            self.slept += seconds

    def back_off(self, attempt: int) -> None:
        """Sleep the exponential backoff of retry ``attempt`` (0-based) and count it as a retry."""
        self.retries += 1
        self._wait(min(self.politeness.max_backoff, self.politeness.backoff * 2**attempt))

    def _throttle(self) -> None:
        if self._last_start is not None and self.politeness.delay > 0:
            self._wait(self._last_start + self.politeness.delay - self.clock())
        self._last_start = self.clock()

    def get(self, path: str = "", params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET ``base_url + path``; retry 429/5xx and broken responses within ``politeness.timeout`` seconds; raise
        ``KgError`` at once when the server cannot be reached, and when it gives up."""
        return self.request("GET", path, params)

    def request(
        self, method: str, path: str = "", params: Mapping[str, Any] | None = None, body: Any = None
    ) -> httpx.Response:
        """``get`` with another method and a JSON ``body`` (a read that is safe to repeat, such as S2's
        ``POST /paper/batch``)."""
        url = self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        polite = self.politeness
        deadline = self.clock() + polite.timeout
        attempt = 0
        while True:
            self._throttle()
            self.requests += 1
            remaining = max(1.0, min(polite.timeout, deadline - self.clock()))
            try:
                response = self._client.request(method, url, params=query, json=body, timeout=remaining)
            except UNREACHABLE as exc:
                raise KgError(
                    f"{self.name}: cannot reach {httpx.URL(url).host or url} ({_reason(exc)}); "
                    "check the network connection or --base-url"
                ) from None
            except httpx.TransportError as exc:
                problem = f"network error ({type(exc).__name__}: {exc or 'no detail'})"
                wait, response = None, None
            else:
                if response.status_code < 400:
                    return response
                shown = redact(str(response.request.url))
                if response.status_code not in RETRY_STATUSES:
                    raise HttpError(
                        f"{self.name}: HTTP {response.status_code} from {shown}: {_server_message(response)}",
                        response.status_code,
                        response.text,
                    )
                problem = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response.headers.get("Retry-After"))
            where = redact(str(response.request.url)) if response is not None else redact(url)
            if attempt >= polite.retries:
                raise KgError(
                    f"{self.name}: {problem} from {where}, gave up after {attempt + 1} attempts; "
                    "re-run the same command later to resume"
                )
            if wait is not None and wait > polite.max_retry_after:
                raise KgError(
                    f"{self.name}: {problem}, server asks to retry after {wait:.0f} s "
                    f"(more than {polite.max_retry_after:.0f} s); re-run the same command later to resume"
                )
            pause = wait if wait is not None else min(polite.max_backoff, polite.backoff * 2**attempt)
            if self.clock() + pause > deadline:
                raise KgError(
                    f"{self.name}: {problem} from {where}, gave up after {attempt + 1} attempts within "
                    f"--timeout {polite.timeout:g} s; re-run the same command later to resume"
                )
            self._wait(pause)
            attempt += 1
            self.retries += 1

    def get_json(self, path: str = "", params: Mapping[str, Any] | None = None, body: Any = None) -> Any:
        """GET (POST with a JSON ``body``) and parse JSON; a body that is not JSON is a ``KgError`` naming the URL."""
        response = self.request("GET" if body is None else "POST", path, params, body)
        try:
            return response.json()
        except ValueError as exc:
            raise KgError(
                f"{self.name}: malformed JSON from {redact(str(response.request.url))} ({exc}); "
                "re-run the same command to resume"
            ) from None
