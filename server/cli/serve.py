"""`scion serve`: the language server over stdio (default) or TCP."""

from __future__ import annotations

import click


def serve(tcp: str | None, log_file: str | None) -> int:
    from server.lsp.serve import run

    return run(tcp=tcp, log_file=log_file)


@click.command("serve", help="Run the language server (stdio by default, or TCP).")
@click.option("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
@click.option("--stdio", is_flag=True, help="use stdio (the default; accepted for clients that pass it)")
@click.option("--log-file", metavar="FILE", help="log file (default: the user log folder)")
def serve_command(tcp: str | None, stdio: bool, log_file: str | None) -> int:
    return serve(tcp, log_file)


COMMANDS = [serve_command]
