"""Generation through the real server over stdio, as VS Code and Neovim would drive it."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

WORKSPACE_TEMPLATE = """\
title: Needs a name
mode: file
where: [empty_file, module]
languages: [python]
questions:
  service_name:
    type: str
    help: The service name (nothing to infer it from)
files_dir_note: unused
"""


def titles(actions) -> list[str]:
    return [a.title for a in actions]


async def test_code_actions_in_an_empty_python_file(editor):
    uri = editor.open("src/shop/order_item.py", "")
    actions = await editor.code_actions(uri)
    assert "Generate: Python dataclass" in titles(actions)
    assert "Generate: pytest test module" in titles(actions)
    kinds = {a.title: a.kind for a in actions}
    assert kinds["Generate: Python dataclass"] == types.CodeActionKind.RefactorRewrite
    assert kinds["Generate: pytest test module"] == types.CodeActionKind.Source
    assert not any("React" in t or "Go" in t for t in titles(actions))


async def test_code_actions_follow_language_and_place(editor):
    uri = editor.open("web/src/user-card.tsx", "")
    assert "Generate: React component" in titles(await editor.code_actions(uri))
    source = "class Cart:\n    def total(self):\n        return 0\n"
    uri = editor.open("src/cart.py", source)
    in_function = titles(await editor.code_actions(uri, 2, 8))
    at_module = titles(await editor.code_actions(uri, 3, 0))
    assert "Generate: pytest test module" not in in_function
    assert in_function != at_module


async def test_generate_a_file_answering_the_questions(editor):
    uri = editor.open("src/shop/order_item.py", "")
    editor.answer = lambda params: {
        q["name"]: ("LineItem" if q["name"] == "class_name" else q.get("default")) for q in params["questions"]
    }
    action = next(a for a in await editor.code_actions(uri) if a.title == "Generate: Python dataclass")
    result = await editor.run(action)
    assert result["generationId"]
    assert editor.asked and editor.asked[0]["questions"][0]["name"] == "class_name"
    assert editor.asked[0]["questions"][0]["default"] == "OrderItem"  # inferred from the file name
    assert "class LineItem" in editor.text(uri)
    answers = editor.path("src/shop/order_item.py.template-answers.yml").read_text()
    assert "class_name: LineItem" in answers and "python/dataclass" in answers
    assert "class_name: user" in answers  # the user changed the pre-filled answer


async def test_insert_mode_at_the_cursor_with_indentation(editor):
    uri = editor.open("src/models.py", "import os\n\n\n")
    await editor.generate(uri, "python/dataclass", line=2, answers={"class_name": "Point"})
    text = editor.text(uri)
    assert text.startswith("import os\n\n")
    assert "class Point" in text
    record = editor.path("src/models.py.template-answers.yml").read_text()
    assert "region:" in record


async def test_cancel_writes_nothing(editor):
    uri = editor.open("src/shop/order_item.py", "")
    editor.answer = lambda params: None
    result = await editor.generate(uri, "python/dataclass")
    assert result is None
    assert editor.text(uri) == ""
    assert not editor.path("src/shop/order_item.py.template-answers.yml").exists()
    assert not editor.applied


@pytest.mark.options({"ask": False})
async def test_client_without_ask_gets_inferred_answers(editor):
    uri = editor.open("src/shop/order_item.py", "")
    result = await editor.generate(uri, "python/dataclass")
    assert result and not editor.asked
    assert "class OrderItem" in editor.text(uri)


def _workspace_template(workspace, body=WORKSPACE_TEMPLATE):
    root = workspace / ".scion" / "templates" / "acme" / "service" / "1.0.0"
    (root / "files").mkdir(parents=True)
    (root / "template.yml").write_text(body.replace("files_dir_note: unused\n", ""))
    (root / "files" / "{{ service_name }}.py.jinja").write_text("SERVICE = {{ service_name | tojson }}\n")
    return root


@pytest.mark.options({"ask": False})
@pytest.mark.setup.with_args(_workspace_template)
async def test_required_answer_without_inference_is_a_message(editor):
    uri = editor.open("src/app.py", "")
    result = await editor.generate(uri, "acme/service")
    assert result is None
    assert any("service_name" in m.message for m in editor.messages)
    assert editor.text(uri) == "" and not editor.applied


@pytest.mark.setup.with_args(_workspace_template)
async def test_broken_template_gets_diagnostics_and_recovers(editor):
    manifest = editor.path(".scion/templates/acme/service/1.0.0/template.yml")
    uri = editor.open(str(manifest.relative_to(editor.workspace)))
    broken = manifest.read_text().replace("type: str", "type: strng")
    editor.change(uri, 0, 0, len(manifest.read_text().splitlines()), 0, broken)
    editor.save(uri)
    diagnostics = await editor.wait_for(lambda: editor.diagnostics(uri))
    assert "strng" in diagnostics[0].message and diagnostics[0].range.start.line > 0
    py = editor.open("src/app.py", "")
    assert "Generate: Needs a name" not in titles(await editor.code_actions(py))
    assert "Generate: Python dataclass" in titles(await editor.code_actions(py))
    editor.change(uri, 0, 0, len(broken.splitlines()), 0, broken.replace("strng", "str"))
    editor.save(uri)
    await editor.wait_for(lambda: not editor.diagnostics(uri))
    assert "Generate: Needs a name" in titles(await editor.code_actions(py))


async def test_configuration_change_with_a_bad_value_is_reported(editor):
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"scion": {"tracking": {"keepThreshold": 7}}})
    )
    message = await editor.wait_for(lambda: [m for m in editor.messages if "keepThreshold" in m.message])
    assert "default" in message[0].message
    uri = editor.open("src/a.py", "")
    assert await editor.code_actions(uri)


async def test_malformed_requests_get_errors_not_a_dead_server(editor):
    uri = editor.open("src/a.py", "x = 1\n")
    with pytest.raises(JsonRpcException):
        await editor.generate(uri, "no/such-template")
    with pytest.raises(JsonRpcException):
        await editor.generate(uri, "python/dataclass", line=500)
    with pytest.raises(JsonRpcException):
        await editor.command("scion.generate", {"nonsense": True})
    never_opened = editor.uri("src/never_opened.py")
    assert await editor.code_actions(never_opened, 40, 3) is not None
    assert "Generate: Python dataclass" in titles(await editor.code_actions(uri, 1, 0))


async def test_a_failed_command_is_shown_once_and_answered_with_the_same_line(editor):
    uri = editor.open("src/a.py", "")
    for command, argument in (
        ("scion.generate", {"templateId": "no/such-template", "uri": uri}),
        ("scion.upgrade", {"uri": 5}),
    ):
        before = len(editor.messages)
        with pytest.raises(JsonRpcException) as failed:
            await editor.command(command, argument)
        shown = await editor.wait_for(lambda before=before: editor.messages[before:])
        await editor.code_actions(uri)  # a round trip after the failure: a second message would be in by now
        assert len(editor.messages[before:]) == 1, [m.message for m in editor.messages[before:]]
        assert shown[0].type == types.MessageType.Error
        assert str(failed.value.message).split("\n")[0].removeprefix("Scion: ") in shown[0].message
