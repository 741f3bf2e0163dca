"""``kg serve``: the real server in a subprocess on a free port of 127.0.0.1, over a small build; asked with httpx
(SPARQL 1.1 Protocol: GET, POST, every answer format, content negotiation, errors, refused updates, the time
limit), with rdflib's SPARQLStore as a client, for a site page and JSON API answers, and with the README's curl
line; and a ``kg add`` while it serves."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

import kg
from kg.query.sparql import load_store, run_query

ROOT = Path(__file__).resolve().parents[1]
KG = [str(Path(sys.executable).parent / "kg")]
CORPUS = ROOT / "data" / "corpus" / "daily-papers-divergence.txt"
TIMEOUT = 2.0  # kg serve --timeout of the test server
BENCHMARKS = "SELECT ?b ?name WHERE { ?b a kg:Benchmark ; skos:prefLabel ?name } ORDER BY ?name"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # runs for hours


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--out", folder, "--port", self.port, "-j", "2", "--timeout", TIMEOUT]
        env = {**os.environ, "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            [*KG, *map(str, args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.banner = self.process.stderr.readline()  # type: ignore[union-attr]
        assert self.url in self.banner, (self.banner, self.process.poll())
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def stop(self) -> int:
        self.client.close()
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serve") / "out"
    kg.build_folder([CORPUS], out)
    return out


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Server]:
    running = Server(folder)
    yield running
    assert running.stop() == 130  # Ctrl-C: the exit code of every interrupted kg command


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def expected_rows(folder: Path, query: str) -> list[list[str]]:
    """The CSV answer of the old path: an in-memory store filled from graph.json."""
    buffer = io.BytesIO()
    run_query(load_store(folder), query).serialize(buffer, ox.QueryResultsFormat.CSV)
    return rows_of(buffer.getvalue().decode("utf-8"))


def test_get_and_post_give_the_same_answer_as_the_in_memory_store(server: Server, folder: Path) -> None:
    expected = expected_rows(folder, BENCHMARKS)
    assert len(expected) > 3
    client = server.client
    got = client.get("/sparql", params={"query": BENCHMARKS, "format": "csv"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert rows_of(got.text) == expected
    form = client.post("/sparql", data={"query": BENCHMARKS}, headers={"Accept": "text/csv"})
    assert rows_of(form.text) == expected
    direct = client.post(
        "/sparql",
        content=BENCHMARKS.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert rows_of(direct.text) == expected


def test_every_answer_format(server: Server) -> None:
    client = server.client
    answer = client.get("/sparql", params={"query": BENCHMARKS})  # the default: SPARQL JSON
    assert answer.headers["content-type"] == "application/sparql-results+json"
    bindings = answer.json()["results"]["bindings"]
    assert answer.json()["head"]["vars"] == ["b", "name"] and bindings
    xml = client.get("/sparql", params={"query": BENCHMARKS, "format": "xml"})
    assert xml.headers["content-type"] == "application/sparql-results+xml"
    parsed = list(ox.parse_query_results(xml.content, ox.QueryResultsFormat.XML))
    assert len(parsed) == len(bindings)
    tsv = client.get("/sparql", params={"query": BENCHMARKS, "format": "tsv"})
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert tsv.text.splitlines()[0] == "?b\t?name" and len(tsv.text.splitlines()) == len(bindings) + 1
    ask = client.get("/sparql", params={"query": "ASK { ?p a kg:Paper }"})
    assert ask.json() == {"head": {}, "boolean": True}
    construct = "CONSTRUCT { ?b a kg:Benchmark } WHERE { ?b a kg:Benchmark }"
    turtle = client.get("/sparql", params={"query": construct})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert len(triples) == len(bindings)
    nt = client.get("/sparql", params={"query": construct, "format": "ntriples"})
    assert nt.headers["content-type"] == "application/n-triples"
    assert {str(t) for t in ox.parse(nt.content, format=ox.RdfFormat.N_TRIPLES)} == {str(t) for t in triples}


def test_content_negotiation(server: Server) -> None:
    client = server.client

    def media(query: str, accept: str, **params: str) -> str:
        answer = client.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})
        assert answer.status_code == 200, answer.text
        return answer.headers["content-type"].split(";")[0]

    assert media(BENCHMARKS, "text/csv;q=0.5, application/sparql-results+xml") == "application/sparql-results+xml"
    assert media(BENCHMARKS, "text/tab-separated-values, text/csv;q=0.9") == "text/tab-separated-values"
    assert media(BENCHMARKS, "application/json") == "application/sparql-results+json"
    assert media(BENCHMARKS, "text/html, */*;q=0.1") == "application/sparql-results+json"  # a browser
    assert media(BENCHMARKS, "text/csv", format="json") == "application/sparql-results+json"  # format wins
    construct = "CONSTRUCT WHERE { ?b a kg:Benchmark }"
    assert media(construct, "application/n-triples, text/turtle;q=0.5") == "application/n-triples"
    assert media(construct, "application/rdf+xml") == "application/rdf+xml"
    assert media(construct, "*/*") == "text/turtle"
    wrong = client.get("/sparql", params={"query": construct, "format": "csv"})
    assert wrong.status_code == 400 and "does not suit a CONSTRUCT" in wrong.text
    unknown = client.get("/sparql", params={"query": BENCHMARKS, "format": "yaml"})
    assert unknown.status_code == 400 and "yaml" in unknown.text


def one_line_error(answer: httpx.Response, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.text.count("\n") == 1 and words in answer.text, answer.text


def test_malformed_and_hostile_queries_get_a_400_with_one_line(server: Server) -> None:
    client = server.client
    one_line_error(client.get("/sparql", params={"query": "SELEC ?x WHERE {"}), 400, "SPARQL syntax error")
    one_line_error(client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x a nope:Thing }"}), 400, "prefix")
    one_line_error(client.get("/sparql"), 400, "no query")
    one_line_error(client.get("/sparql", params={"query": ["ASK {}", "ASK {}"]}), 400, "given 2 times")
    deep = "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000
    assert client.post("/sparql", data={"query": deep}).status_code == 400
    big = client.post("/sparql", content=b"#" * (2 * 2**20), headers={"Content-Type": "application/sparql-query"})
    one_line_error(big, 400, "over 1 MiB")
    bad = client.post("/sparql", content=b"ASK {\xff}", headers={"Content-Type": "application/sparql-query"})
    one_line_error(bad, 400, "UTF-8")
    one_line_error(client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}), 415, "POST")
    assert client.get("/sparql", params={"query": "ASK { ?p a kg:Paper }"}).json()["boolean"] is True  # still up


def test_updates_are_refused_everywhere(server: Server) -> None:
    client = server.client
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = client.get("/sparql", params={"query": count}).json()
    update = "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }"
    refused = [
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        client.post("/sparql", content=b"DROP ALL", headers={"Content-Type": "application/sparql-query"}),
        client.post("/update", data={"update": update}),
        client.get("/api/papers-using", params={"name": "x", "update": update}),
    ]
    for answer in refused:
        assert answer.status_code == 403 and "updates are refused" in answer.text, answer.text
    assert client.put("/sparql", content=update.encode()).status_code == 405
    assert client.post("/index.html").status_code == 405
    assert client.get("/sparql", params={"query": count}).json() == before


def test_a_query_over_the_time_limit_is_stopped(server: Server) -> None:
    client = server.client
    started = time.monotonic()
    slow = client.get("/sparql", params={"query": CROSS})
    took = time.monotonic() - started
    one_line_error(slow, 503, f"time limit of {TIMEOUT:g} s")
    assert TIMEOUT <= took < TIMEOUT + 10
    again = [client.get("/sparql", params={"query": "ASK { ?p a kg:Paper }"}) for _ in range(4)]  # new workers
    assert all(answer.json()["boolean"] is True for answer in again)


def test_rdflib_sparqlstore_as_a_client(server: Server, folder: Path) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    prologue = "PREFIX kg: <https://w3id.org/kg-ml/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    for method in ("GET", "POST", "POST_FORM"):
        graph = Graph(store=SPARQLStore(f"{server.url}/sparql", method=method, returnFormat="json"))
        names = sorted(str(row[1]) for row in graph.query(prologue + BENCHMARKS))
        assert names == sorted(row[1] for row in expected_rows(folder, BENCHMARKS)[1:]), method
    graph = Graph(store=SPARQLStore(f"{server.url}/sparql"))  # its default: XML results, RDF/XML graphs
    assert graph.query(prologue + "ASK { ?p a kg:Paper }").askAnswer is True
    built = graph.query(prologue + "CONSTRUCT { ?b a kg:Benchmark } WHERE { ?b a kg:Benchmark }")
    assert len(built.graph) == len(expected_rows(folder, BENCHMARKS)) - 1
    assert len(graph) > 100  # SELECT (COUNT(*)) over the endpoint


def test_the_site_and_the_json_api(server: Server, folder: Path) -> None:
    client = server.client
    home = client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    page = next(p for p in sorted((folder / "site").rglob("*.html")) if p.parent != folder / "site")
    got = client.get("/" + page.relative_to(folder / "site").as_posix())
    assert got.status_code == 200 and got.content == page.read_bytes()
    assert client.get("/no-such-page.html").status_code == 404
    name = kg.load(folder)  # the most used benchmark's name
    hits = max(
        (
            (kg.papers_using(folder, d["label"]), d["label"])
            for _, d in name.nodes(data=True)
            if d.get("type") == "benchmark"
        ),
        key=lambda item: len(item[0]),
    )
    answer = client.get("/api/papers-using", params={"name": hits[1]})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert [row["paper_id"] for row in answer.json()] == [hit.paper_id for hit in hits[0]] and hits[0]
    limited = client.get("/api/papers-using", params={"name": hits[1], "limit": "1"}).json()
    assert len(limited) == 1
    entity = client.get("/api/entity", params={"name": hits[1].lower()}).json()
    assert entity and entity[0]["name"] == hits[1]
    assert client.get("/api").json()["verbs"]
    unknown = client.get("/api/entity", params={"name": "no such thing at all"})
    assert unknown.status_code == 404 and "error" in unknown.json()
    assert client.get("/api/papers-using", params={"nmae": "x"}).status_code == 400
    assert client.get("/api/papers-using", params={"name": "x", "limit": "many"}).status_code == 400
    assert client.get("/api/no-such-verb").status_code == 404


def readme_curl() -> list[str]:
    """The curl command of the README's kg serve section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## kg serve") :]
    line = re.search(r"^curl .+$", section, re.M)
    assert line, "the README's kg serve section shows a curl line"
    return shlex.split(line.group(0))


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_example_runs(server: Server) -> None:
    args = [
        server.url + arg[len("http://127.0.0.1:8000") :] if arg.startswith("http://127.0.0.1:8000") else arg
        for arg in readme_curl()
    ]
    assert any(arg.startswith(server.url) for arg in args)
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = rows_of(done.stdout)
    assert rows[0] and len(rows) >= 2, done.stdout


def test_answers_follow_kg_add_while_serving(tmp_path: Path) -> None:
    """The server keeps serving while ``kg add`` swaps a new store in; the next answers count the new papers."""
    out = tmp_path / "growing"
    kg.build_folder([CORPUS], out, formats=["oxigraph"])  # built here: the add right after must find the same pipeline
    running = Server(out)
    try:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Paper }"

        def papers() -> int:
            return int(
                running.client.get("/sparql", params={"query": count}).json()["results"]["bindings"][0]["n"]["value"]
            )

        before = papers()
        new = tmp_path / "new.jsonl"
        new.write_text(
            json.dumps({"id": "serve-1", "title": "ZetaNet", "abstract": "We evaluate ZetaNet on GSM8K and MMLU."})
            + "\n",
            encoding="utf-8",
        )
        added = subprocess.run([*KG, "add", str(new), "--out", str(out)], capture_output=True, text=True, timeout=300)
        assert added.returncode == 0, added.stderr
        assert [papers() for _ in range(4)] == [before + 1] * 4  # every worker sees the new store
    finally:
        assert running.stop() == 130  # Ctrl-C: the exit code of every interrupted kg command


def test_a_folder_without_a_store_or_a_taken_port_is_one_line(server: Server, folder: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(folder, old, ignore=shutil.ignore_patterns("oxigraph", "site"))
    done = subprocess.run([*KG, "serve", "--out", str(old), "--port", "0"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "no SPARQL store" in done.stderr and f"kg build --out {old}" in done.stderr
    taken = subprocess.run(
        [*KG, "serve", "--out", str(folder), "--port", str(server.port)], capture_output=True, text=True, timeout=120
    )
    assert taken.returncode == 1 and taken.stderr.count("\n") == 1, taken.stderr
    assert f"127.0.0.1:{server.port}: cannot listen there" in taken.stderr
