"""The team hub: a PostgreSQL database a whole team's instances share (psycopg 3, the optional `[hub]` extra).

No Scion-specific server runs: every instance talks to the database with
its own credentials. The workspace's SQLite stays the source of truth; what
is to be shared waits in its outbox (server/store/outbox.py) until the sync
(sync.py) pushes it, and what the team learned is pulled back into it.
Nothing here imports LSP types; the server's side is server/features/hub.py.
"""

from __future__ import annotations

import os

from server.common.errors import HubError

URL_ENV = "SCION_HUB_URL"


def hub_url(flag: str | None = None, setting: str = "") -> str:
    """The hub to use: `--hub URL`, else the `scion.hub.url` setting, else $SCION_HUB_URL; "" for none."""
    return (flag or setting or os.environ.get(URL_ENV, "")).strip()


def require_psycopg() -> None:
    """HubError with the install hint when the `[hub]` extra is missing."""
    try:
        import psycopg  # noqa: F401
    except ImportError as error:
        raise HubError(
            "the team hub needs psycopg 3: install Scion with the hub extra (pip install 'scion-lsp[hub]')"
        ) from error
