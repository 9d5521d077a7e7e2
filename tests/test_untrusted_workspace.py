"""What a cloned repository can put in a workspace ends in one clear line, never a traceback."""

from __future__ import annotations

import sys

from server.evolution import llm
from tests.conftest import generate_outdated, scion_process

UNKNOWN_FILTER = """\
title: Uses copier's filters
mode: file
questions:
  name:
    default: "{{ 'x' | regex_search('x') }}"
"""


def test_a_template_with_an_unknown_filter_is_skipped_with_one_warning(workspace):
    folder = workspace / ".scion/templates/acme/filters/1.0.0"
    (folder / "files").mkdir(parents=True)
    (folder / "template.yml").write_text(UNKNOWN_FILTER)
    (folder / "files" / "x.py.jinja").write_text("{{ name }}\n")

    listed = scion_process("templates", "list", "--workspace", str(workspace), cwd=workspace)
    generated = scion_process(
        "generate", "python/dataclass", "--path", "order.py", "--defaults", "--workspace", str(workspace), cwd=workspace
    )

    for done in (listed, generated):
        assert done.returncode == 0 and "Traceback" not in done.stderr
        assert "No filter named 'regex_search'" in done.stderr
    assert "python/dataclass" in listed.stdout and "acme/filters" not in listed.stdout
    assert "class Order" in (workspace / "order.py").read_text()


def test_check_reports_every_upgrade_past_broken_answer_files(workspace):
    for name in ("a", "b"):
        generate_outdated(workspace, f"{name}.py")
    (workspace / "0broken.py.template-answers.yml").write_text("generations: [\n")
    (workspace / "0latin1.py.template-answers.yml").write_bytes("generations: []  # caf\xe9\n".encode("latin-1"))

    done = scion_process("check", "--workspace", str(workspace), cwd=workspace)

    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "a.py:" in done.stdout and "b.py:" in done.stdout
    assert "0broken.py.template-answers.yml:2: cannot check it" in done.stderr
    assert "0latin1.py.template-answers.yml: cannot check it: not UTF-8" in done.stderr
    assert "2 answer files could not be checked" in done.stderr


def test_a_missing_litellm_is_explained_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "litellm", None)  # as if it were not installed
    message = llm.missing_message()
    assert (
        message is not None
        and "litellm is not installed" in message
        and "pip install -e" in message
        and "[llm]" in message
    )
