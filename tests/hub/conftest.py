"""A throwaway PostgreSQL cluster per test session, and a fresh hub database per test.

`make test` installs Debian's `postgresql` when it is missing; without its
binaries (or without psycopg, the `[hub]` extra) these tests are skipped
with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support.pg_cluster import Cluster, binaries

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    pytest.importorskip("psycopg", reason="the [hub] extra (psycopg 3) is not installed")
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL 15+ is not installed (make test installs Debian's postgresql)")
    cluster = Cluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def hub_db(pg_cluster: Cluster) -> str:
    """The superuser URL of a new, empty database (no hub schema yet)."""
    return pg_cluster.create_database(f"hub_{next(_numbers)}")


@pytest.fixture
def hub(hub_db: str) -> str:
    """An initialised hub: the administrator's URL."""
    from server.hub.admin import init_hub

    init_hub(hub_db)
    return hub_db


@pytest.fixture
def team(hub: str) -> str:
    """A hub whose team `shop` has two members, ann and bob: the administrator's URL."""
    from server.hub.admin import add_member

    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    return hub


def member_url(admin_url: str, name: str) -> str:
    """The URL a member logs in with (trust authentication: no password on this throwaway cluster)."""
    return admin_url.replace("postgresql://postgres@", f"postgresql://{name}@", 1)
