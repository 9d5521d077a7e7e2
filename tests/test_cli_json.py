"""`--json` on every command, in one form: camelCase keys (as in LSP) and paths relative to the workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.cli.output import DATA_KEYS
from server.evolution.deploy import deploy
from server.store import Store
from server.templates.catalog import Catalog
from tests.conftest import scion_process
from tests.evolution.contexts import features_for
from tests.evolution.histories import greeter
from tests.evolution.test_programs import ELIXIR, TASK, elixir_module


def names_outside_data(value: Any) -> list[str]:
    """Every key that names a field (not the keys of answers, changelogs and the like)."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found.append(key)
            if key not in DATA_KEYS:
                found += names_outside_data(item)
        return found
    if isinstance(value, list):
        return [name for item in value for name in names_outside_data(item)]
    return []


def json_of(workspace: Path, *args: str, code: int = 0) -> Any:
    result = scion_process(*args, "--json", cwd=workspace)
    assert result.returncode == code, result.stderr
    assert str(workspace) not in result.stdout, f"an absolute path in `scion {' '.join(args)} --json`"
    data = json.loads(result.stdout)
    snake = [name for name in names_outside_data(data) if "_" in name.lstrip("_")]
    assert not snake, f"`scion {' '.join(args)} --json` has snake_case keys: {snake}"
    return data


def test_every_command_answers_json_in_one_form(workspace):
    # Learned tasks with enough kept answers for a program, so evolve and learned have something to show.
    with Store(workspace / ".scion" / "scion.db") as store:
        for path in ELIXIR[:4]:
            store.record_execution(TASK, features_for(path, "elixir"), elixir_module(path), "user", kept=True)

    made = json_of(workspace, "generate", "python/dataclass", "--version", "1.0.0", "--path", "src/a.py", "--defaults")
    assert made["files"] == ["src/a.py"] and made["answerFile"] == "src/a.py.template-answers.yml"
    assert made["answers"]["class_name"] == "A"  # question names are data: kept as they are
    assert any(t["id"] == "python/dataclass" for t in json_of(workspace, "templates", "list"))
    shown = json_of(workspace, "templates", "show", "python/dataclass")
    assert shown["changelog"] and shown["questions"]
    stats = json_of(workspace, "stats")
    assert stats["versions"][0]["templateId"] == "python/dataclass"
    assert json_of(workspace, "check", code=1)[0]["file"] == "src/a.py"
    planned = json_of(workspace, "upgrade", "--all", "--dry-run", "--defaults")
    assert planned["dryRun"] is True and planned["files"][0]["file"] == "src/a.py"
    evolved = json_of(workspace, "evolve", "--min-executions", "3")
    [learned] = [task for task in evolved["tasks"] if task["task"] == TASK]
    assert learned["newProgram"]["path"].startswith(".scion/learned/")
    [status] = [
        row for row in json_of(workspace, "evolve", "status", "--min-executions", "3")["tasks"] if row["task"] == TASK
    ]
    assert status["program"]["path"].startswith(".scion/learned/")
    exported = json_of(workspace, "learned", "export", "lib.json")
    assert exported == {"exported": 1, "file": "lib.json"}
    imported = json_of(workspace, "learned", "import", "lib.json", "--dry-run")
    assert [entry["task"] for entry in imported["accepted"]] == [TASK]


def test_templates_rollback_answers_json(workspace):
    root = workspace / ".scion" / "templates"
    greeter(root)
    with Store(workspace / ".scion" / "scion.db") as store:
        catalog = Catalog([(root, "workspace")])
        parent = catalog.get("demo/greeter")
        deploy(workspace, store, parent, parent.path, catalog.versions(parent.id), ["adds x"], {"decided": 12})

    rolled = json_of(workspace, "templates", "rollback", "demo/greeter")

    assert rolled == {
        "template": "demo/greeter",
        "removed": "1.1.0",
        "current": "1.0.0",
        "keptIn": ".scion/rolled-back/demo/greeter/1.1.0",
    }
    assert (workspace / rolled["keptIn"] / "template.yml").is_file()
