"""`python -P -m server` starts the language server on stdio; with arguments it is the `scion` CLI."""

import sys

from server.warm.launch import main


def _arguments(argv: list[str]) -> list[str]:
    # Language clients often start servers with `--stdio`; it means `serve`.
    if not argv or argv[0] == "--stdio":
        return ["serve", *argv[1:]]
    return argv


if __name__ == "__main__":
    sys.exit(main(_arguments(sys.argv[1:])))
