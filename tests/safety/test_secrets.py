"""Secret answers are never persisted, and upgrades ask for them again (issue 13, item 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main
from server.common.errors import AnswerError
from server.store import Store
from server.templates.answerfile import read_answer_file
from server.templates.catalog import Catalog, default_roots
from server.templates.secrets import REDACTED, redact
from server.upgrades.detect import Detector
from server.upgrades.service import Upgrader
from tests.safety.helpers import SECRET, V2_BODY, add_settings_template, files_holding, tables_holding


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / ".scion").mkdir(parents=True)
    add_settings_template(root)
    return root


def generate(workspace: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "server",
            "generate",
            "acme/settings",
            "--path",
            "src/settings.py",
            "-a",
            f"db_password={SECRET}",
            "--defaults",
            "--workspace",
            str(workspace),
            *extra,
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def assert_not_persisted(workspace: Path, *generated: Path) -> None:
    assert not files_holding(workspace, SECRET, besides=generated)  # answer files, the database and its WAL, locks
    assert not tables_holding(workspace / ".scion" / "scion.db", SECRET)


def test_cli_generate_writes_the_secret_into_the_code_only(workspace):
    for extra in ((), ("--json",)):
        (workspace / "src").exists() and [p.unlink() for p in (workspace / "src").iterdir()]
        result = generate(workspace, *extra)
        assert result.returncode == 0, result.stderr
        assert SECRET not in result.stdout + result.stderr  # output is logged by CI and terminals
        code = workspace / "src" / "settings.py"
        assert f'DB_PASSWORD = "{SECRET}"' in code.read_text()
        [record] = read_answer_file(workspace / "src" / "settings.py.template-answers.yml")
        assert "db_password" not in record.answers and "db_password" not in record.sources
        assert record.answers == {"db_name": "app"}
        assert_not_persisted(workspace, code)
    row = Store(workspace / ".scion" / "scion.db").get_generation(json.loads(result.stdout)["generationId"])
    assert REDACTED in row["rendered_text"] and "db_password" not in row["answers"]


def test_the_stored_sha_is_the_real_render_s(workspace):
    assert generate(workspace).returncode == 0
    [record] = read_answer_file(workspace / "src" / "settings.py.template-answers.yml")
    row = Store(workspace / ".scion" / "scion.db").get_generation(record.generation_id)
    assert row["rendered_sha"] == record.sha256  # what upgrades compare against: the code as rendered


def _catalog(workspace: Path) -> Catalog:
    return Catalog(default_roots(workspace))


def _upgrade_ready(workspace: Path) -> Path:
    assert generate(workspace).returncode == 0
    code = workspace / "src" / "settings.py"
    code.write_text("# project settings\n" + code.read_text())  # the user's edit, kept by a three-way merge
    add_settings_template(workspace, "1.1.0", V2_BODY)
    return code


def test_an_upgrade_asks_the_secret_again_and_merges_cleanly(workspace):
    code = _upgrade_ready(workspace)
    asked = []

    def ask(params):
        asked.append(params)
        return {q["name"]: SECRET if q["name"] == "db_password" else q["default"] for q in params["questions"]}

    store = Store(workspace / ".scion" / "scion.db")
    upgrade = Upgrader(_catalog(workspace), workspace, store, ask=ask).upgrade(code)

    assert [q["name"] for q in asked[0]["questions"]] == ["db_password"] and asked[0]["questions"][0]["secret"]
    assert upgrade.status == "upgraded" and upgrade.conflicts == 0  # the base was rendered with the secret again
    text = code.read_text()
    assert (
        f'DB_PASSWORD = "{SECRET}"' in text
        and text.startswith("# project settings\n")
        and "return 2" in text
        and "TIMEOUT = 30" in text
    )
    [record] = read_answer_file(workspace / "src" / "settings.py.template-answers.yml")
    assert record.version == "1.1.0" and "db_password" not in record.answers
    store.close()
    assert_not_persisted(workspace, code)


def test_without_a_prompt_the_secret_is_needed_explicitly(workspace):
    code = _upgrade_ready(workspace)
    before = code.read_text()
    with pytest.raises(AnswerError, match="db_password=VALUE"):
        Upgrader(_catalog(workspace), workspace).upgrade(code)
    assert code.read_text() == before

    upgrade = Upgrader(_catalog(workspace), workspace, answers={"db_password": SECRET}).upgrade(code)
    assert upgrade.status == "upgraded" and upgrade.conflicts == 0
    assert f'DB_PASSWORD = "{SECRET}"' in code.read_text()
    assert_not_persisted(workspace, code)


def test_cli_upgrade_takes_the_secret_as_an_answer(workspace, capsys):
    code = _upgrade_ready(workspace)
    assert main(["upgrade", str(code), "--workspace", str(workspace)]) == 1  # a failed file
    out = capsys.readouterr()
    assert "--answer db_password=VALUE" in out.out + out.err
    assert main(["upgrade", str(code), "--answer", f"db_password={SECRET}", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    assert "TIMEOUT = 30" in code.read_text() and SECRET in code.read_text()
    assert_not_persisted(workspace, code)


def test_detection_offers_the_upgrade_without_knowing_the_secret(workspace):
    _upgrade_ready(workspace)
    answer_file = workspace / "src" / "settings.py.template-answers.yml"
    [offer] = Detector(_catalog(workspace), workspace).offers(answer_file)
    assert (offer.from_version, offer.to_version) == ("1.0.0", "1.1.0")


def test_no_offer_when_the_new_version_renders_the_same(workspace):
    assert generate(workspace).returncode == 0
    add_settings_template(workspace, "1.0.1")  # same body
    answer_file = workspace / "src" / "settings.py.template-answers.yml"
    assert Detector(_catalog(workspace), workspace).offers(answer_file) == []


def test_redaction_replaces_longer_values_first():
    assert redact("ab abc", ["ab", "abc"]) == f"{REDACTED} {REDACTED}"
    assert redact(None, ["x"]) is None
