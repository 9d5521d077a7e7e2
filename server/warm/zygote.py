"""The warm process: import everything a command may need once, then fork a child per `scion` run.

Started by a cold run (`launch.start_warm_process`) as
`python -P -m server.warm.zygote SOCKET`, in its own session, with no
terminal and `/` as its working folder: nothing of the workspace that
started it is on its import path or held open. It serves one installation
(`place.identity`) and steps aside when that installation changes under it
(a file of a loaded Scion module or a folder of the import path changed):
the request that notices gets a cold run, and the process exits so that the
next run starts a fresh one. It exits too after `IDLE_S` without a request,
or on `scion warm stop`.

The process stays single-threaded and opens no database or file a child
could share by accident: a fork copies the process as it is, and a child
must start as clean as a fresh interpreter. Each child takes the client's
stdin/stdout/stderr, working folder, environment, umask and argv, runs
`server.cli.main`, reports the exit code and leaves with `os._exit` (the
interpreter's teardown buys a short-lived process nothing).

The child for the next run is forked ahead of it (a spare, as pre-forking
servers do): forking a process of this size takes about 3 ms, which the
spare spends while nobody waits. It waits on a socket pair for the
request, its connection and the client's descriptors; when the warm process
goes away (or learns modules, which the spare would lack), the spare sees
the end of that socket and exits. Once a run has ended, the spare is also
told which pages of memory the last two runs both wrote, and copies them
ahead (pages.py), so the next run does not stop on each first write. And
the warm process holds the compiled templates runs loaded from Scion's
bytecode cache (copier/warm_code.py), for the next runs to find in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import io
import marshal
import os
import pkgutil
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import server
from server.copier import warm_code
from server.copier.source import cache_root
from server.warm.learn import import_learned, installed_roots, new_installed_modules
from server.warm.pages import as_runs, owned_pages, pages_of, take_ahead, writable_ranges
from server.warm.place import identity, peer_uid, private_folder
from server.warm.wire import STDIO_FDS, Channel

IDLE_S = float(os.environ.get("SCION_WARM_IDLE_S", "") or 15 * 60)
REPORT_BYTES = 1 << 18  # a child's report: module names, cache entries and page runs (each bounded where made)
REQUEST_TIMEOUT_S = 5.0  # a connection that sends no request in this time is dropped
# Modules that are scripts of their own (a child process reads stdin on import) or this process itself.
NOT_PRELOADED = ("server.__main__", "server.warm.", "server.evolution.sandbox_child", "server.evolution.render_child")
# Third-party modules Scion imports inside functions, on first use.
LAZY_DEPENDENCIES = (
    *("rich.console", "rich.progress", "rich.table", "rich.text"),
    *("questionary", "prompt_toolkit.output", "psycopg", "copier"),
)


class Log:
    """A few lines about what the warm process did, beside its socket (`scion warm status` shows the path)."""

    MAX_BYTES = 1 << 20  # past this, a new warm process starts the log afresh

    def __init__(self, path: str) -> None:
        mode = "a" if os.path.exists(path) and os.path.getsize(path) < self.MAX_BYTES else "w"
        self.file = open(path, mode, encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the process's life

    def __call__(self, message: str) -> None:
        self.file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {message}\n")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not private_folder(os.path.dirname(argv[1]), create=False):
        return 2
    path = argv[1]
    os.chdir("/")
    with contextlib.ExitStack() as stack:
        lock = stack.enter_context(open(path + ".lock", "w"))  # held for the process's life
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # another warm process for this socket is starting or serving
        if _answers(path):
            return 0
        log = Log(path + ".log")
        started = time.perf_counter()
        failed = preload()
        for name, error in failed:
            log(f"not preloaded: {name}: {error}")
        log(f"preloaded {len(sys.modules)} modules in {time.perf_counter() - started:.2f} s")
        listener = stack.enter_context(_listen(path))
        Zygote(path, listener, log).serve()
    return 0


def preload() -> list[tuple[str, str]]:
    """Import every Scion module a command may use, and the dependencies they import lazily."""
    failed: list[tuple[str, str]] = []
    names = [info.name for info in pkgutil.walk_packages(server.__path__, "server.", onerror=lambda _name: None)]
    for name in [*names, *LAZY_DEPENDENCIES]:
        if name.startswith(NOT_PRELOADED):
            continue
        try:
            importlib.import_module(name)
        except Exception as error:  # an optional extra not installed: its commands import it themselves
            failed.append((name, f"{type(error).__name__}: {error}"))
    from server.cli import all_commands

    all_commands()
    return failed


def _answers(path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


@contextlib.contextmanager
def _listen(path: str) -> Iterator[socket.socket]:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a socket left by a warm process that died (we hold the lock: nobody serves it)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    inode = os.stat(path).st_ino
    listener.listen(64)
    try:
        yield listener
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:  # still ours, not a successor's
                os.unlink(path)


class Zygote:
    def __init__(self, path: str, listener: socket.socket, log: Log) -> None:
        self.path = path
        self.listener = listener
        self.log = log
        self.identity = identity(os.environ)
        self.watched = _snapshot()
        self.roots = installed_roots()
        self.preloaded = frozenset(sys.modules)
        # Children report the installed modules they imported here (learn.py); one datagram each.
        self.learned, self.report_to = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.started = time.time()
        self.served = 0
        self.spare: socket.socket | None = None  # our end of the spare child's socket pair
        self.pages: list[tuple[int, int]] = []  # what the next child will likely write of our memory (pages.py)
        self.last_written: set[int] = set()  # the pages the last child wrote

    def serve(self) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel; their clients get the code
        signal.signal(signal.SIGTERM, _exit_quietly)
        signal.signal(signal.SIGINT, _exit_quietly)
        self._settle()
        try:
            while True:
                if self.spare is None:
                    self.spare = self._fork_spare()
                ready, _, _ = select.select([self.listener, self.learned], [], [], IDLE_S)
                if not ready:
                    self.log(f"idle for {IDLE_S:.0f} s: exiting after {self.served} runs")
                    return
                if self.learned in ready:
                    self.learn()
                if self.listener in ready:
                    conn, _ = self.listener.accept()
                    with conn:
                        if not self.handle(conn):
                            return
        finally:
            self._drop_spare()

    def _fork_spare(self) -> socket.socket | None:
        """Fork the child of the next run now; it waits for its request (None: no spare, fork per run)."""
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError:
            return None
        report = Report(self.report_to, self.preloaded, self.roots)
        try:
            pid = os.fork()
        except OSError as error:
            self.log(f"cannot fork a spare child: {error}")
            ours.close()
            theirs.close()
            return None
        if pid == 0:
            self.listener.close()
            self.learned.close()
            ours.close()
            wait_as_spare(theirs, report)  # never returns
        theirs.close()
        return ours

    def _drop_spare(self) -> None:
        """The spare sees its socket end and exits (we exit, or it lacks modules learned since its fork)."""
        if self.spare is not None:
            self.spare.close()
            self.spare = None

    def _settle(self) -> None:
        """Freeze what is loaded: children do not copy those pages when the collector would have touched them."""
        gc.collect()
        gc.freeze()
        self.preloaded = frozenset(sys.modules)

    def learn(self) -> None:
        """Import the modules children reported (learn.py), hold the compiled templates they loaded
        (copier/warm_code.py), and pass the pages they wrote to the spare (pages.py); several reports may wait."""
        names: list[str] = []
        compiled = 0
        while True:
            try:
                report = marshal.loads(self.learned.recv(REPORT_BYTES, socket.MSG_DONTWAIT))
            except OSError:  # BlockingIOError: nothing more waiting
                break
            except (ValueError, EOFError, TypeError):  # not a report of ours: the next one may be
                continue
            if isinstance(report, dict):
                names.extend(report.get("modules") or ())
                compiled += warm_code.hold(report.get("code") or [], cache_root() / "jinja")
                written = pages_of(report.get("pages") or [])
                # Pages the last two runs both wrote: the next run will most likely write them too.
                self.pages, self.last_written = as_runs(list(written & self.last_written)), written
        imported = import_learned(names, self.roots)
        if imported or compiled:  # the spare lacks them: a new one
            self._drop_spare()
            self._settle()
            self.spare = self._fork_spare()
        if imported:
            shown = sorted({name.split(".")[0] for name in imported})
            self.log(f"learned {len(imported)} modules from runs: {', '.join(shown)}")
        if compiled:
            self.log(f"holds {compiled} more compiled templates ({len(warm_code.HELD)} in all)")
        self._spare_takes_pages()

    def _spare_takes_pages(self) -> None:
        """Send the spare the pages to take ahead; only after a run has ended (a report came), so that copying them
        never competes with a running command."""
        if self.spare is not None and self.pages:
            try:
                Channel(self.spare).send({"pages": self.pages})
            except OSError:
                self._drop_spare()

    def handle(self, conn: socket.socket) -> bool:
        """Serve one connection; False when this process should exit."""
        if peer_uid(conn) != os.getuid():
            return True
        conn.settimeout(REQUEST_TIMEOUT_S)
        channel = Channel(conn)
        try:
            request, fds = channel.receive(max_fds=STDIO_FDS)
        except (OSError, ValueError) as error:
            self.log(f"bad request: {error}")
            return True
        try:
            if request is None:
                return True
            if "control" in request:
                return self.control(channel, request)
            if request.get("identity") != self.identity or len(fds) != STDIO_FDS:
                channel.send({"cold": "another installation"})
                return True
            if changed := _changed(self.watched):
                self.log(f"stale ({changed} changed): exiting")
                channel.send({"cold": "stale"})
                return False
            self.served += 1
            if not self._hand_to_spare(conn, request, fds) and os.fork() == 0:
                self.listener.close()
                self.learned.close()
                self._drop_spare()
                run_child(channel, request, fds, Report(self.report_to, self.preloaded, self.roots))  # never returns
            return True
        finally:
            for fd in fds:  # the parent's copies (a child has taken its own by now)
                os.close(fd)

    def _hand_to_spare(self, conn: socket.socket, request: dict[str, Any], fds: list[int]) -> bool:
        """Pass the run to the spare child (it becomes the client's process); False when there is none."""
        spare, self.spare = self.spare, None  # used up either way; the loop forks the next one
        if spare is None:
            return False
        with spare:
            try:
                Channel(spare).send({"run": request}, fds=[conn.fileno(), *fds])
                return True
            except OSError as error:  # the spare died: this run gets a child forked now
                self.log(f"spare child gone: {error}")
                return False

    def control(self, channel: Channel, request: dict[str, Any]) -> bool:
        if request["control"] == "stop":
            self.log("stopped by `scion warm stop`")
            channel.send({"stopped": os.getpid()})
            return False
        channel.send(
            {
                "pid": os.getpid(),
                "since": self.started,
                "runs": self.served,
                "modules": len(sys.modules),
                "log": self.path + ".log",
                "idleExitS": IDLE_S,
            }
        )
        return True


class Report:
    """Where a child tells the warm process, after its exit code, which installed modules it imported, which
    compiled templates it loaded from the cache and which pages of the warm process's memory it wrote (learn.py,
    copier/warm_code.py, pages.py)."""

    def __init__(self, sock: socket.socket, preloaded: frozenset[str], roots: tuple[str, ...]) -> None:
        self.sock, self.preloaded, self.roots = sock, preloaded, roots
        self.ranges = writable_ranges()  # the warm process's memory, as this child starts with it

    def send(self) -> None:
        with contextlib.suppress(Exception):  # learning is an optimisation: never a failure of the run
            report = {
                "modules": new_installed_modules(self.preloaded, self.roots),
                "code": warm_code.loaded(),
                "pages": as_runs(owned_pages(self.ranges)),
            }
            self.sock.send(marshal.dumps(report))


def wait_as_spare(sock: socket.socket, report: Report) -> None:
    """A spare child: wait for a run (the request, its connection, the client's stdio) and run it; exit when the
    warm process closes the socket instead."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    channel = Channel(sock)
    while True:
        try:
            message, fds = channel.receive(max_fds=1 + STDIO_FDS)
        except (OSError, ValueError):
            message, fds = None, []
        if message is None or "pages" not in message:
            break
        with contextlib.suppress(Exception):  # pages written by past runs, copied now rather than during ours
            take_ahead(message["pages"])
    if message is None or not isinstance(message.get("run"), dict) or len(fds) != 1 + STDIO_FDS:
        os._exit(0)
    sock.close()
    run_child(Channel(socket.socket(fileno=fds[0])), message["run"], fds[1:], report)


def run_child(channel: Channel, request: dict[str, Any], fds: list[int], report: Report) -> None:
    """Become the client's process, run the command, report its exit code, exit."""
    code = 1
    done = threading.Event()
    try:
        os.setsid()  # the warm process's exit or signals never reach a running command
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _become_client(request, fds)
        channel.send({"pid": os.getpid()})
        threading.Thread(target=_hang_up_with_client, args=(channel.sock, done), daemon=True).start()
        code = _run_command(request["argv"][1:])
    except BaseException:  # the exit code must reach the client whatever happened
        traceback.print_exc()
    finally:
        done.set()
        _flush()
        _let_go_of_stdio()
        _report_cpu(announce=True)
        with contextlib.suppress(OSError):
            channel.send({"exit": code})
        _join_threads()
        _report_cpu()
        report.send()
        os._exit(code & 0xFF)


def _become_client(request: dict[str, Any], fds: list[int]) -> None:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd >= STDIO_FDS:
            os.close(fd)
    os.chdir(request["cwd"])
    os.umask(int(request["umask"]))
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    import tempfile

    tempfile.tempdir = None  # looked up again from this environment
    sys.argv = list(request["argv"])
    streams = [_stream(fd, spec) for fd, spec in enumerate(request["stdio"])]
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams  # type: ignore[misc]


def _stream(fd: int, spec: list[Any]) -> io.TextIOWrapper:
    encoding, errors, line_buffered = spec
    raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
    buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
    return io.TextIOWrapper(
        buffered, encoding=encoding, errors=errors, newline="\n", line_buffering=line_buffered, write_through=fd == 2
    )


def _run_command(args: list[str]) -> int:
    from server.cli import main as cli_main

    try:
        return cli_main(args)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        return 130


def _hang_up_with_client(sock: socket.socket, done: threading.Event) -> None:
    """The client went away (killed, its terminal closed): end the command as a hung-up process would end."""
    with contextlib.suppress(OSError):
        sock.settimeout(None)
        while sock.recv(1 << 12):
            pass
    if not done.is_set():
        os.kill(os.getpid(), signal.SIGHUP)


def _flush() -> None:
    import atexit

    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _join_threads(timeout: float = 30.0) -> None:
    """What the interpreter does at exit, after the client has its exit code: wait for the threads that are
    not daemons (a record's closing checkpoint, server/store/append.py), so that they end their work."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))


def _let_go_of_stdio() -> None:
    """The client's stdout and stderr end with the command, not with this process: a pipe reader (`scion … |
    cat`, a script capturing the output) sees the end as soon as the command is done, not after the report
    below and the teardown of a process this size (several milliseconds)."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        for fd in range(STDIO_FDS):
            os.dup2(null, fd)
        os.close(null)


def _report_cpu(announce: bool = False) -> None:
    """For benchmarks: a warm child's CPU is not its client's, so it is written where SCION_WARM_CPU_FILE says.

    The file is made (empty) before the exit code is sent, and its line is
    written once the child's threads are done: a benchmark finding the file
    waits for the line."""
    if path := os.environ.get("SCION_WARM_CPU_FILE"):
        line = "" if announce else f"{_cpu_seconds():.6f}\n"
        with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as file:
            file.write(line)


def _cpu_seconds() -> float:
    import resource

    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in used)


def _snapshot() -> dict[str, tuple[int, int]]:
    """What, if changed, makes this process's modules differ from a fresh process's."""
    package = os.path.dirname(os.path.abspath(server.__file__))
    files = [
        file
        for module in list(sys.modules.values())
        if isinstance(file := getattr(module, "__file__", None), str) and file.startswith(package)
    ]
    folders = [entry for entry in sys.path if entry and os.path.isdir(entry)]
    return {path: _stamp(path) for path in [*files, *folders]}


def _changed(watched: dict[str, tuple[int, int]]) -> str:
    return next((path for path, stamp in watched.items() if _stamp(path) != stamp), "")


def _stamp(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


def _exit_quietly(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
