# The two commands of the README: `make demo` and `make test`. Everything else is set up from here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORPUS := data/corpus/daily-papers-alignment-retrieval.txt data/corpus/daily-papers-divergence.txt \
          data/corpus/daily-papers-likelihood.txt data/corpus/venue-abstracts-1980-2022.json

.PHONY: demo test lint bench system-deps clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/kg build $(CORPUS) --out out
	@echo "Query it: $(BIN)/kg query papers-using DPO --out out"

# Headless Chromium for the browser tests, Java 17 and Maven for the real Neo4j of the Neo4j tests (Debian
# packages); skipped when already there or not root. The Neo4j jars come from Maven Central on the first test run
# (into ~/.m2; the launcher is built into build/neo4j-launcher/ and reused).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: chromium missing and cannot apt-get; browser tests will be skipped"; fi; \
	fi
	@if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null) \
	      || echo "warning: could not install Java 17 and Maven; the real-Neo4j tests will fail under CI, else be skipped"; \
	  else echo "warning: Java 17 (javac) or Maven (mvn) missing and cannot apt-get; the real-Neo4j tests need them"; fi; \
	fi

test: $(VENV)/.installed-dev system-deps
	$(BIN)/ruff check kg tests benchmarks
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kg tests benchmarks
	$(BIN)/ruff format --check kg tests benchmarks

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_extract.py

clean:
	rm -rf out .pytest_cache build *.egg-info
