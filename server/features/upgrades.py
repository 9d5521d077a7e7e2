"""The upgrades feature area (filled in by its issue)."""

from __future__ import annotations

from server.lsp import ScionServer


def register(server: ScionServer) -> None:
    return None
