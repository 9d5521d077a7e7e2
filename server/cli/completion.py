"""`scion completion bash|zsh|fish`: the shell completion script, from click's own completion.

The script calls `scion` back with `_SCION_COMPLETE` set; click answers with
the commands, options and (for template ids) the workspace's templates.
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": 'eval "$(scion completion bash)"  # in ~/.bashrc',
    "zsh": 'eval "$(scion completion zsh)"  # in ~/.zshrc',
    "fish": "scion completion fish > ~/.config/fish/completions/scion.fish",
}


def completion_script(shell: str) -> str:
    from server.cli import PROG, scion

    completion_class = get_completion_class(shell)
    assert completion_class is not None  # SHELLS are click's own
    return completion_class(scion, {}, PROG, "_SCION_COMPLETE").source()


def print_completion(shell: str) -> int:
    click.echo(completion_script(shell))
    return 0


@click.command(
    "completion",
    help="Print the shell completion script for bash, zsh or fish. Install it with:\n\n\b\n"
    + "\n".join(INSTALL.values()),
)
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> int:
    return print_completion(shell)


COMMANDS = [completion_command]
