"""One configuration: `.scion/config.toml` read by the CLI (as a process) like the server, flags over it,
and the trust boundary of a file that comes with the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.common.config import Layer
from server.common.config_file import MAX_BYTES, load_settings
from tests.conftest import scion_process
from tests.templates.helpers import name_template


def write_config(workspace: Path, text: str) -> None:
    (workspace / ".scion" / "config.toml").write_text(text)


def test_the_cli_sees_the_templates_the_workspace_file_adds(workspace):
    shared = workspace.parent / "shared-templates"
    name_template(shared, "mine", "1.0.0", "X = 1\n", default="thing")
    write_config(workspace, '[templates]\nroots = ["../shared-templates"]\n')

    made = scion_process("generate", "mine", "--path", "thing.py", "--defaults", cwd=workspace)
    assert made.returncode == 0, made.stderr
    assert (workspace / "thing.py").read_text() == "X = 1\n"
    name_template(shared, "mine", "2.0.0", "X = 2\n", default="thing")
    check = scion_process("check", cwd=workspace)
    assert check.returncode == 1 and "thing.py: mine 1.0.0 → 2.0.0" in check.stdout
    assert scion_process("upgrade", "--all", "--defaults", cwd=workspace).returncode == 0
    assert (workspace / "thing.py").read_text() == "X = 2\n"


def test_config_show_says_where_each_value_came_from(workspace):
    write_config(workspace, "[tracking]\nkeepThreshold = 0.7\n\n[database]\npath = '.scion/team.db'\n")
    shown = scion_process("config", "show", "--json", "--db", "other.db", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    rows = {row["key"]: (row["value"], row["source"]) for row in data["settings"]}
    assert rows["tracking.keepThreshold"] == (0.7, ".scion/config.toml")
    assert rows["database.path"] == ("other.db", "--db")  # the flag over the file
    assert rows["log.level"] == ("info", "default")
    assert data["file"] == ".scion/config.toml" and data["fileExists"] and data["problems"] == []
    table = scion_process("config", "show", cwd=workspace)
    assert any(
        line.split()[:3] == ["tracking.keepThreshold", "0.7", ".scion/config.toml"]
        for line in table.stdout.splitlines()
    )


def test_the_database_path_of_the_workspace_file_is_used_by_the_cli(workspace):
    write_config(workspace, "[database]\npath = '.scion/team.db'\n")
    made = scion_process("generate", "python/dataclass", "--path", "a.py", "--defaults", cwd=workspace)
    assert made.returncode == 0, made.stderr
    assert (workspace / ".scion" / "team.db").is_file() and not (workspace / ".scion" / "scion.db").exists()


def test_evolve_flags_go_over_the_workspace_file(workspace):
    write_config(workspace, "[evolution]\nminExecutions = 7\nminKeptRate = 0.5\n")
    shown = scion_process("config", "show", "--json", cwd=workspace)
    rows = {row["key"]: row["source"] for row in json.loads(shown.stdout)["settings"]}
    assert rows["evolution.minExecutions"] == ".scion/config.toml"
    status = scion_process("evolve", "status", "--min-executions", "3", cwd=workspace)
    assert status.returncode == 0 and "No learned tasks yet." in status.stdout


def test_bad_values_are_reported_once_and_the_command_still_runs(workspace):
    write_config(workspace, "[tracking]\nkeepThreshold = 7\nsurvival = 1\n[log]\nlevel = 'loud'\n")
    listed = scion_process("templates", "list", cwd=workspace)
    assert listed.returncode == 0 and "python/dataclass" in listed.stdout
    shown = scion_process("config", "show", cwd=workspace)
    warnings = [line for line in shown.stderr.splitlines() if line.startswith("warning: .scion/config.toml")]
    assert len(warnings) == 3
    assert any("`tracking.keepThreshold`" in w and "using the default 0.5" in w for w in warnings)
    assert any("`tracking.survival`: unknown setting" in w for w in warnings)
    write_config(workspace, "[tracking\nkeepThreshold = ")
    shown = scion_process("config", "show", cwd=workspace)
    assert shown.returncode == 0 and "is not valid TOML" in shown.stderr


# -- the trust boundary: what a repository's file may not do --------------------------------------


def settings_of(workspace: Path, text: str, *later: Layer):
    write_config(workspace, text)
    return load_settings(workspace, *later)


def test_user_only_settings_are_refused_and_never_echoed(workspace):
    resolved = settings_of(
        workspace,
        '[llm]\nmodel = "gpt-4-32k"\napiBase = "https://attacker.example/v1"\napiKey = "sk-committed"\ntimeout = 3\n'
        '[server]\npythonPath = "/tmp/evil/python"\n',
        Layer("editor settings", {"llm": {"apiKey": "sk-mine"}}),
    )
    llm = resolved.settings.llm
    assert (llm.model, llm.api_base, llm.api_key, llm.timeout) == ("", "", "sk-mine", 3.0)
    assert resolved.settings.server.python_path == ""
    refused = sorted(p.split("`")[1] for p in resolved.problems)
    assert refused == ["llm.apiBase", "llm.apiKey", "llm.model", "server.pythonPath"]
    assert not any("sk-" in problem for problem in resolved.problems)


def test_a_repository_may_not_trust_its_own_copier_templates(workspace):
    resolved = settings_of(
        workspace,
        '[templates]\ntrusted = ["./", "https://github.com/"]\n',
    )
    assert resolved.settings.templates.trusted == ()
    assert [p.split("`")[1] for p in resolved.problems] == ["templates.trusted"]
    mine = load_settings(workspace, Layer("editor settings", {"templates": {"trusted": ["gh:me/"]}}))
    assert mine.settings.templates.trusted == ("gh:me/",)  # the user's own layers may


@pytest.mark.parametrize(
    ("path", "allowed"),
    [(".scion/team.db", True), (":memory:", True), ("../elsewhere.db", False), ("/tmp/x.db", False)],
)
def test_the_database_must_stay_inside_the_workspace(workspace, path, allowed):
    resolved = settings_of(workspace, f"[database]\npath = '{path}'\n")
    assert (resolved.settings.database.path == path) is allowed
    assert bool(resolved.problems) is not allowed


@pytest.mark.parametrize(
    ("root", "allowed"),
    [("../shared-templates", True), ("templates", True), ("..", False), (".", False), ("/", False), ("~/t", False)],
)
def test_template_roots_are_relative_and_not_above_the_workspace(workspace, root, allowed):
    resolved = settings_of(workspace, f"[templates]\nroots = ['{root}']\n")
    assert (resolved.settings.templates.roots == (root,)) is allowed


def test_a_symlinked_or_huge_file_is_ignored(workspace, tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text("[tracking]\nkeepThreshold = 0.9\n")
    (workspace / ".scion" / "config.toml").symlink_to(outside)
    linked = load_settings(workspace)
    assert linked.settings.tracking.keep_threshold == 0.5 and "outside the workspace" in linked.problems[0]
    (workspace / ".scion" / "config.toml").unlink()
    huge = settings_of(workspace, "# " + "x" * MAX_BYTES + "\n")
    assert "KiB" in huge.problems[0]
    nested = settings_of(workspace, "x = " + "[" * 20_000 + "]" * 20_000 + "\n")  # under the size bound
    assert "is not valid TOML" in nested.problems[0]  # too deep for the parser: reported, never a crash


HOSTILE_HUB = '[hub]\nurl = "postgresql://thief:s3cret@attacker.example/loot"\nshare = "code"\npollInterval = 1\n'


def test_a_repository_cannot_choose_the_hub_or_what_is_shared(workspace):
    mine = "postgresql://ann@db.example/scion"
    resolved = settings_of(workspace, HOSTILE_HUB, Layer("editor settings", {"hub": {"url": mine}}))
    hub = resolved.settings.hub
    assert (hub.url, hub.share, hub.poll_interval) == (mine, "answers", 30.0)  # the editor's URL, the defaults
    refused = sorted(p.split("`")[1] for p in resolved.problems)
    assert refused == ["hub.pollInterval", "hub.share", "hub.url"]
    assert all("a repository's file may not set it" in problem for problem in resolved.problems)
    assert not any("s3cret" in problem or "attacker" in problem for problem in resolved.problems)
    unknown = settings_of(workspace, '[hub]\nendpoint = "x"\n[other]\nx = 1\n')
    assert any("`hub.endpoint`: a repository's file may not set it" in p for p in unknown.problems)


def test_the_cli_shares_nothing_with_a_hub_the_workspace_file_names(workspace, monkeypatch):
    monkeypatch.delenv("SCION_HUB_URL", raising=False)
    write_config(workspace, HOSTILE_HUB)
    shown = scion_process("config", "show", "--json", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    rows = {row["key"]: (row["value"], row["source"]) for row in json.loads(shown.stdout)["settings"]}
    assert rows["hub.url"] == ("", "default") and rows["hub.share"] == ("answers", "default")
    assert "`hub.url`: a repository's file may not set it" in shown.stderr and "s3cret" not in shown.stderr
    made = scion_process("generate", "python/dataclass", "--path", "a.py", "--defaults", cwd=workspace)
    assert made.returncode == 0, made.stderr
    from server.store import Store

    with Store(workspace / ".scion" / "scion.db") as store:
        assert store.outbox_size() == 0  # nothing was queued for the repository's hub
    sync = scion_process("hub", "sync", cwd=workspace)
    assert sync.returncode == 2 and "error: no hub configured" in sync.stderr
