"""Store: the build folder's databases, the only code that opens SQLite.

``state`` (``OUT/state.sqlite``: papers, resolution members, definitions, entity aggregates; or the same in
memory), ``cache`` (extractions by content hash, ``OUT/cache/``) and ``extractions`` (reading ``kg extract``
output back). In: papers, extractions, resolver writes. Out: stored papers and aggregates for the graph stage.
"""
