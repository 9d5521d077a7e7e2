"""Connecting to the hub, and turning psycopg's failures into HubErrors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from server.common.config import shown_url
from server.common.errors import HubError
from server.hub import require_psycopg

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
# A statement that hangs (a locked table, a dead network) must not hold the sync for ever.
STATEMENT_TIMEOUT_MS = 30_000


def connect(url: str, *, autocommit: bool = False, timeout_s: int = CONNECT_TIMEOUT_S) -> psycopg.Connection[Any]:
    """A connection to the hub at `url`; HubError (naming the URL without its password) when it fails."""
    require_psycopg()
    import psycopg

    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=timeout_s,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            application_name="scion",
        )
    except psycopg.Error as error:
        raise describe(error, url) from error


def describe(error: Exception, url: str) -> HubError:
    """A HubError saying what went wrong with the hub at `url`."""
    text = " ".join(str(error).split())
    if "password authentication failed" in text or "no password supplied" in text:
        hint = "the hub refused the credentials; check the user and password in scion.hub.url"
    elif "does not exist" in text and "database" in text:
        hint = "the hub's database does not exist; create it, then run `scion hub init URL`"
    elif "scion_hub" in text and ("does not exist" in text or "permission denied for schema" in text):
        hint = "the hub has no Scion schema yet; run `scion hub init URL` with an administrator's URL"
    elif "row-level security" in text:
        hint = "the hub refused a row this login may not write (another instance's id?)"
    elif "permission denied" in text:
        hint = "this login may not use the hub; ask for one with `scion hub add-member NAME`"
    else:
        hint = "the hub cannot be reached"
    return HubError(f"{hint} ({shown_url(url)}: {shown_url(text)})")


@contextmanager
def translated(url: str) -> Iterator[None]:
    """psycopg errors inside the block become HubErrors."""
    require_psycopg()
    import psycopg

    try:
        yield
    except psycopg.Error as error:
        raise describe(error, url) from error
