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


@click.group(
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


def _add_commands() -> None:
    from server.cli import completion, config, evolve, generate, learned, serve, stats, templates, upgrade

    for module in (serve, templates, generate, stats, upgrade, evolve, learned, config, completion):
        for command in module.COMMANDS:
            scion.add_command(command)


_add_commands()


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
