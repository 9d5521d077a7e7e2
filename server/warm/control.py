"""`scion warm status|start|stop`: look at, start and stop this installation's warm process."""

from __future__ import annotations

import os
import time
from typing import Any

from server.common.errors import ScionError
from server.warm.launch import start_warm_process, warm_enabled
from server.warm.place import identity, peer_uid, private_folder, runtime_folder, socket_path
from server.warm.wire import Channel, unix_socket

START_WAIT_S = 60.0  # preloading takes about a second on a quiet machine; a loaded one may need far more
POLL_S = 0.05


class WarmUnavailable(ScionError):
    """Warm runs cannot be used here (the socket folder is not private, or they are turned off)."""


def where() -> str:
    """This installation's socket (its folder is made private if missing; refused if it is not ours)."""
    folder = runtime_folder(os.environ)
    if not private_folder(folder, create=True):
        raise WarmUnavailable(
            f"{folder} is not a private folder of yours (a directory owned by you, mode 700, not a symlink): "
            "warm runs are off; remove or fix it, or set XDG_RUNTIME_DIR"
        )
    return socket_path(folder, identity(os.environ))


def status() -> dict[str, Any]:
    """What the warm process says about itself, or {"running": False}."""
    path = where()
    answer = _ask(path, {"control": "status"})
    enabled = warm_enabled(os.environ)
    if answer is None:
        return {"running": False, "enabled": enabled, "socket": path}
    return {"running": True, "enabled": enabled, "socket": path, **answer}


def start(wait_s: float = START_WAIT_S) -> dict[str, Any]:
    """Start the warm process unless one runs, and wait until it answers."""
    path = where()
    if _ask(path, {"control": "status"}) is None:
        start_warm_process(path)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if (answer := _ask(path, {"control": "status"})) is not None:
            return {"running": True, "socket": path, **answer}
        time.sleep(POLL_S)
    raise ScionError(f"the warm process did not answer within {wait_s:.0f} s; see {path}.log")


def stop() -> bool:
    """Ask the warm process to exit; False when none was running."""
    return _ask(where(), {"control": "stop"}) is not None


def _ask(path: str, request: dict[str, Any]) -> dict[str, Any] | None:
    sock = unix_socket()
    sock.settimeout(5.0)
    try:
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            return None
        channel = Channel(sock)
        channel.send(request)
        answer, _ = channel.receive()
        return answer
    except (OSError, ValueError):
        return None
    finally:
        sock.close()
