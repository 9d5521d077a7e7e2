"""Item 7 of issue 13: a request whose params do not fit gets -32602, never silence."""

from __future__ import annotations

import pytest

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600


def hover_params(line, character=0, uri="file:///nowhere/a.py"):
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        (hover_params(-1), "position"),
        (hover_params("one"), "position.line"),
        (hover_params(2**40), "position"),
        ([1, 2], "textDocument"),
        ({"position": {"line": 0, "character": 0}}, "textDocument"),
        ({"textDocument": {"uri": "file:///a.py"}}, "position"),
        ("just a string", "params"),
    ],
    ids=["line -1", "string line", "huge line", "array params", "no textDocument", "no position", "string params"],
)
def test_a_hover_with_invalid_params_is_answered_with_invalid_params(wire, params, mentions):
    response = wire.request("textDocument/hover", params, timeout=20)
    assert response["error"]["code"] == INVALID_PARAMS, response
    message = response["error"]["message"]
    assert "textDocument/hover" in message and mentions in message
    assert "\n" not in message and "Traceback" not in message
    assert wire.ping()["result"] is None  # still serving


def test_missing_params_and_bad_code_action_params_are_answered(wire):
    assert wire.request("textDocument/codeAction", None)["error"]["code"] == INVALID_PARAMS
    bad_range = {
        "textDocument": {"uri": "file:///a.py"},
        "range": {"start": {"line": 0, "character": -5}, "end": {}},
        "context": {"diagnostics": []},
    }
    response = wire.request("textDocument/codeAction", bad_range)
    assert response["error"]["code"] == INVALID_PARAMS
    assert "range.start" in response["error"]["message"]


def test_execute_command_with_arguments_that_are_not_a_list(wire):
    response = wire.request("workspace/executeCommand", {"command": "scion.generate", "arguments": 5})
    assert response["error"]["code"] == INVALID_PARAMS
    assert "arguments" in response["error"]["message"]


def test_invalid_envelopes_are_answered_when_they_have_an_id(wire):
    msg_id = wire.new_id()
    wire.send({"jsonrpc": "1.0", "id": msg_id, "method": "textDocument/hover", "params": hover_params(0)})
    assert wire.wait_response(msg_id)["error"]["code"] == INVALID_REQUEST
    msg_id = wire.new_id()
    wire.send({"jsonrpc": "2.0", "id": msg_id, "method": 42})
    assert wire.wait_response(msg_id)["error"]["code"] == INVALID_REQUEST
    # An id that is neither a number nor a string: answered with a null id.
    wire.send({"jsonrpc": "2.0", "id": {"x": 1}, "method": "textDocument/hover", "params": hover_params(0)})
    assert wire.wait_response(None)["error"]["code"] == INVALID_REQUEST
    wire.send([{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}])  # batches are not LSP
    assert wire.wait_response(None)["error"]["code"] == INVALID_REQUEST
    assert wire.ping()["result"] is None


def test_invalid_notifications_are_dropped_and_the_server_keeps_serving(wire):
    wire.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.py"}})  # no text, version, languageId
    wire.notify("textDocument/didChange", [1, 2, 3])
    wire.notify("textDocument/didClose", None)
    wire.send_bytes(b"{not json")
    wire.send_bytes(
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///y.py", "languageId": "python", "version": -3, "text": 5}}}'
    )
    assert wire.ping()["result"] is None
    assert wire.alive()
