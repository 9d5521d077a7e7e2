"""The isolated render process: render one candidate template with many answer sets, under limits.

Started by `isolated_render.render_isolated` as `python -I render_child.py` in an
empty scratch folder (in a fresh network namespace when the machine allows it).
Reads one JSON request on stdin: {package_root, folder, template_id, answer_sets:
[{answers, features}], timeout_s, memory_mb}; writes one JSON object on stdout:
{"results": [{"ok", "files": [[path, text]], "error"}]} or {"load_error": ...}.

Candidate templates may come from an LLM. Jinja's sandbox already keeps them
away from Python internals; this process adds what the sandbox cannot: a
memory ceiling, a CPU limit, a time limit per answer set, no writable files
and no network. Everything it needs is imported before the limits apply.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import sys
import time
from types import FrameType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from server.templates.model import Rendering, Template

MAX_RESULT_CHARS = 2_000_000
# Reading the template needs a few descriptors beyond stdin/stdout/stderr; writing needs none.
MAX_OPEN_FILES = 32


class TimeLimit(BaseException):
    """Raised when one render runs out of time; BaseException so no template-level handler swallows it."""


def set_limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass  # this machine does not allow that limit; the others still hold


def apply_limits(timeout_s: float, memory_mb: int, count: int) -> None:
    set_limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    set_limit(resource.RLIMIT_CPU, math.ceil(timeout_s * max(count, 1)) + 2)
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NPROC, 0)
    set_limit(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def block_network() -> None:
    # None in sys.modules makes an import fail (the import system documents it; typeshed's type leaves it out).
    modules: Any = sys.modules
    for name in ("socket", "_socket", "ssl", "_ssl", "select", "selectors", "asyncio"):
        modules[name] = None


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeLimit()


def render_one(
    render_template: Callable[[Template, dict[str, Any], dict[str, Any]], Rendering],
    template: Template,
    item: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        rendering = render_template(template, item["answers"], item["features"])
        return {"ok": True, "files": [[file.path, file.text] for file in rendering.files]}
    except TimeLimit:
        return {"ok": False, "error": f"timed out after {seconds:g} s"}
    except MemoryError:
        return {"ok": False, "error": "memory limit exceeded"}
    except Exception as error:  # any failure of an untrusted template is a failed render, never a crash
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:1000]}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    request = json.loads(sys.stdin.read())
    protocol = sys.stdout
    sys.stdout = sys.stderr
    sys.path.insert(0, request["package_root"])
    from pathlib import Path

    from server.common.errors import ScionError
    from server.templates.loader import load_template
    from server.templates.render import render_template

    timeout_s = request["timeout_s"]
    apply_limits(timeout_s, request["memory_mb"], len(request["answer_sets"]))
    block_network()
    signal.signal(signal.SIGALRM, on_alarm)
    try:
        template = load_template(Path(request["folder"]), "workspace", request["template_id"])
    except ScionError as error:
        protocol.write(json.dumps({"load_error": str(error)}))
        protocol.flush()
        os._exit(0)
    results: list[dict[str, Any]] = []
    for item in request["answer_sets"]:
        started = time.monotonic()
        result = render_one(render_template, template, item, timeout_s)
        if sum(len(text) for _, text in result.get("files", [])) > MAX_RESULT_CHARS:
            result = {"ok": False, "error": "the render is too large"}
        result["seconds"] = round(time.monotonic() - started, 4)
        results.append(result)
    protocol.write(json.dumps({"results": results}))
    protocol.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
