"""Resolve: per-paper extracted entities -> corpus entities and paper -> entity relations.

In: ``Paper`` and ``PaperExtraction`` batches. Out: ``Entity`` (stable id, canonical name, type, aliases) and
``Relation`` with evidence, gathered in a ``Resolution``. One resolver (``resolver.Resolver``) does it batch by
batch against a store of what it resolved before (``kg.store`` keeps it on disk or in memory); ``keys`` decides
which names are one thing, ``entities`` what each thing is called, ``overrides`` and ``fuzzy`` the user's and the
gazetteer's corrections.
"""
