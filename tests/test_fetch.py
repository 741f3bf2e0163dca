"""Fetchers against a real HTTP server on 127.0.0.1 replaying recorded responses (no internet, no sleeping)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.sources.fetch.arxiv import fetch_arxiv
from kg.sources.fetch.convert import arxiv_id_from, normalise_doi, rebuild_abstract
from kg.sources.fetch.http import HttpClient, Politeness, retry_after_seconds
from kg.sources.fetch.openalex import fetch_openalex
from kg.sources.fetch.s2 import fetch_s2
from kg.sources.fetch.store import state_path
from kg.sources.readers import read_papers

DATA = Path(__file__).parent / "data" / "fetch"
GRPO = "cat:cs.CL AND abs:GRPO"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def file(cls, name: str, status: int = 200, **headers: str) -> Reply:
        kind = "application/atom+xml" if name.endswith(".xml") else "application/json"
        return cls(status, (DATA / name).read_bytes(), {"Content-Type": kind, **headers})

    @classmethod
    def text(cls, status: int, text: str, **headers: str) -> Reply:
        return cls(status, text.encode(), {"Content-Type": "text/plain", **headers})


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    method: str = "GET"
    body: bytes = b""


class Server:
    """Replays ``script`` in order, one reply per request, and records what was asked."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.seen.append(Seen(parts.path, params, headers, self.command, body))
                reply = server.script.pop(0) if server.script else Reply.text(599, "unexpected request")
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_POST = do_GET  # S2's /paper/batch: what was posted is in Seen.body

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def params(self, name: str) -> list[str | None]:
        return [seen.params.get(name) for seen in self.seen]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


class FakeTime:
    """A clock that moves only when something sleeps: rate limits and backoff are checked without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def no_delay(retries: int = 5) -> Politeness:
    return Politeness(delay=0, retries=retries)


# --- arXiv -------------------------------------------------------------------------------------------------


def test_arxiv_pages_with_429_and_500_retried(server: Server, tmp_path: Path) -> None:
    server.script = [
        Reply.text(429, "Rate exceeded.", **{"Retry-After": "7"}),
        Reply.file("arxiv_page1.xml"),
        Reply.text(500, "Internal Server Error"),
        Reply.file("arxiv_page2.xml"),
        Reply.file("arxiv_page3.xml"),
    ]
    fake = FakeTime()
    out = tmp_path / "papers.jsonl"
    summary = fetch_arxiv(GRPO, out, page_size=2, base_url=server.url, politeness=no_delay(), sleep=fake.sleep)

    assert server.params("start") == ["0", "0", "2", "2", "4"]
    assert server.params("search_query") == [GRPO] * 5
    assert server.params("sortBy") == ["submittedDate"] * 5 and server.params("sortOrder") == ["descending"] * 5
    assert server.seen[0].headers["user-agent"].startswith("kg/")
    assert fake.sleeps == [7.0, 2.0]  # Retry-After honoured, then exponential backoff from 2 s
    assert (summary.new, summary.papers, summary.total, summary.complete) == (5, 5, 5, True)
    assert (summary.requests, summary.retries) == (5, 2)

    records = lines(out)
    assert [r["id"] for r in records] == [
        "arxiv:2504.13837", "arxiv:2503.20783", "arxiv:2503.14476", "arxiv:2501.12948", "arxiv:2402.03300",
    ]  # fmt: skip
    assert list(records[0]) == ["id", "title", "abstract", "date", "year", "authors", "venue", "url", "doi", "arxiv_id"]
    first = records[0]
    assert first["title"] == (
        "Does Reinforcement Learning Really Incentivize Reasoning Capacity in LLMs Beyond the Base Model?"
    )
    assert first["abstract"].startswith(
        "Reinforcement Learning with Verifiable Rewards (RLVR) is credited with improving"
    )
    assert (first["date"], first["year"], first["venue"]) == ("2025-04-18", 2025, "arXiv")
    assert first["authors"] == ["Yang Yue", "Zhiqi Chen", "Gao Huang"]
    assert (first["url"], first["arxiv_id"], first["doi"]) == ("https://arxiv.org/abs/2504.13837", "2504.13837", None)
    dapo = records[2]
    assert (dapo["venue"], dapo["doi"]) == ("NeurIPS 2025", "10.5555/dapo.2025.001")

    state = json.loads(state_path(out).read_text())
    assert state["complete"] is True and state["papers"] == 5 and state["next"] is None

    papers = read_papers([out])  # the output is the JSON reader's format
    assert [p.arxiv_id for p in papers][:2] == ["2504.13837", "2503.20783"]
    assert papers[4].date == "2024-02-05" and papers[4].authors[0] == "Zhihong Shao"


def test_arxiv_resumes_after_failure(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "papers.jsonl"
    fake = FakeTime()
    server.script = [Reply.file("arxiv_page1.xml"), Reply.text(503, "busy"), Reply.text(503, "busy")]
    with pytest.raises(KgError, match=r"arXiv: HTTP 503 from .* gave up after 2 attempts; re-run the same command"):
        fetch_arxiv(GRPO, out, page_size=2, base_url=server.url, politeness=no_delay(retries=1), sleep=fake.sleep)
    assert [r["arxiv_id"] for r in lines(out)] == ["2504.13837", "2503.20783"]
    assert json.loads(state_path(out).read_text())["next"] == 2

    server.seen.clear()
    server.script = [Reply.file("arxiv_page2.xml"), Reply.file("arxiv_page3.xml")]
    summary = fetch_arxiv(GRPO, out, page_size=2, base_url=server.url, politeness=no_delay(), sleep=fake.sleep)
    assert server.params("start") == ["2", "4"]
    assert (summary.new, summary.papers, summary.complete) == (3, 5, True)
    ids = [r["id"] for r in lines(out)]
    assert len(ids) == len(set(ids)) == 5

    server.seen.clear()
    again = fetch_arxiv(GRPO, out, page_size=2, base_url=server.url, politeness=no_delay(), sleep=fake.sleep)
    assert server.seen == [] and again.stopped == "already complete" and again.papers == 5


def test_arxiv_max_stops_mid_page_and_a_larger_max_continues(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "papers.jsonl"
    server.script = [Reply.file("arxiv_page1.xml"), Reply.file("arxiv_page2.xml")]
    summary = fetch_arxiv(GRPO, out, max_papers=3, page_size=2, base_url=server.url, politeness=no_delay())
    assert (summary.papers, summary.complete, summary.stopped) == (3, False, "reached --limit 3")
    assert json.loads(state_path(out).read_text())["next"] == 2  # the page that was only partly used

    server.seen.clear()
    server.script = [Reply.file("arxiv_page2.xml"), Reply.file("arxiv_page3.xml")]
    summary = fetch_arxiv(GRPO, out, max_papers=10, page_size=2, base_url=server.url, politeness=no_delay())
    assert server.params("start") == ["2", "4"]
    assert (summary.new, summary.duplicates, summary.papers) == (2, 1, 5)
    assert len({r["id"] for r in lines(out)}) == 5


def test_arxiv_empty_result(server: Server, tmp_path: Path) -> None:
    server.script = [Reply.file("arxiv_empty.xml")]
    out = tmp_path / "none.jsonl"
    summary = fetch_arxiv("abs:zzzqqqxxy", out, base_url=server.url, politeness=no_delay())
    assert (summary.papers, summary.total, summary.complete) == (0, 0, True)
    assert out.read_text() == "" and json.loads(state_path(out).read_text())["complete"] is True


def test_arxiv_malformed_page_is_one_clear_error_and_leaves_no_file(server: Server, tmp_path: Path) -> None:
    server.script = [Reply.file("arxiv_malformed.xml")]
    out = tmp_path / "papers.jsonl"
    with pytest.raises(KgError) as caught:
        fetch_arxiv(GRPO, out, base_url=server.url, politeness=no_delay())
    message = str(caught.value)
    assert "\n" not in message and message.startswith("arXiv: malformed Atom from start=0")
    assert not out.exists() and not state_path(out).exists()


def test_arxiv_error_feed_and_transient_empty_page(server: Server, tmp_path: Path) -> None:
    server.script = [Reply.file("arxiv_error.xml", status=400)]
    with pytest.raises(KgError, match="arXiv rejected the query: start must be an integer greater than or equal to 0"):
        fetch_arxiv(GRPO, tmp_path / "a.jsonl", base_url=server.url, politeness=no_delay())

    fake = FakeTime()
    server.script = [
        Reply.file("arxiv_page1.xml"),
        Reply.file("arxiv_transient_empty.xml"),  # arXiv's known hiccup: no entries although more remain
        Reply.file("arxiv_page2.xml"),
        Reply.file("arxiv_page3.xml"),
    ]
    server.seen.clear()
    summary = fetch_arxiv(
        GRPO, tmp_path / "b.jsonl", page_size=2, base_url=server.url, politeness=no_delay(), sleep=fake.sleep
    )
    assert server.params("start") == ["0", "2", "2", "4"] and fake.sleeps == [2.0]
    assert (summary.papers, summary.retries, summary.complete) == (5, 1, True)


def test_out_file_guards(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "papers.jsonl"
    out.write_text('{"id": "x", "title": "Mine", "abstract": ""}\n')
    with pytest.raises(KgError, match=r"exists but was not written by 'kg fetch'.*--restart"):
        fetch_arxiv(GRPO, out, base_url=server.url, politeness=no_delay())
    assert server.seen == []

    server.script = [Reply.file("arxiv_page3.xml")]
    fetch_arxiv(GRPO, out, max_papers=1, base_url=server.url, politeness=no_delay(), restart=True)
    assert [r["id"] for r in lines(out)] == ["arxiv:2402.03300"]
    with pytest.raises(KgError, match="holds a different fetch"):
        fetch_arxiv("abs:DPO", out, base_url=server.url, politeness=no_delay())


# --- HTTP client ---------------------------------------------------------------------------------------------


def test_rate_limit_spaces_requests(server: Server) -> None:
    fake = FakeTime()
    server.script = [Reply.text(200, "ok")] * 3
    with HttpClient(server.url, name="test", politeness=Politeness(delay=3.0), sleep=fake.sleep, clock=fake.clock) as c:
        for _ in range(3):
            c.get("/x")
    assert fake.sleeps == [3.0, 3.0]

    server.script = [Reply.text(200, "ok")] * 4  # and with the real clock, without sleeping in the test body
    started = time.monotonic()
    with HttpClient(server.url, name="test", politeness=Politeness(delay=0.05)) as client:
        for _ in range(4):
            client.get("/x")
    assert time.monotonic() - started >= 0.15


def test_unreachable_servers_fail_at_once_and_retries_stay_within_the_timeout(server: Server) -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{closed.server_address[1]}"
    closed.server_close()  # nothing listens there any more: connection refused, as offline or a DNS failure
    fake = FakeTime()
    with (
        HttpClient(url, name="test", politeness=Politeness(retries=5), sleep=fake.sleep) as client,
        pytest.raises(KgError, match=r"test: cannot reach 127\.0\.0\.1 \(connection refused"),
    ):
        client.get("/x")
    assert (client.requests, fake.sleeps) == (1, [])  # no retry, no wait
    with (
        HttpClient(
            "http://no-such-host.invalid", name="test", politeness=Politeness(retries=5), sleep=fake.sleep
        ) as client,
        pytest.raises(KgError, match=r"cannot reach no-such-host\.invalid \(the name does not resolve \(DNS\)"),
    ):
        client.get("/x")
    assert fake.sleeps == []
    server.script = [Reply.text(503, "busy")] * 6  # 2 + 4 + 8 = 14 s of backoff fit in 15 s; the next 16 do not
    clock = FakeTime()
    politeness = Politeness(retries=9, backoff=2.0, timeout=15.0)
    with (
        HttpClient(server.url, name="test", politeness=politeness, sleep=clock.sleep, clock=clock.clock) as client,
        pytest.raises(KgError, match=r"HTTP 503 .*gave up after 4 attempts within --timeout 15 s"),
    ):
        client.get("/x")
    assert clock.sleeps == [2.0, 4.0, 8.0]


def test_retry_after_limits_and_formats(server: Server) -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None
    server.script = [Reply.text(429, "slow down", **{"Retry-After": "86400"})]
    with (
        HttpClient(server.url, name="test", politeness=Politeness(), sleep=FakeTime().sleep) as client,
        pytest.raises(KgError, match="retry after 86400 s"),
    ):
        client.get("/x")


# --- OpenAlex ---------------------------------------------------------------------------------------------------


def test_openalex_cursor_paging_and_abstracts(server: Server, tmp_path: Path) -> None:
    server.script = [
        Reply.file("openalex_page1.json"),
        Reply.text(503, "Service Unavailable", **{"Retry-After": "1"}),
        Reply.file("openalex_page2.json"),
        Reply.file("openalex_page3.json"),
    ]
    fake = FakeTime()
    out = tmp_path / "oa.jsonl"
    summary = fetch_openalex(
        out, search="GRPO", filters="publication_year:2024-2025", api_key="SECRET", mailto="me@example.org",
        per_page=2, base_url=server.url, politeness=no_delay(), sleep=fake.sleep,
    )  # fmt: skip
    assert {s.path for s in server.seen} == {"/works"}
    first = server.seen[0].params
    assert (first["search"], first["filter"], first["per_page"], first["cursor"]) == (
        "GRPO", "publication_year:2024-2025", "2", "*",
    )  # fmt: skip
    assert first["api_key"] == "SECRET" and first["mailto"] == "me@example.org"
    assert "abstract_inverted_index" in first["select"]
    page1 = json.loads((DATA / "openalex_page1.json").read_text())
    page2 = json.loads((DATA / "openalex_page2.json").read_text())
    next1, next2 = page1["meta"]["next_cursor"], page2["meta"]["next_cursor"]
    assert server.params("cursor") == ["*", next1, next1, next2]
    assert fake.sleeps == [1.0]
    assert (summary.new, summary.no_title, summary.no_abstract, summary.complete) == (3, 1, 1, True)

    records = {r["id"]: r for r in lines(out)}
    assert list(records) == ["arxiv:2402.03300", "arxiv:2502.01234", "openalex:W4405998877"]
    math = records["arxiv:2402.03300"]
    assert math["abstract"] == (
        "We present DeepSeekMath 7B and introduce Group Relative Policy Optimization (GRPO), a variant of Proximal "
        "Policy Optimization (PPO) that estimates the baseline from group scores instead of a critic; GRPO improves "
        "results on GSM8K and MATH."
    )
    assert (math["date"], math["year"], math["doi"], math["venue"]) == (
        "2024-02-05", 2024, "10.48550/arxiv.2402.03300", "arXiv (Cornell University)",
    )  # fmt: skip
    assert math["authors"] == ["Zhihong Shao", "Peiyi Wang", "Daya Guo"]
    acl = records["arxiv:2502.01234"]
    assert acl["doi"] == "10.5555/acl.2025.long.101" and acl["url"] == "https://doi.org/10.5555/acl.2025.long.101"
    assert records["openalex:W4405998877"]["abstract"] == ""


def test_openalex_malformed_error_and_empty(server: Server, tmp_path: Path) -> None:
    server.script = [Reply.file("openalex_malformed.json")]
    with pytest.raises(KgError, match=r"^OpenAlex: malformed JSON from .*/works\?.*api_key=\*\*\*") as caught:
        fetch_openalex(
            tmp_path / "a.jsonl", search="GRPO", api_key="SECRET", base_url=server.url, politeness=no_delay()
        )
    assert "SECRET" not in str(caught.value)

    server.script = [Reply.text(200, '{"meta": {}, "works": []}')]
    with pytest.raises(KgError, match="OpenAlex: malformed response from cursor=\\* \\(no 'results' list\\)"):
        fetch_openalex(tmp_path / "b.jsonl", search="GRPO", base_url=server.url, politeness=no_delay())

    server.script = [Reply.file("openalex_error_400.json", status=400)]
    with pytest.raises(KgError, match=r"OpenAlex: HTTP 400 .*'publication_yaer' is not a valid field"):
        fetch_openalex(
            tmp_path / "c.jsonl", filters="publication_yaer:2024", base_url=server.url, politeness=no_delay()
        )
    assert not (tmp_path / "c.jsonl").exists()

    server.script = [Reply.file("openalex_empty.json")]
    summary = fetch_openalex(tmp_path / "d.jsonl", search="zzzqqq", base_url=server.url, politeness=no_delay())
    assert (summary.papers, summary.total, summary.complete) == (0, 0, True)
    assert (tmp_path / "d.jsonl").read_text() == ""


# --- Semantic Scholar -------------------------------------------------------------------------------------------


def test_s2_bulk_token_paging_with_api_key(server: Server, tmp_path: Path) -> None:
    server.script = [
        Reply.text(429, '{"message": "Too Many Requests. Please wait and try again", "code": "429"}'),
        Reply.file("s2_bulk_page1.json"),
        Reply.file("s2_bulk_page2.json"),
    ]
    fake = FakeTime()
    out = tmp_path / "s2.jsonl"
    summary = fetch_s2(
        "GRPO", out, year="2024-2025", api_key="KEY123", base_url=server.url, politeness=no_delay(), sleep=fake.sleep,
        references=False,
    )  # fmt: skip
    assert {s.path for s in server.seen} == {"/paper/search/bulk"}
    assert all(s.headers["x-api-key"] == "KEY123" for s in server.seen)
    assert server.params("token") == [None, None, "PCOA3RZZB2ADADAEYCX2BLJJRSKGRFGZF"]
    assert server.params("year") == ["2024-2025"] * 3 and "publicationDate" in server.seen[0].params["fields"]
    assert fake.sleeps == [2.0]
    assert (summary.papers, summary.no_abstract, summary.complete) == (3, 1, True)

    records = lines(out)
    assert [r["id"] for r in records] == [
        "arxiv:2503.14476", "doi:10.5555/emnlp.2024.main.77", "s2:f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
    ]  # fmt: skip
    dapo, dialogue, token = records
    assert (dapo["date"], dapo["venue"], dapo["arxiv_id"]) == ("2025-03-18", "arXiv.org", "2503.14476")
    assert dialogue["venue"] == "Conference on Empirical Methods in Natural Language Processing"
    assert (token["date"], token["year"], token["authors"]) == (None, 2025, ["Wei Chen", "Priya Natarajan"])


def test_s2_relevance_offsets_malformed_and_empty(server: Server, tmp_path: Path) -> None:
    server.script = [Reply.file("s2_search_page1.json"), Reply.file("s2_search_page2.json")]
    summary = fetch_s2(
        "GRPO", tmp_path / "r.jsonl", mode="relevance", page_size=2, base_url=server.url, politeness=no_delay(),
        references=False,
    )  # fmt: skip
    assert {s.path for s in server.seen} == {"/paper/search"}
    assert server.params("offset") == ["0", "2"] and server.params("limit") == ["2", "2"]
    assert "x-api-key" not in server.seen[0].headers
    assert (summary.papers, summary.complete) == (3, True)

    server.script = [Reply.file("s2_malformed.json")]
    with pytest.raises(KgError, match=r"Semantic Scholar: malformed response from token=- \(no 'data' list\)"):
        fetch_s2("GRPO", tmp_path / "m.jsonl", base_url=server.url, politeness=no_delay())

    server.script = [Reply.file("s2_error_400.json", status=400)]
    with pytest.raises(KgError, match=r"Semantic Scholar: HTTP 400 .*Unrecognized or unsupported fields"):
        fetch_s2("GRPO", tmp_path / "e.jsonl", base_url=server.url, politeness=no_delay())

    server.script = [Reply.file("s2_empty.json")]
    summary = fetch_s2("zzzqqq", tmp_path / "z.jsonl", base_url=server.url, politeness=no_delay())
    assert (summary.papers, summary.total, summary.complete) == (0, 0, True)


# --- CLI --------------------------------------------------------------------------------------------------------


def test_cli_fetch_commands(server: Server, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "papers.jsonl"
    server.script = [
        Reply.text(503, "busy"),
        Reply.file("arxiv_page1.xml"),
        Reply.file("arxiv_page2.xml"),
        Reply.file("arxiv_page3.xml"),
    ]
    common = ["--base-url", server.url, "--delay", "0", "--backoff", "0"]
    result = runner.invoke(app, ["fetch", "arxiv", "--query", GRPO, "--out", str(out), "--page-size", "2", *common])
    assert result.exit_code == 0, result.output
    assert "5 new, 5 papers in" in result.output and "(source exhausted; 4 requests, 1 retries)" in result.output
    assert len(lines(out)) == 5

    server.script = [Reply.file("arxiv_malformed.xml")]
    result = runner.invoke(app, ["fetch", "arxiv", "-q", "abs:DPO", "-o", str(tmp_path / "x.jsonl"), *common])
    assert result.exit_code == 1 and "error: arXiv: malformed Atom" in result.output

    server.script = [Reply.file("openalex_page1.json"), Reply.file("openalex_page2.json")]
    result = runner.invoke(
        app, ["fetch", "openalex", "--search", "GRPO", "--max", "2", "-o", str(tmp_path / "oa.jsonl"), *common],
        env={"OPENALEX_API_KEY": "ENVKEY"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert server.seen[-1].params["api_key"] == "ENVKEY" and "reached --limit 2" in result.output
    assert "note: --search is deprecated" in result.stderr and "note: --max is deprecated" in result.stderr

    server.script = [Reply.file("s2_bulk_page1.json"), Reply.file("s2_bulk_page2.json")]
    result = runner.invoke(
        app,
        ["fetch", "s2", "--query", "GRPO", "-o", str(tmp_path / "s2.jsonl"), "--no-references", *common],
        env={"S2_API_KEY": "K"},
    )
    assert result.exit_code == 0, result.output
    assert server.seen[-1].headers["x-api-key"] == "K" and "1 without abstract" in result.output


# --- conversions ------------------------------------------------------------------------------------------------


def test_identifier_and_abstract_helpers() -> None:
    assert arxiv_id_from("http://arxiv.org/abs/2402.03300v3") == "2402.03300"
    assert arxiv_id_from("arXiv:2501.12948") == "2501.12948"
    assert arxiv_id_from("https://doi.org/10.48550/arXiv.2503.14476") == "2503.14476"
    assert arxiv_id_from("http://arxiv.org/abs/hep-th/9901001v1") == "hep-th/9901001"
    assert arxiv_id_from("abs/2503.14476") == "2503.14476"
    assert arxiv_id_from("Proceedings of ACL 2024") is None
    assert normalise_doi("https://doi.org/10.18653/V1/2023.ACL-LONG.1") == "10.18653/v1/2023.acl-long.1"
    assert normalise_doi("not a doi") is None
    assert rebuild_abstract({"GRPO": [0, 3], "beats": [1], "PPO;": [2], "wins.": [4]}) == "GRPO beats PPO; GRPO wins."
    assert rebuild_abstract(None) == ""
    with pytest.raises(ValueError, match="not a list of positions"):
        rebuild_abstract({"x": "0"})
