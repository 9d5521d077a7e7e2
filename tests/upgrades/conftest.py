"""The workspace most upgrade tests start from: demo/module generated at 1.0.0 as src/app.py, with 2.0.0 added."""

from __future__ import annotations

import pytest

from tests.upgrades.test_service import V1, V2
from tests.upgrades.trees import Workspace


@pytest.fixture
def ws(tmp_path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    workspace.add(V1)
    workspace.generate("demo/module", "1.0.0", "src/app.py")
    workspace.add(V2)
    return workspace
