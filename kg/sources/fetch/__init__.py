"""Fetch papers from public APIs (arXiv, OpenAlex, Semantic Scholar) into the JSON reader's JSONL format.

``convert`` (no HTTP) turns source records into reader records and is shared with the dump readers;
``http`` is a polite client (rate limit, retries with backoff, Retry-After); ``store`` makes a run
resumable (JSONL written atomically plus a ``<out>.fetch.json`` sidecar with the next cursor).
"""
