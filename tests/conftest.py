"""What tests across the suite share: an empty workspace, the `scion` CLI as a real process, an outdated
generation, an old database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from server.store.connection import migrate


@pytest.fixture(autouse=True, scope="session")
def no_user_settings(tmp_path_factory: pytest.TempPathFactory):
    """The suite never reads the developer's own settings (~/.config/scion/config.toml, copier's settings.yml):
    the CLI processes and servers the tests start inherit this environment."""
    config = tmp_path_factory.mktemp("user-config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(config))
        patch.setenv("COPIER_SETTINGS_PATH", str(config / "copier-settings.yml"))
        # Cold runs unless a test asks for warm ones (tests/warm/ runs the same commands both ways).
        patch.setenv("SCION_WARM", "0")
        yield


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: a folder with `.scion/`, so the CLI and the server agree on its root."""
    root = tmp_path / "ws"
    (root / ".scion").mkdir(parents=True)
    return root


def scion_process(
    *args: str, cwd: Path, timeout: float | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`scion ARGS` as users run it (`python -P -m server`), without a terminal; `env` is laid over ours."""
    return subprocess.run(
        [sys.executable, "-P", "-m", "server", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env} if env else None,
        timeout=timeout,
    )


def generate_outdated(workspace: Path, path: str) -> None:
    """`scion generate python/dataclass --version 1.0.0 --defaults` into `path`: a file 1.1.0 has an upgrade for."""
    done = scion_process(
        "generate", "python/dataclass", "--version", "1.0.0", "--path", path, "--defaults", cwd=workspace
    )
    assert done.returncode == 0, done.stderr


def old_database(path: Path, version: int, insert: str) -> None:
    """A database file as an older Scion left it: schema `version`, holding the rows the `insert` statement adds."""
    old = Database(sqlite3.connect(path, isolation_level=None))
    try:
        migrate(old, path, upto=version)
        assert old.execute("PRAGMA user_version").fetchone()[0] == version
        old.execute(insert)
    finally:
        old.conn.close()
