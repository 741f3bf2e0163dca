"""Sinks: the graph -> files and servers.

One module per output: ``rdf`` (Turtle, N-Triples, JSON-LD through Oxigraph, with the ontology of
``schema/``), ``rdf_parts`` (N-Triples parts that ``kg add`` extends), ``neo4j`` (the official driver, batched
``UNWIND ... MERGE``), ``neo4j_csv`` (bulk-import CSV), ``export`` (``kg export --format``: one entry per format),
``html`` (the whole-graph pyvis page) and ``site`` (the static site). In: a graph (or a state view). Out: files,
written atomically, or database writes.
"""
