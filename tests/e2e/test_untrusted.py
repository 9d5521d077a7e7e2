"""A hostile workspace through the real server: alias bombs and runaway templates cost one template, not the server."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from tests.templates.test_safe_yaml import BOMB, bomb_answer_file

NESTED_LOOPS = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}\n"
PYTHON = "languages: [python]\nwhere: [empty_file, module]\n"


def titles(actions) -> list[str]:
    return [action.title for action in actions]


def _hostile_workspace(workspace):
    templates = workspace / ".scion" / "templates"
    for template_id, manifest, body in (
        (
            "bomb",
            f"title: Bomb\n{PYTHON}questions:\n  q:\n    type: yaml\n    default:\n"
            + "".join("    " + line for line in BOMB.splitlines(keepends=True)),
            "x\n",
        ),
        ("runaway", f"title: Runaway\n{PYTHON}", NESTED_LOOPS),
    ):
        version = templates / template_id / "1.0.0"
        (version / "files").mkdir(parents=True)
        (version / "template.yml").write_text(manifest, encoding="utf-8")
        (version / "files" / "out.py.jinja").write_text(body, encoding="utf-8")
    (workspace / "old.py").write_text("", encoding="utf-8")
    bomb_answer_file(workspace / "old.py.template-answers.yml")  # read by the start-up upgrade scan


@pytest.mark.setup.with_args(_hostile_workspace)
async def test_a_bomb_manifest_and_answer_file_leave_the_other_templates_working(editor):
    # The start-up upgrade scan read the bomb answer file and finished.
    await editor.wait_for(
        lambda: any("upgrades available" in status.get("message", "") for status in editor.statuses), timeout=60
    )
    uri = editor.open("src/shop/order_item.py", "")
    offered = titles(await editor.code_actions(uri))
    assert "Generate: Python dataclass" in offered and "Generate: Runaway" in offered
    assert "Generate: Bomb" not in offered
    result = await editor.generate(uri, "python/dataclass", answers={"class_name": "OrderItem"})
    assert result["generationId"] and "class OrderItem" in editor.text(uri)
    # Reported like any broken template: a diagnostic on the alias's line of the manifest.
    manifest = editor.uri(".scion/templates/bomb/1.0.0/template.yml")
    [diagnostic] = await editor.wait_for(lambda: editor.diagnostics(manifest), timeout=30)
    assert "YAML aliases" in diagnostic.message and diagnostic.range.start.line == 8  # `b: [*a, ...]`, 0-based


@pytest.mark.options({"ask": False})
@pytest.mark.setup.with_args(_hostile_workspace)
async def test_generating_from_a_runaway_template_is_a_message_and_the_server_keeps_running(editor):
    uri = editor.open("src/app.py", "")
    with pytest.raises(JsonRpcException, match="loop iterations"):
        await editor.generate(uri, "runaway")
    message = await editor.wait_for(lambda: [m for m in editor.messages if "loop iterations" in m.message], timeout=30)
    assert "out.py.jinja" in message[0].message and "\n" not in message[0].message
    assert editor.text(uri) == "" and not editor.applied
    result = await editor.generate(uri, "python/dataclass", answers={"class_name": "App"})
    assert result["generationId"] and "class App" in editor.text(uri)
