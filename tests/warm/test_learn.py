"""The warm process learns installed modules a run imported, and nothing from anywhere else."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from server.warm.learn import import_learned, installed_roots, new_installed_modules
from tests.copier.support import git_template, tree
from tests.support.warm import Warm


def test_only_modules_from_the_interpreters_library_folders_are_learned(tmp_path, monkeypatch):
    (tmp_path / "from_a_workspace.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = frozenset(sys.modules)
    import wave  # noqa: F401 - the standard library's, rarely loaded

    import from_a_workspace  # noqa: F401 - imported to be reported (or not)

    roots = installed_roots()
    learned = new_installed_modules(before, roots)
    assert "wave" in learned and "from_a_workspace" not in learned
    for name in ("from_a_workspace", "wave"):
        sys.modules.pop(name, None)
    assert import_learned(["from_a_workspace", "server.nothing", 42, "wave"], roots) == ["wave"]  # type: ignore[list-item]
    assert "from_a_workspace" not in sys.modules


def test_a_template_extension_is_learned_and_the_next_run_is_unchanged(tmp_path):
    template = git_template(
        tmp_path / "template",
        [
            (
                "v1",
                {
                    "copier.yml": "_jinja_extensions: [jinja2_time.TimeExtension]\nname:\n  default: demo\n",
                    "{{ name }}.txt.jinja": "{{ name }} made in {% now 'utc', '%Y' %}\n",
                },
            )
        ],
    )
    warm = Warm(tmp_path / "warm")
    try:
        state = warm.start()
        args = ["generate", str(template), "--path", "out", "--defaults", "--trust"]
        first = warm.run(*args, cwd=tmp_path / "warm")
        assert first.returncode == 0, first.stderr
        log = Path(state["log"])
        deadline = time.monotonic() + 30
        while "jinja2_time" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "learned" in log.read_text() and "jinja2_time" in log.read_text()
        (tmp_path / "cold").mkdir()
        again = warm.run(*args, cwd=tmp_path / "cold", warm=False)
        (tmp_path / "second").mkdir()
        second = warm.run(*args, cwd=tmp_path / "second")
        assert second.returncode == again.returncode == 0
        assert tree(tmp_path / "second/out") == tree(tmp_path / "cold/out")
        assert warm.status()["pid"] == state["pid"]
    finally:
        warm.stop()
