"""The `scion` command's entry point: hand the run to the warm process, or run it here (cold).

Everything here is built into the interpreter and cheap to import (`_socket`
and `_signal`, the cores of `socket` and `signal`, which build enums at
import): it runs before every command, and the warm path's whole point is to
start nothing heavy.
A warm run that cannot start (no warm process yet, another installation,
stale code, a descriptor that cannot be passed) falls back to a cold run
before anything happened; once the warm child has started the command,
the client only relays signals and waits for its exit code, so a command
never runs twice.
"""

from __future__ import annotations

import _signal
import _socket
import os
import sys

from server.warm.place import identity, peer_uid, private_folder, runtime_folder, socket_path
from server.warm.wire import STDIO_FDS, Channel, unix_socket

TYPE_CHECKING = False  # typing itself costs the client ~2 ms of start-up; mypy reads this as usual
if TYPE_CHECKING:
    from typing import Any, NoReturn

# The language server owns its process; `scion warm` manages the warm process itself.
COLD_COMMANDS = frozenset({"serve", "warm"})
OFF = frozenset({"0", "off", "false", "no"})
# What a terminal user or a parent process may send; the child gets it as a fresh process would.
FORWARDED = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT, _signal.SIGWINCH)
CONNECT_TIMEOUT_S = 2.0  # a warm process that does not answer this fast is stuck: run cold


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if warm_allowed(args, os.environ):
        try:
            code = run_warm(args)
        except KeyboardInterrupt:  # Ctrl-C before the command started (after, it goes to the command)
            sys.stderr.write("cancelled\n")
            return 130
        if code is not None:
            leave(code)
    return run_cold(args)


def leave(code: int) -> NoReturn:
    """End a client whose command ran warm, skipping the interpreter's finalisation.

    The command ran in the warm child; this process holds nothing to clean
    up (no files, no threads, no atexit work of Scion's), and tearing the
    interpreter down would cost it about 4 ms, a sixth of a small command.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code & 0xFF)


def run_cold(args: list[str]) -> int:
    from server.cli import main as cli_main

    return cli_main(args)


def warm_allowed(args: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether this run may go to the warm process: warm runs are on, and the command is not one that runs cold."""
    command = next((arg for arg in args if not arg.startswith("-")), "")
    return command not in COLD_COMMANDS and warm_enabled(environ)


def warm_enabled(environ: dict[str, str] | os._Environ[str]) -> bool:
    """Warm runs are on: not turned off (SCION_WARM, the user's config) and possible on this platform."""
    if environ.get("SCION_WARM", "").strip().lower() in OFF:
        return False
    if not hasattr(_socket, "AF_UNIX") or not hasattr(_socket, "SCM_RIGHTS") or not hasattr(os, "fork"):
        return False
    return user_allows_warm(environ)


def user_allows_warm(environ: dict[str, str] | os._Environ[str]) -> bool:
    """`[cli] warm = false` in the user's config.toml turns warm runs off (read only when the file names it)."""
    path = _user_config_file(environ)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return True
    if b"warm" not in data:  # the common case: no need to load a TOML parser
        return True
    import tomllib

    try:
        section = tomllib.loads(data.decode()).get("cli", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return True  # the cold run reports the broken file
    return not (isinstance(section, dict) and section.get("warm") is False)


def _user_config_file(environ: dict[str, str] | os._Environ[str]) -> str:
    if sys.platform.startswith("linux"):  # platformdirs' rule there, without its import
        base = environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return os.path.join(base, "scion", "config.toml")
    from server.common.config_file import user_config_path

    return str(user_config_path())


def run_warm(args: list[str]) -> int | None:
    """The command's exit code, run by the warm process; None when it did not start (run cold)."""
    folder = runtime_folder(os.environ)
    if not private_folder(folder, create=True) or not _stdio_open():
        return None
    who = identity(os.environ)
    path = socket_path(folder, who)
    sock = unix_socket()
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            sock.connect(path)
        except OSError:
            start_warm_process(path)
            return None
        if peer_uid(sock) != os.getuid():
            return None
        channel = Channel(sock)
        try:
            request = _request(who, args)  # OSError: the working folder is gone; a cold run says so its own way
            channel.send(request, fds=list(range(STDIO_FDS)))
            first, _ = channel.receive()
        except (OSError, ValueError):
            return None
        if first is None or "pid" not in first:
            if first is not None and first.get("cold") == "stale":
                start_warm_process(path)  # it exits now; the next run gets a fresh one
            return None
        sock.settimeout(None)  # the command may take as long as it takes
        return _wait(channel, int(first["pid"]))
    finally:
        sock.close()


def _wait(channel: Channel, pid: int) -> int:
    forwarded: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED:
        _signal.signal(signum, forward)
    try:
        message, _ = channel.receive()
    except (OSError, ValueError):
        message = None
    if message is not None and "exit" in message:
        return int(message["exit"])
    if forwarded:  # killed by what we passed on: exit as a fresh process killed by it would report
        return 128 + forwarded[-1]
    sys.stderr.write("scion: the command ended without an exit status (see `scion warm status`)\n")
    return 1


def _request(who: str, args: list[str]) -> dict[str, Any]:
    umask = os.umask(0)
    os.umask(umask)
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return {
        "identity": who,
        "argv": [sys.argv[0], *args],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
        "stdio": [
            [getattr(s, "encoding", "utf-8"), getattr(s, "errors", "strict"), getattr(s, "line_buffering", False)]
            for s in streams
        ],
    }


def _stdio_open() -> bool:
    """A closed stdin/stdout/stderr cannot be passed: such a run goes cold (it behaves as it always did)."""
    try:
        for fd in range(STDIO_FDS):
            os.fstat(fd)
    except OSError:
        return False
    return True


def start_warm_process(path: str) -> None:
    """Start a warm process for `path` in the background; this run does not wait for it."""
    devnull = os.devnull
    try:
        os.posix_spawn(
            sys.executable,
            # -P: the working folder (a workspace, maybe hostile) is never on the warm process's import path.
            [sys.executable, "-P", "-m", "server.warm.zygote", path],
            os.environ,
            setsid=True,  # no terminal, no process group of the user's shell
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, devnull, os.O_WRONLY, 0),
            ],
        )
    except OSError:
        pass  # no warm process: every run stays cold, as before
