"""What tests across the suite share: an empty workspace, and the `scion` CLI as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


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
