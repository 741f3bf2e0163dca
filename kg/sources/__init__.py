"""Sources: files and fetchers -> ``Paper``.

In: paths (listing text dumps, JSON/JSONL, CSV, BibTeX, OpenAlex and Semantic Scholar dumps) or a query to a
public API (``fetch/``: arXiv, OpenAlex, Semantic Scholar). Out: ``kg.types.Paper`` records, cleaned, with
``source = "file:line"``. Bad input raises ``kg.errors.InputError`` naming the file and line.
"""
