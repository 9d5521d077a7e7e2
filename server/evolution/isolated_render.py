"""Render a candidate template in the isolated render process (`render_child.py`).

One process renders a whole batch of answer sets, so validating a candidate
costs one interpreter start. The parent enforces the wall-clock deadline and
kills the child's whole process group, whatever the child did.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import server
from server.evolution.sandbox import network_isolation_prefix

CHILD_SCRIPT = Path(__file__).with_name("render_child.py")
PACKAGE_ROOT = Path(server.__file__).resolve().parent.parent
RENDER_TIMEOUT_S = 5.0
RENDER_MEMORY_MB = 768
# Interpreter start-up and imports (Jinja, YAML) on top of the renders' own budget.
STARTUP_GRACE_S = 10.0


@dataclass(frozen=True)
class RenderOutcome:
    ok: bool
    files: tuple[tuple[str, str], ...] = ()  # (output path, text), the primary file first
    error: str | None = None

    @property
    def primary(self) -> str:
        return self.files[0][1] if self.files else ""


def render_isolated(
    folder: Path,
    template_id: str,
    answer_sets: list[tuple[dict[str, Any], dict[str, Any]]],
    timeout_s: float = RENDER_TIMEOUT_S,
    memory_mb: int = RENDER_MEMORY_MB,
) -> list[RenderOutcome]:
    """Render the template version in `folder` with every (answers, features) pair, isolated."""
    if not answer_sets:
        return []
    request = json.dumps(
        {
            "package_root": str(PACKAGE_ROOT),
            "folder": str(Path(folder).resolve()),
            "template_id": template_id,
            "answer_sets": [{"answers": answers, "features": features} for answers, features in answer_sets],
            "timeout_s": timeout_s,
            "memory_mb": memory_mb,
        },
        default=str,
    )
    scratch = tempfile.mkdtemp(prefix="scion-render-")
    try:
        return _run(request, len(answer_sets), timeout_s * len(answer_sets) + STARTUP_GRACE_S, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(request: str, count: int, deadline_s: float, scratch: str) -> list[RenderOutcome]:
    command = [*network_isolation_prefix(), sys.executable, "-I", str(CHILD_SCRIPT)]
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": scratch, "TMPDIR": scratch}
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=scratch,
        env=environment,
        start_new_session=True,
    )
    try:
        output, errors = process.communicate(request.encode(), timeout=deadline_s)
    except subprocess.TimeoutExpired:
        return _failed(count, f"the render process ran past {deadline_s:g} s and was killed")
    finally:
        _end_group(process)
    try:
        reply = json.loads(output)
    except ValueError:
        tail = errors.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
        return _failed(count, f"the render process failed: {tail[0][:500]}")
    if "load_error" in reply:
        return _failed(count, f"the template does not load: {reply['load_error']}")
    return [
        RenderOutcome(bool(item.get("ok")), tuple((path, text) for path, text in item.get("files", [])), item.get("error"))
        for item in reply["results"]
    ]


def _end_group(process: subprocess.Popen) -> None:
    """Kill whatever is left in the child's process group, then reap the child."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.communicate()


def _failed(count: int, error: str) -> list[RenderOutcome]:
    return [RenderOutcome(False, (), error) for _ in range(count)]
