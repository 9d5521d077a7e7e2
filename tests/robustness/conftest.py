"""One raw-wire server per module: these tests send what no well-behaved client would."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wire import WireClient


@pytest.fixture(scope="module")
def wire(tmp_path_factory) -> WireClient:
    workspace: Path = tmp_path_factory.mktemp("ws")
    (workspace / ".scion").mkdir()
    client = WireClient(workspace)
    response = client.initialize()
    assert "result" in response, response
    yield client
    assert client.garbage == [], f"bytes on stdout that are not LSP: {client.garbage[:3]}"
    client.shutdown()
