"""The `scion` command line: the same domain code as the language server, in batch.

Built with click: each command module defines a click command whose callback
turns options into plain arguments and calls a plain function that does the
work and returns the exit code (0 fine, 1 findings, 2 usage or input errors).
`main()` maps failures to those codes: a `ScionError` is `error: <one line>`.
"""

from __future__ import annotations

import logging

import click

from server import __version__
from server.cli.output import fail, note, warn
from server.common.errors import ScionError

PROG = "scion"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Each command's module, imported when the command runs (or a help page or completion lists it):
# a `scion generate` process does not pay for the evolution and learned-program modules.
COMMAND_MODULES = {
    "serve": "serve",
    "templates": "templates",
    "generate": "generate",
    "stats": "stats",
    "upgrade": "upgrade",
    "check": "upgrade",
    "evolve": "evolve",
    "learned": "learned",
    "hub": "hub",
    "config": "config",
    "completion": "completion",
    "warm": "warm",
}


class LazyGroup(click.Group):
    """click's group with commands loaded on first use (the pattern of click's docs, "lazy loading")."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            import importlib

            module = importlib.import_module(f"server.cli.{COMMAND_MODULES[cmd_name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings=CONTEXT,
    help="Code templates that get better by being used: generate, track, upgrade, evolve.",
    epilog="Exit codes: 0 fine, 1 findings (upgrades available, conflicts, failed files), 2 usage or input errors.",
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def scion(ctx: click.Context) -> None:
    if ctx.invoked_subcommand != "serve":  # the server logs to its own file and the editor
        _log_warnings_to_stderr()


class _WarningsToStderr(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())


def _log_warnings_to_stderr() -> None:
    """What the domain logs at warning level reaches a terminal user as `warning: ...`, once."""
    root = logging.getLogger()
    if not any(isinstance(handler, _WarningsToStderr) for handler in root.handlers):
        root.addHandler(_WarningsToStderr(logging.WARNING))


def all_commands() -> dict[str, click.Command]:
    """Every top-level command, loaded (for tests and tools that walk the tree)."""
    ctx = click.Context(scion)
    return {name: command for name in scion.list_commands(ctx) if (command := scion.get_command(ctx, name))}


def main(argv: list[str] | None = None) -> int:
    try:
        result = scion.main(args=argv, prog_name=PROG, standalone_mode=False)
    except click.ClickException as error:  # usage errors and bad option values
        error.show()
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:  # click's name for Ctrl-C and end of input
        note("cancelled")
        return 130
    except ScionError as error:
        fail(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        note("cancelled")
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)
