"""The `scion` command line: the same domain code as the language server, in batch."""

from __future__ import annotations

import argparse
import sys

from server import __version__
from server.common.errors import ScionError


def build_parser() -> argparse.ArgumentParser:
    from server.cli import evolve, generate, hub, learned, serve, stats, templates, upgrade

    parser = argparse.ArgumentParser(
        prog="scion",
        description="Code templates that get better by being used: generate, track, upgrade, evolve.",
    )
    parser.add_argument("--version", action="version", version=f"scion {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (serve, templates, generate, stats, upgrade, evolve, learned, hub):
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ScionError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
