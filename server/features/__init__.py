"""The LSP adapter: one module per feature area, each with `register(server)`.

The order matters only for lifecycle (it must open the store before the others
use it on `initialized`); it is listed once, here.
"""

from __future__ import annotations

from server.features import (
    code_actions,
    copier_generate,
    copier_projects,
    documents,
    evolution,
    generate,
    hover,
    hub,
    lifecycle,
    stats,
    template_diagnostics,
    tracking,
    upgrades,
    watched_files,
)

FEATURES = (
    lifecycle,
    documents,
    template_diagnostics,
    code_actions,
    generate,
    hover,
    tracking,
    upgrades,
    copier_projects,
    copier_generate,
    watched_files,
    evolution,
    hub,
    stats,
)


def register_all(server) -> None:
    for feature in FEATURES:
        feature.register(server)
