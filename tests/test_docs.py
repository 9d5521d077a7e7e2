"""docs/internals.md names every module of the server package (its module index)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_server_module_is_in_the_module_index():
    index = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    server = ROOT / "server"
    modules = [p.relative_to(server).as_posix() for p in server.rglob("*.py") if "builtin" not in p.parts]
    missing = [module for module in sorted(modules) if f"| `{module}` |" not in index]
    assert not missing, f"add these to the module index in docs/internals.md: {missing}"
