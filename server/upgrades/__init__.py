"""Template upgrades: a generated file merged with a new template version.

Planning (service.py, over planner.py, merge.py, blocks.py) renders and reads
but writes nothing: it returns a FileUpgrade value (outcome.py). The disk
applier (apply.py, writes.py) writes plans behind a rollback journal; the
editor applier lives in the LSP layer (server/features/upgrade_edits.py).
The package itself imports nothing: each user imports the module it needs,
so loading one part never loads the rest.
"""
