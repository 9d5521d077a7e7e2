"""The `scion` CLI as users run it: real processes for the edges, `main()` for the rest."""

from __future__ import annotations

import json

from server.cli import main
from server.store import Store
from tests.conftest import scion_process

REQUIRED_TEMPLATE = """\
title: Service
mode: file
where: [empty_file]
languages: [python]
questions:
  service_name:
    type: str
    help: Name of the service
  port:
    type: int
    default: 8000
"""


def test_templates_list_and_show(workspace, capsys):
    assert main(["templates", "list", "--json", "--workspace", str(workspace)]) == 0
    listed = {entry["id"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert len(listed) >= 12 and listed["python/dataclass"]["versions"] == ["1.0.0", "1.1.0"]
    assert main(["templates", "show", "python/dataclass", "--version", "1.0.0", "--workspace", str(workspace)]) == 0
    shown = capsys.readouterr().out
    assert "1.0.0" in shown and "class_name" in shown


def test_generate_writes_the_file_the_answer_file_and_the_record(workspace, capsys):
    target = workspace / "src" / "shop" / "order_item.py"
    code = main(
        [
            "generate",
            "python/dataclass",
            "--path",
            str(target),
            "--answer",
            "frozen=yes",
            "--workspace",
            str(workspace),
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answers"]["class_name"] == "OrderItem" and result["sources"]["class_name"] == "context"
    assert result["answers"]["frozen"] is True and result["sources"]["frozen"] == "explicit"
    assert "class OrderItem" in target.read_text() and "frozen=True" in target.read_text()
    assert result["files"] == ["src/shop/order_item.py"]  # camelCase keys, paths relative to the workspace
    assert result["answerFile"] == "src/shop/order_item.py.template-answers.yml"
    assert "generation_id: " + result["generationId"] in (workspace / result["answerFile"]).read_text()
    store = Store(workspace / ".scion" / "scion.db")
    assert store.get_generation(result["generationId"])["status"] == "applied"


def test_insert_mode_goes_into_an_existing_file(workspace):
    target = workspace / "models.py"
    target.write_text("import os\n")
    assert (
        main(
            [
                "generate",
                "python/dataclass",
                "--path",
                str(target),
                "--line",
                "2",
                "--defaults",
                "--answer",
                "class_name=Point",
                "--workspace",
                str(workspace),
            ]
        )
        == 0
    )
    text = target.read_text()
    assert text.startswith("import os\n") and "class Point" in text


def test_errors_are_messages_with_exit_codes(workspace):
    unknown = scion_process("generate", "no/such", "--path", "a.py", "--workspace", str(workspace), cwd=workspace)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error:") and "Traceback" not in unknown.stderr
    wrong_type = scion_process(
        "generate", "python/dataclass", "--path", "b.py", "--answer", "frozen=perhaps", cwd=workspace
    )
    assert wrong_type.returncode == 2 and "frozen" in wrong_type.stderr and "Traceback" not in wrong_type.stderr
    assert not (workspace / "b.py").exists()
    (workspace / ".scion" / "scion.db").write_text("not a database")
    broken_db = scion_process("generate", "python/dataclass", "--path", "c.py", cwd=workspace)
    assert broken_db.returncode == 2 and "scion.db" in broken_db.stderr and "Traceback" not in broken_db.stderr


def test_a_required_question_without_a_terminal_is_named(workspace):
    version = workspace / ".scion" / "templates" / "acme" / "service" / "1.0.0"
    (version / "files").mkdir(parents=True)
    (version / "template.yml").write_text(REQUIRED_TEMPLATE)
    (version / "files" / "{{ service_name }}.py.jinja").write_text("PORT = {{ port }}\n")
    result = scion_process("generate", "acme/service", "--path", "svc.py", cwd=workspace)
    assert result.returncode == 2 and "service_name" in result.stderr
    assert not list(workspace.glob("*.py"))
    ok = scion_process(
        "generate",
        "acme/service",
        "--path",
        "svc.py",
        "--answer",
        "service_name=billing",
        "--answer",
        "port=9000",
        cwd=workspace,
    )
    assert ok.returncode == 0, ok.stderr
    assert (workspace / "billing.py").read_text() == "PORT = 9000\n"
