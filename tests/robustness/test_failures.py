"""How failures reach the user: one line, a JSON-RPC error, the traceback only in the log."""

from __future__ import annotations

import json

import pytest

from server.common.errors import ScionError, failure_message, one_line
from server.lsp import ScionServer


class Captured:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.decode().split("\r\n\r\n", 1)[1]))

    def close(self) -> None:
        pass


@pytest.fixture
def server():
    ls = ScionServer()
    writer = Captured()
    ls.protocol.set_writer(writer)
    ls.captured = writer
    return ls


def call(server, method, params, msg_id=1):
    server.protocol.handle_message({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return [m for m in server.captured.messages if m.get("id") == msg_id][-1]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MemoryError(), "ran out of memory"),
        (ValueError("Exceeds the limit (4300 digits) for integer string conversion"), "more than 4300"),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "not valid Unicode"),
        (RecursionError(), "nested too deeply"),
        (
            OSError(36, "File name too long", "/w/" + "n" * 300 + ".py"),
            "File name too long (nnnnnnnnnnnnnnnnnnn…nnnnnnnnnnnnnnnnn.py)",
        ),
        (ValueError("not a file uri: untitled:x"), "ValueError: not a file uri"),
        (ScionError("line one\nline two"), "Scion: line one line two"),
    ],
)
def test_a_failing_command_is_answered_with_one_line(server, error, expected):
    @server.command("test.fail")
    def fail(ls, *args):
        raise error

    response = call(server, "workspace/executeCommand", {"command": "test.fail", "arguments": []})
    message = response["error"]["message"]
    assert expected in message
    assert "\n" not in message and "traceback" not in json.dumps(response).lower()
    assert response["error"]["code"] == -32803


def test_one_line_is_short_and_printable():
    text = one_line("a\x00b\nc\ud800" + "x" * 1000)
    assert "\n" not in text and "\x00" not in text and len(text) == 300
    text.encode("utf-8")
    assert failure_message(KeyError("k"), "do it").startswith("Scion could not do it: KeyError")
