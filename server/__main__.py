"""`python -m server` starts the language server on stdio; with arguments it is the `scion` CLI."""

import sys

from server.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["serve"]))
