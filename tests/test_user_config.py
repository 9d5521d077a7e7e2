"""The user's own settings, read by the CLI as a real process with HOME and XDG_CONFIG_HOME in a temp folder.

Scion's user file (`$XDG_CONFIG_HOME/scion/config.toml`) may set what a
workspace's `.scion/config.toml` may not (it is the user's); layers are
defaults < user file < workspace file < flags, and `scion config show` says
which one each value came from. copier's own settings file (`settings.yml`)
is honoured for copier templates as copier honours it: `trust` and
`defaults`, compared with the real copier on the same file.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.copier.support import GIT_ENV, copier, differences, git_template, isolated_env, scion, tree

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}
NEEDS_TRUST = {
    "copier.yml": "_jinja_extensions: [jinja2.ext.do]\nproject:\n  type: str\n  default: demo\n"
    "_tasks:\n  - touch task-ran.txt\n",
    "README.md.jinja": "# {{ project }}\n",
    **ANSWERS,
}


def user_file(home: Path, text: str) -> Path:
    path = home / ".config/scion/config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_workspace(tmp_path: Path) -> tuple[Path, Path]:
    workspace = tmp_path / "ws"
    template = workspace / ".scion/templates/needs-trust"
    git_template(template, [("v1.0.0", NEEDS_TRUST)])
    return workspace, template


def generate(workspace: Path, home: Path, dest: str, *extra: str):
    return scion(
        "generate", "needs-trust", "--path", str(workspace / dest), "--defaults", *extra, cwd=workspace, home=home
    )


def test_the_user_file_may_trust_a_template_and_the_workspace_file_may_not(tmp_path: Path) -> None:
    workspace, template = make_workspace(tmp_path)
    (workspace / ".scion/config.toml").write_text('[templates]\ntrusted = ["/"]\n')
    refused = generate(workspace, tmp_path, "one")
    assert refused.returncode == 2 and "scion.templates.trusted" in refused.stderr
    assert "may not set it" in refused.stderr  # the workspace's try is reported
    assert not (workspace / "one").exists()

    user_file(tmp_path, f'[templates]\ntrusted = ["{template.parent}/"]\n')
    made = generate(workspace, tmp_path, "two")
    assert made.returncode == 0, made.stderr
    expected = tmp_path / "copier-made/two"
    done = copier("copy", "--defaults", "--trust", str(template), str(expected), cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert differences(tree(expected), tree(workspace / "two")) == []
    assert (workspace / "two/task-ran.txt").exists()


def test_config_show_says_which_file_each_value_came_from(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / ".scion").mkdir(parents=True)
    user_file(
        tmp_path,
        "[tracking]\nkeepThreshold = 0.6\n[evolution]\nminExecutions = 5\n[llm]\nmodel = 'ollama/mine'\n"
        "[database]\npath = 'user.db'\n",
    )
    (workspace / ".scion/config.toml").write_text("[tracking]\nkeepThreshold = 0.7\n")
    shown = scion("config", "show", "--json", "--db", "flag.db", cwd=workspace, home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    rows = {row["key"]: (row["value"], row["source"]) for row in data["settings"]}
    mine = "~/.config/scion/config.toml"
    assert rows["evolution.minExecutions"] == (5, mine)
    assert rows["llm.model"] == ("ollama/mine", mine)  # user-only: allowed in the user's own file
    assert rows["tracking.keepThreshold"] == (0.7, ".scion/config.toml")  # the workspace over the user
    assert rows["database.path"] == ("flag.db", "--db")  # the flag over both
    assert rows["log.level"] == ("info", "default")
    assert data["userFile"] == str(tmp_path / ".config/scion/config.toml") and data["userFileExists"]
    assert data["problems"] == []
    table = scion("config", "show", cwd=workspace, home=tmp_path)
    assert any(line.split()[:3] == ["evolution.minExecutions", "5", mine] for line in table.stdout.splitlines())


def test_a_broken_user_file_is_reported_and_the_command_still_runs(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / ".scion").mkdir(parents=True)
    user_file(tmp_path, "[tracking\nkeepThreshold = ")
    shown = scion("config", "show", "--json", cwd=workspace, home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "~/.config/scion/config.toml: is not valid TOML" in shown.stderr
    user_file(tmp_path, "[tracking]\nkeepThreshold = 'high'\n")
    shown = scion("config", "show", "--json", cwd=workspace, home=tmp_path)
    assert "`tracking.keepThreshold`" in shown.stderr and "using the default 0.5" in shown.stderr


def copier_settings(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_copiers_settings_file_trusts_and_sets_defaults_as_copier_does(tmp_path: Path) -> None:
    workspace, template = make_workspace(tmp_path)
    # isolated_env points $COPIER_SETTINGS_PATH here, for copier and scion alike.
    settings = tmp_path / "no-copier-settings.yml"
    copier_settings(settings, f"trust:\n  - {template.parent}/\ndefaults:\n  project: from-settings\n")
    made = generate(workspace, tmp_path, "made")
    assert made.returncode == 0, made.stderr
    expected = tmp_path / "copier-made/made"
    done = copier("copy", "--defaults", str(template), str(expected), cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert differences(tree(expected), tree(workspace / "made")) == []
    assert (workspace / "made/README.md").read_text() == "# from-settings\n"
    assert (workspace / "made/task-ran.txt").exists()  # trusted by copier's list: its tasks ran


def test_copiers_settings_file_is_found_in_copiers_config_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    workspace, template = make_workspace(tmp_path)
    copier_settings(tmp_path / ".config/copier/settings.yml", f"trust: ['{template}']\n")
    env = {key: value for key, value in isolated_env(tmp_path).items() if key != "COPIER_SETTINGS_PATH"}
    made = subprocess.run(
        [sys.executable, "-P", "-m", "server", "generate", "needs-trust", "--path", str(workspace / "p"), "--defaults"],
        cwd=workspace,
        capture_output=True,
        text=True,
        env={**env, **GIT_ENV},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    assert (workspace / "p/task-ran.txt").exists()


def test_a_broken_copier_settings_file_is_one_line_naming_it(tmp_path: Path) -> None:
    workspace, _ = make_workspace(tmp_path)
    copier_settings(tmp_path / "no-copier-settings.yml", "trust: yes-please\n")
    refused = generate(workspace, tmp_path, "p")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "no-copier-settings.yml" in refused.stderr and "`trust`" in refused.stderr
    assert not (workspace / "p").exists()
