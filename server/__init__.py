"""Scion: a language server for code templates that get better by being used."""

from __future__ import annotations

import os
import sys

__version__ = "0.1.0"

# The name on PyPI once published; `scion` there is an unrelated project. The
# command stays `scion` and the package folder `server`.
DISTRIBUTION = "scion-lsp"


def install_command(extra: str = "") -> str:
    """The command that installs Scion (with `extra`, e.g. "[llm]") into this interpreter.

    Scion is not on PyPI yet, so it names the checkout this package runs from
    when there is one, else a placeholder for it.
    """
    import shlex  # here, not at the top: every `scion` run imports this package, few need this

    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(checkout, "pyproject.toml")):
        checkout = "<path of your Scion checkout>"
    return f"{shlex.quote(sys.executable)} -m pip install -e {shlex.quote(checkout + extra)}"
