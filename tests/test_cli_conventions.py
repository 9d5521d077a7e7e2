"""The CLI's conventions, through the real `scion` process: help pages, exit codes, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from server.cli import all_commands
from server.cli import scion as root_command
from tests.conftest import generate_outdated, scion_process

SCION = Path(sys.executable).with_name("scion")  # the console script the completion scripts call back


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        subcommands = all_commands() if command is root_command else command.commands
        for name, sub in sorted(subcommands.items()):
            found += command_paths(sub, (*path, name))
    return found


@pytest.mark.parametrize(
    ("path", "command"),
    command_paths(root_command),
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_every_help_page_has_a_usage_line_and_a_description(path, command, workspace):
    result = scion_process(*path, "--help", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: {' '.join(('scion', *path))} ")
    description = result.stdout.split("\n\n")[1].strip()
    assert description and description.split()[:3] == (command.help or "").split()[:3]


def test_short_help_is_accepted_too(workspace):
    assert scion_process("templates", "list", "-h", cwd=workspace).stdout.startswith("Usage: scion templates list")


@pytest.mark.parametrize(
    "args",
    [
        ["upgrade", "nosuchfile.py"],
        ["upgrade"],  # neither files nor --all
        ["check", "--workspace", "/nonexistent"],
        ["templates", "list", "--workspace", "/nonexistent"],
        ["stats", "--workspace", "/nonexistent"],
        ["generate", "python/dataclass"],  # --path is required
        ["generate", "python/dataclass", "--path", "a.py", "--line", "0"],
        ["evolve", "--min-kept-rate", "2"],
        ["learned", "import", "missing.json"],
        ["completion", "tcsh"],
        ["templates", "--no-such-option"],
        ["no-such-command"],
    ],
    ids=" ".join,
)
def test_usage_and_input_errors_exit_2_with_a_message_and_write_nothing(args, workspace):
    before = sorted(workspace.rglob("*"))
    result = scion_process(*args, cwd=workspace)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Error:" in result.stderr and "Traceback" not in result.stderr and result.stdout == ""
    assert sorted(workspace.rglob("*")) == before


def test_findings_exit_1_and_a_clean_workspace_exits_0(workspace):
    assert scion_process("check", cwd=workspace).returncode == 0
    generate_outdated(workspace, "a.py")
    check = scion_process("check", cwd=workspace)
    assert check.returncode == 1 and check.stdout.startswith("a.py: python/dataclass 1.0.0")
    assert scion_process("upgrade", "--all", "--defaults", cwd=workspace).returncode == 0
    assert scion_process("check", cwd=workspace).returncode == 0


def test_the_completion_script_of_each_shell_calls_scion_back(workspace):
    for shell, marker in [("bash", "bash_complete"), ("zsh", "zsh_complete"), ("fish", "fish_complete")]:
        result = scion_process("completion", shell, cwd=workspace)
        assert result.returncode == 0 and f"_SCION_COMPLETE={marker}" in result.stdout


def complete_in_bash(words: str, workspace: Path) -> list[str]:
    """What bash offers after `words` with the script `scion completion bash` prints: a real bash, the real script."""
    script = f"""
    eval "$("{SCION}" completion bash)"
    COMP_WORDS=({words})
    COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    _scion_completion scion
    printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{SCION.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "--norc", "-c", script], cwd=workspace, capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completes_commands_options_and_template_ids(workspace):
    assert complete_in_bash("scion templ", workspace) == ["templates"]
    assert "--dry-run" in complete_in_bash("scion upgrade --", workspace)
    assert complete_in_bash("scion generate python/datac", workspace) == ["python/dataclass"]


@pytest.mark.parametrize(
    ("shell", "cword", "answer"), [("zsh", "1", "templates"), ("fish", "templ", "plain,templates")]
)
def test_zsh_and_fish_get_the_same_answers(shell, cword, answer, workspace):
    # Neither shell is on these machines: speak the protocol their scripts speak (fish sends the word itself).
    env = {**os.environ, "_SCION_COMPLETE": f"{shell}_complete", "COMP_WORDS": "scion templ", "COMP_CWORD": cword}
    result = subprocess.run([str(SCION)], cwd=workspace, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and answer in result.stdout.replace("\t", "\n").splitlines()
