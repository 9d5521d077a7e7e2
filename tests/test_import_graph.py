"""The layering, checked on every run: no import cycle, no domain module importing the adapter or the CLI, and
nothing in server/common importing the rest of the package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
assert spec is not None and spec.loader is not None
import_graph = sys.modules["import_graph"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
spec.loader.exec_module(import_graph)


def test_the_server_package_has_no_cycle_and_no_upward_edge():
    graph = import_graph.build(ROOT / "server")
    assert len(graph.modules) > 100 and graph.edges
    assert graph.cycles() == []
    assert graph.upward() == []


def test_the_graph_sees_cycles_and_upward_edges(tmp_path):
    # A package made to fail both checks: the checks are not vacuous.
    package = tmp_path / "server"
    for folder in ("templates", "lsp", "common"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "templates" / "a.py").write_text("from server.templates import b\nfrom server.lsp import serve\n")
    (package / "templates" / "b.py").write_text("from . import a\n")
    (package / "lsp" / "serve.py").write_text("def run():\n    from server.templates import a\n")
    (package / "common" / "config.py").write_text("from server.common import errors\nfrom server.templates import b\n")
    (package / "common" / "errors.py").write_text("")
    graph = import_graph.build(package)
    assert graph.cycles() == [["server.templates.a", "server.templates.b"]]
    assert graph.upward() == [
        ("server.common.config", "server.templates.b"),
        ("server.templates.a", "server.lsp.serve"),
    ]
    assert ("server.lsp.serve", "server.templates.a") in graph.edges - graph.eager  # a deferred import
