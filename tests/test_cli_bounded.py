"""A hostile workspace (alias bombs, runaway templates) ends CLI commands promptly with one clear line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import scion_process
from tests.templates.test_safe_yaml import BOMB, bomb_answer_file

ALIASES = "YAML aliases (*name) are not allowed in template manifests and answer files"
GUARD_S = 60  # only a guard against a hang; these commands take about a second


def scion(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return scion_process(*args, cwd=cwd, timeout=GUARD_S)


def add_template(workspace: Path, template_id: str, manifest: str, body: str) -> None:
    version = workspace / ".scion" / "templates" / template_id / "1.0.0"
    (version / "files").mkdir(parents=True)
    (version / "template.yml").write_text(manifest, encoding="utf-8")
    (version / "files" / "out.py.jinja").write_text(body, encoding="utf-8")


def test_check_and_upgrade_report_a_bomb_answer_file_and_go_on_with_the_others(workspace):
    made = scion(
        "generate",
        "python/dataclass",
        "--version",
        "1.0.0",
        "--path",
        "a.py",
        "--defaults",
        "-a",
        "class_name=A",
        cwd=workspace,
    )
    assert made.returncode == 0, made.stderr
    (workspace / "b.py").write_text("", encoding="utf-8")
    bomb_answer_file(workspace / "b.py.template-answers.yml")

    check = scion("check", cwd=workspace)
    assert check.returncode == 1  # a file that could not be checked is a finding
    assert check.stdout.startswith("a.py: python/dataclass 1.0.0 → 1.1.0")  # the good file is still checked
    assert f"warning: b.py.template-answers.yml:6: cannot check it: {ALIASES}" in check.stderr.splitlines()

    upgrade = scion("upgrade", "--all", "--dry-run", cwd=workspace)
    assert upgrade.returncode == 1 and "Traceback" not in upgrade.stderr
    assert f"failed: b.py: {workspace / 'b.py.template-answers.yml'}:6: {ALIASES}" in upgrade.stderr.splitlines()
    assert "upgraded: a.py (python/dataclass 1.0.0 → 1.1.0)" in upgrade.stderr


def test_a_bomb_manifest_only_disables_its_template(workspace):
    add_template(
        workspace,
        "bomb",
        "title: Bomb\nquestions:\n  q:\n    type: yaml\n    default:\n"
        + "".join("    " + line for line in BOMB.splitlines(keepends=True)),
        "x\n",
    )
    listed = scion("templates", "list", cwd=workspace)
    assert listed.returncode == 0 and "python/dataclass" in listed.stdout and "bomb" not in listed.stdout
    assert (
        f"warning: template skipped: {workspace / '.scion/templates/bomb/1.0.0/template.yml'}:7: {ALIASES}"
        in listed.stderr.splitlines()
    )
    generate = scion("generate", "bomb", "--path", "x.py", "--defaults", cwd=workspace)
    assert generate.returncode == 2 and "Traceback" not in generate.stderr
    assert (
        generate.stderr.splitlines()[-1]
        == f"error: no template 'bomb' (it exists but failed to load: {workspace / '.scion/templates/bomb/1.0.0/template.yml'}:7: {ALIASES})"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}",
            "loop iterations",
        ),
        ("{{ 'a' * 10000000000 }}", "at most 1,000,000"),
    ],
)
def test_generate_from_a_runaway_template_fails_with_one_line(workspace, body, reason):
    add_template(workspace, "runaway", "title: Runaway\n", body)
    generate = scion("generate", "runaway", "--path", "x.py", "--defaults", cwd=workspace)
    assert generate.returncode == 2
    [line] = generate.stderr.splitlines()
    assert (
        line.startswith(
            f"error: {workspace / '.scion/templates/runaway/1.0.0/files/out.py.jinja'}:1: cannot render out.py.jinja: "
        )
        and reason in line
    )
    assert not (workspace / "x.py").exists()
