"""Serve: ``kg serve``, a read-only local HTTP server over a build folder.

``app`` (the Starlette application: the site, ``/sparql``, ``/api/...``), ``protocol`` (the SPARQL 1.1 Protocol:
reading a request, choosing the answer's format), ``verbs`` (the JSON API: one line per query verb of
``kg.api``), ``pool`` (worker processes that answer with a time limit; a query over it is stopped by ending its
process) and ``worker`` (what runs in them). In: a build folder with its SPARQL store. Out: HTTP answers. A front
end like the command line: it comes after ``kg.api`` and calls it. Design: docs/serve.md.
"""
