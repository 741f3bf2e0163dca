"""Query: questions over a built graph.

``papers`` (papers using an entity), ``explain`` (how a name was resolved), ``sparql`` (SPARQL 1.1 over the
RDF). In: a graph or a build folder. Out: plain rows (dataclasses) that the CLI, the site and notebooks render.
"""
