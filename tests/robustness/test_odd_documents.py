"""Item 13 of issue 13: untitled documents, odd text and names, bad command arguments.

Every case ends in a result or in one line the user can act on; the server keeps serving.
"""

from __future__ import annotations

import json

import pytest

INVALID_PARAMS = -32602
UNTITLED = "untitled:Untitled-1"


def open_doc(wire, uri, text, language="python", version=1):
    wire.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}
    )


def code_actions(wire, uri, line=0, character=0):
    position = {"line": line, "character": character}
    return wire.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}},
    )


def hover(wire, uri, line=0):
    return wire.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": 0}}
    )


def command(wire, name, *arguments):
    return wire.request("workspace/executeCommand", {"command": name, "arguments": list(arguments)}, timeout=60)


def assert_one_line(message: str):
    assert message and "\n" not in message and "Traceback" not in message and len(message) <= 500, message


def test_untitled_documents_get_insert_actions_and_a_reason_for_file_templates(wire):
    open_doc(wire, UNTITLED, "")
    response = code_actions(wire, UNTITLED)
    actions = response["result"]
    titles = {a["title"]: a for a in actions}
    assert "Generate: Python dataclass" in titles and "command" in titles["Generate: Python dataclass"]
    file_mode = titles["Generate: pytest test module"]
    assert file_mode["disabled"]["reason"] == "save the file first: file templates need a file on disk"
    assert "command" not in file_mode
    assert hover(wire, UNTITLED)["result"] is None


def test_generating_into_an_untitled_document(wire):
    uri = "untitled:Untitled-2"
    open_doc(wire, uri, "")
    argument = {
        "templateId": "python/dataclass",
        "uri": uri,
        "position": {"line": 0, "character": 0},
        "answers": {"class_name": "Point"},
    }
    result = command(wire, "scion.generate", argument)["result"]
    assert result["files"] == [uri] and "answerFile" not in result
    edits = [r for r in wire.server_requests if r["method"] == "workspace/applyEdit"]
    assert "class Point" in json.dumps(edits[-1]["params"])
    assert not list(wire.workspace.rglob("*.template-answers.yml"))

    refused = command(wire, "scion.generate", {"templateId": "python/pytest-module", "uri": uri})
    assert "save the file first: file templates need a file on disk" in refused["error"]["message"]
    assert_one_line(refused["error"]["message"])
    assert any("save the file first" in shown for shown in wire.shown())


@pytest.mark.parametrize(
    "arguments",
    [
        [5],
        [],
        ["python/dataclass"],
        [{"uri": "file:///a.py"}],
        [{"templateId": 7, "uri": "file:///a.py"}],
        [{"templateId": "python/dataclass", "uri": "file:///a.py", "position": {"line": "x"}}],
        [{"templateId": "python/dataclass", "uri": "file:///a.py", "position": {"line": -1}}],
        [{"templateId": "python/dataclass", "uri": "file:///a.py", "position": [1, 2]}],
        [{"templateId": "python/dataclass", "uri": "file:///a.py", "answers": [1]}],
        [{"templateId": "python/dataclass", "uri": "not a uri"}],
        [{"templateId": "python/dataclass", "uri": "file:///a\u0000.py"}],
    ],
    ids=[
        "number",
        "none",
        "string",
        "no templateId",
        "numeric templateId",
        "string line",
        "negative line",
        "list position",
        "list answers",
        "not a uri",
        "NUL in uri",
    ],
)
def test_wrongly_typed_generate_arguments_get_invalid_params(wire, arguments):
    response = command(wire, "scion.generate", *arguments)
    assert response["error"]["code"] == INVALID_PARAMS, response
    assert "scion.generate" in response["error"]["message"]
    assert_one_line(response["error"]["message"])
    assert wire.ping()["result"] is None


@pytest.mark.parametrize(
    "name",
    [
        "scion.accept",
        "scion.reject",
        "scion.upgrade",
        "scion.skipVersion",
        "scion.resolveConflict",
        "scion.listTemplates",
        "scion.evolve",
    ],
)
def test_other_commands_check_their_arguments(wire, name):
    response = command(wire, name, 12345)
    assert response["error"]["code"] == INVALID_PARAMS, response
    assert_one_line(response["error"]["message"])


def test_a_5000_digit_integer_gets_a_parse_error_naming_it(wire):
    msg_id = wire.new_id()
    digits = "9" * 5000
    # Raw text on purpose: json.dumps refuses an int of 5000 digits.
    body = (
        f'{{"jsonrpc": "2.0", "id": {msg_id}, "method": "workspace/executeCommand", "params": {{"command": "scion.generate", '
        f'"arguments": [{{"templateId": "python/dataclass", "uri": "untitled:U", "answers": {{"n": {digits}}}}}]}}}}'
    )
    wire.send_bytes(body.encode())
    response = wire.wait_response(msg_id)
    assert response["error"]["code"] == -32700
    assert "more than 4300 digits" in response["error"]["message"]
    wire.send_bytes(b'{"jsonrpc": "2.0", "id": 991, "method": "textDocument/hover", "params": {')
    assert wire.wait_response(991)["error"]["code"] == -32700
    assert wire.ping()["result"] is None


def test_nul_and_surrogate_text_and_odd_names(wire):
    nul = (wire.workspace / "nul.py").as_uri()
    open_doc(wire, nul, "class A:\n    x = '\u0000'\n\n")
    assert "result" in code_actions(wire, nul, 2)
    assert hover(wire, nul, 1)["result"] is None

    surrogate_uri = (wire.workspace / "surrogate.py").as_uri()
    wire.send_bytes(
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "%s", '
        b'"languageId": "python", "version": 1, "text": "s = \\"\\ud800\\"\\n\\n"}}}' % surrogate_uri.encode()
    )
    wire.send_bytes(
        b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "%s", "version": 2}, '
        b'"contentChanges": [{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": "t = \\"\\udfff\\"\\n"}]}}'
        % surrogate_uri.encode()
    )
    response = code_actions(wire, surrogate_uri, 2)
    assert "result" in response, response
    assert hover(wire, surrogate_uri, 0)["result"] is None

    long_name = (wire.workspace / ("n" * 300 + ".py")).as_uri()
    open_doc(wire, long_name, "x = 1\n")
    assert "result" in code_actions(wire, long_name, 1)
    assert hover(wire, long_name, 0)["result"] is None
    long_closed = (wire.workspace / ("m" * 300 + ".py")).as_uri()
    response = code_actions(wire, long_closed, 0)  # not open: read from disk, where the name is refused
    assert "result" in response or response["error"]["code"] != -32603, response
    if "error" in response:
        assert_one_line(response["error"]["message"])

    nul_name = "file:///tmp/a%00b.py"
    open_doc(wire, nul_name, "x = 1\n")
    assert "result" in code_actions(wire, nul_name, 0)
    assert hover(wire, nul_name, 0)["result"] is None
    generated = command(wire, "scion.generate", {"templateId": "python/pytest-module", "uri": nul_name})
    assert "save the file first" in generated["error"]["message"]
    assert wire.ping()["result"] is None
    for shown in wire.shown():
        assert_one_line(shown)


def test_a_document_over_the_size_limit_gets_no_templates_and_a_clear_refusal(wire):
    from server.context import MAX_PARSED_CHARS

    uri = (wire.workspace / "huge.py").as_uri()
    line = "value = 12345678901234567890\n"
    open_doc(wire, uri, line * (MAX_PARSED_CHARS // len(line) + 10))
    middle = {"line": 1000, "character": 0}
    wire.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": middle, "end": middle}, "text": "x = 1\n"}],
        },
    )
    assert code_actions(wire, uri, 1000)["result"] == []
    refused = command(
        wire,
        "scion.generate",
        {"templateId": "python/dataclass", "uri": uri, "position": middle, "answers": {"class_name": "A"}},
    )
    assert "does not analyse documents over 5 MB" in refused["error"]["message"]
    assert_one_line(refused["error"]["message"])
    wire.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert wire.ping()["result"] is None


def test_a_file_name_too_long_for_its_answer_file_is_refused_before_any_edit(wire):
    uri = (wire.workspace / ("L" * 240 + ".py")).as_uri()
    open_doc(wire, uri, "")
    edits_before = len([r for r in wire.server_requests if r["method"] == "workspace/applyEdit"])
    response = command(
        wire, "scion.generate", {"templateId": "python/dataclass", "uri": uri, "answers": {"class_name": "P"}}
    )
    assert "the file name is too long for an answer file" in response["error"]["message"]
    assert_one_line(response["error"]["message"])
    assert len([r for r in wire.server_requests if r["method"] == "workspace/applyEdit"]) == edits_before


def test_a_change_that_repeats_the_version_number_still_gets_a_fresh_context(wire):
    # Found by the fuzz soak: the syntax tree was cached by version alone.
    uri = (wire.workspace / "same_version.py").as_uri()
    open_doc(wire, uri, "x = 1\n", version=7)
    assert "result" in code_actions(wire, uri, 0)
    many = "class A:\n    pass\n" * 40
    wire.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": many}]}
    )
    response = code_actions(wire, uri, 70, 4)
    assert "result" in response, response
