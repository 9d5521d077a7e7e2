"""Render a candidate template in the isolated render process (`render_child.py`).

One process renders a whole batch of answer sets, so validating a candidate
costs one interpreter start. The parent enforces the wall-clock deadline and
kills the child's whole process group, whatever the child did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.evolution.sandbox import run_limited_child

CHILD_SCRIPT = Path(__file__).with_name("render_child.py")
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where `server` is imported from: server/evolution/ is two below
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
    count = len(answer_sets)
    deadline_s = timeout_s * count + STARTUP_GRACE_S
    run = run_limited_child(CHILD_SCRIPT, request, deadline_s)
    if run.timed_out:
        return _failed(count, f"the render process ran past {deadline_s:g} s and was killed")
    try:
        reply = json.loads(run.output)
    except ValueError:
        tail = run.errors.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
        return _failed(count, f"the render process failed: {tail[0][:500]}")
    if "load_error" in reply:
        return _failed(count, f"the template does not load: {reply['load_error']}")
    return [
        RenderOutcome(
            bool(item.get("ok")), tuple((path, text) for path, text in item.get("files", [])), item.get("error")
        )
        for item in reply["results"]
    ]


def _failed(count: int, error: str) -> list[RenderOutcome]:
    return [RenderOutcome(False, (), error) for _ in range(count)]
