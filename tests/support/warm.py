"""A warm process of the test's own (its own runtime folder), and `scion` runs through it or cold, side by side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SCION = [sys.executable, "-P", "-m", "server"]


class Warm:
    """The environment that makes `scion` runs warm, a way to run them, and what the warm process says."""

    def __init__(self, folder: Path) -> None:
        runtime = folder / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.runtime = runtime
        self.env = {**os.environ, "SCION_WARM": "1", "XDG_RUNTIME_DIR": str(runtime)}
        self.cold_env = {**os.environ, "SCION_WARM": "0", "XDG_RUNTIME_DIR": str(runtime)}

    def run(
        self, *args: str, cwd: Path, warm: bool = True, env: dict[str, str] | None = None, **options: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SCION, *args],
            cwd=cwd,
            env={**(self.env if warm else self.cold_env), **(env or {})},
            capture_output=True,
            text=True,
            stdin=options.pop("stdin", subprocess.DEVNULL),
            timeout=options.pop("timeout", 120),
            **options,
        )

    def start(self) -> dict[str, Any]:
        done = self.run("warm", "start", "--json", cwd=self.runtime)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def status(self) -> dict[str, Any]:
        done = self.run("warm", "status", "--json", cwd=self.runtime)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def stop(self) -> None:
        self.run("warm", "stop", cwd=self.runtime)

    def shell_prefix(self) -> str:
        """For a command line run by a shell (tmux): the same environment as `run`."""
        return f"SCION_WARM=1 XDG_RUNTIME_DIR={self.runtime}"
