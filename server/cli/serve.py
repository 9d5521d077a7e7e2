"""`scion serve`: the language server over stdio (default) or TCP."""

from __future__ import annotations


def add_parser(commands) -> None:
    parser = commands.add_parser("serve", help="run the language server (stdio by default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    parser.add_argument(
        "--stdio", action="store_true", help="use stdio (the default; accepted for clients that pass it)"
    )
    parser.add_argument("--log-file", help="log file (default: the user log folder)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from server.lsp.serve import run as serve

    return serve(tcp=args.tcp, log_file=args.log_file)
