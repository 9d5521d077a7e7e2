"""Templates: the manifest model, loading, rendering, answers and answer files.

Nothing here imports pygls or lsprotocol: the CLI and the tests use it directly.
"""
