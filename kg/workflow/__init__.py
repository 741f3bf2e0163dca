"""Workflow: the build folder's commands, the whole path in one call.

``build`` (``kg build``: read -> extract -> resolve into a fresh state -> outputs, staged and swapped in),
``add`` (``kg add``: the same onto an existing state, outputs updated in proportion), ``stages`` (the steps
both share). In: input paths and a folder. Out: the folder's files and a result record with counts.
"""
