"""Nobody but the user steers a warm run: not a workspace, not another user's folder, not a stale socket."""

from __future__ import annotations

import marshal
import os
import socket
import struct
from pathlib import Path

import pytest

from tests.support.warm import Warm

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm runs need fork and Unix sockets")

HOSTILE_MODULE = "import pathlib; pathlib.Path({marker!r}).write_text('imported from the workspace')\n"


def sockets(warm: Warm) -> list[Path]:
    folder = warm.runtime / "scion"
    return sorted(folder.glob("*.sock")) if folder.is_dir() else []


def test_modules_in_the_workspace_never_reach_the_warm_process(tmp_path, workspace):
    """A cloned repository with jinja2.py, click.py, server/ at its root: the warm process starts from `/` with -P."""
    marker = tmp_path / "hijacked"
    for name in ("jinja2", "click", "ruamel", "json", "socket"):
        (workspace / f"{name}.py").write_text(HOSTILE_MODULE.format(marker=str(marker)))
    (workspace / "server").mkdir()
    (workspace / "server/__init__.py").write_text(HOSTILE_MODULE.format(marker=str(marker)))
    warm = Warm(tmp_path / "warm")
    try:
        first = warm.run("--version", cwd=workspace)  # cold, and starts the warm process from here
        warm.start()
        second = warm.run("generate", "python/dataclass", "--path", "a.py", "--defaults", cwd=workspace)
        assert first.returncode == 0 and second.returncode == 0, second.stderr
        assert warm.status()["runs"] >= 1
    finally:
        warm.stop()
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["open to others", "a symlink to a private folder", "a file"])
def test_a_socket_folder_that_is_not_private_means_cold_runs(tmp_path, workspace, kind):
    warm = Warm(tmp_path / "warm")
    folder = warm.runtime / "scion"
    if kind == "open to others":
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
    elif kind == "a file":
        folder.write_text("")
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        folder.symlink_to(elsewhere)
    done = warm.run("--version", cwd=workspace)
    assert done.returncode == 0 and done.stdout.startswith("scion ")
    refused = warm.run("warm", "start", cwd=workspace)
    assert refused.returncode == 2 and "not a private folder of yours" in refused.stderr
    assert not list(tmp_path.rglob("*.sock"))  # no warm process anywhere


def test_a_socket_left_by_a_dead_warm_process_is_replaced(tmp_path, workspace):
    warm = Warm(tmp_path / "warm")
    try:
        state = warm.start()
        os.kill(state["pid"], 9)  # no clean-up: the socket file stays behind
        assert Path(state["socket"]).exists()
        done = warm.run("--version", cwd=workspace)  # refused connection: cold, and a new warm process
        assert done.returncode == 0
        fresh = warm.start()
        assert fresh["pid"] != state["pid"] and fresh["socket"] == state["socket"]
    finally:
        warm.stop()


def test_a_stranger_on_the_socket_gets_nothing(tmp_path):
    """A connection that sends garbage or nothing is dropped; the warm process keeps serving."""
    warm = Warm(tmp_path / "warm")
    try:
        state = warm.start()
        request = marshal.dumps({"argv": ["scion", "--version"]})  # well formed, but no identity and no descriptors
        for payload in (b"not a message", struct.pack(">I", 1 << 30), struct.pack(">I", len(request)) + request, b""):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.connect(state["socket"])
                probe.sendall(payload)
                probe.shutdown(socket.SHUT_WR)
                answer = probe.recv(1 << 12)
                assert answer == b"" or marshal.loads(answer[4:]) == {"cold": "another installation"}
        assert warm.status()["pid"] == state["pid"]
    finally:
        warm.stop()


@pytest.mark.parametrize("switch", ["SCION_WARM=0", "[cli] warm = false"])
def test_warm_runs_can_be_turned_off(tmp_path, workspace, switch):
    warm = Warm(tmp_path / "warm")
    env = {}
    if switch.startswith("SCION_WARM"):
        env["SCION_WARM"] = "0"
    else:
        config = tmp_path / "config"
        (config / "scion").mkdir(parents=True)
        (config / "scion/config.toml").write_text("[cli]\nwarm = false\n")
        env["XDG_CONFIG_HOME"] = str(config)
    for _ in range(2):
        assert warm.run("--version", cwd=workspace, env=env).returncode == 0
    assert not sockets(warm)
    status = warm.run("warm", "status", "--json", cwd=workspace, env=env)
    assert '"enabled": false' in status.stdout and '"running": false' in status.stdout
