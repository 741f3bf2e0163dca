"""Graph: the store -> a networkx ``MultiDiGraph`` of papers and entities.

``resolution`` resolves papers into a store (in memory for the Python API and ``kg eval``) and reads the
``Resolution`` back; ``state_view`` reads one from a build state; ``build`` turns a ``Resolution`` into the
graph; ``files`` saves and loads ``graph.json`` (node-link JSON); ``names`` finds an entity by any name.
"""
