"""What tests across the suite share: an empty workspace, and the `scion` CLI as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def no_user_settings(tmp_path_factory: pytest.TempPathFactory):
    """The suite never reads the developer's own settings (~/.config/scion/config.toml, copier's settings.yml):
    the CLI processes and servers the tests start inherit this environment."""
    config = tmp_path_factory.mktemp("user-config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(config))
        patch.setenv("COPIER_SETTINGS_PATH", str(config / "copier-settings.yml"))
        yield


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: a folder with `.scion/`, so the CLI and the server agree on its root."""
    root = tmp_path / "ws"
    (root / ".scion").mkdir(parents=True)
    return root


def scion_process(*args: str, cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """`scion ARGS` as users run it (`python -P -m server`), without a terminal."""
    return subprocess.run(
        [sys.executable, "-P", "-m", "server", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
