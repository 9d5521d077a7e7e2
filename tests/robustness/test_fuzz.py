"""The LSP fuzzer, bounded for the suite: random valid and invalid messages over stdio.

One server serves every example (starting one per example would cost a second
each); each example is checked on its own (see tests/fuzzing.py), so a failure
names the shortest scenario hypothesis found. The longer soak is bench/fuzz_soak.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzzing import play, scenarios
from tests.wire import WireClient

WORKSPACE_URI_PLACEHOLDER = "file:///fuzz-ws"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    workspace: Path = tmp_path_factory.mktemp("fuzz") / "ws"
    (workspace / ".scion").mkdir(parents=True)
    (workspace / "a.py").write_text("import os\n\n\nclass A:\n    pass\n")
    client = WireClient(workspace, options={"ask": True, "scion": {"tracking": {"checkpoints": [0.2, 0.4]}}})
    assert "result" in client.initialize()
    yield client
    client.shutdown()


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(scenario=scenarios(WORKSPACE_URI_PLACEHOLDER))
def test_random_messages_are_all_answered_and_the_server_survives(fuzz_server, scenario):
    # The strategies are built once, before the workspace exists: point them at it here.
    workspace_uri = fuzz_server.workspace.as_uri()
    scenario = [_relocate(step, workspace_uri) for step in scenario]
    assert play(fuzz_server, scenario) == []


def _relocate(step, workspace_uri):
    kind, method, params = step
    if kind == "raw":
        return step
    import json

    text = json.dumps(params).replace(WORKSPACE_URI_PLACEHOLDER, workspace_uri)
    return kind, method, json.loads(text)
