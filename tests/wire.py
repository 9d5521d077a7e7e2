"""A raw LSP client over stdio for robustness tests, the fuzzer and the soak bench.

pytest-lsp's client structures what it sends and receives with lsprotocol's
types, so it cannot send a malformed message or notice bytes on stdout that are
not LSP. This one writes any JSON value (or any bytes) and parses the server's
stdout strictly: every frame must be `Content-Length` headers and one JSON-RPC
object; anything else is recorded in `garbage` and fails the checks.

Server->client requests are answered like an obliging editor (applyEdit is
reported as applied, `scion/ask` takes the defaults, the rest gets null).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class ServerDied(AssertionError):
    pass


class WireClient:
    def __init__(self, workspace: Path, *, env: dict | None = None, options: dict | None = None) -> None:
        self.workspace = workspace
        self.options = options if options is not None else {"ask": True, "scion": {}}
        environment = dict(os.environ, **(env or {}))
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "server"],
            cwd=str(workspace),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        self._next_id = 0
        self._lock = threading.Lock()
        self._responses: dict[Any, dict] = {}
        self._cond = threading.Condition()
        self.notifications: queue.Queue = queue.Queue()
        self.garbage: list[bytes] = []
        self.server_requests: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- sending -------------------------------------------------------------

    def send_bytes(self, body: bytes) -> None:
        try:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise ServerDied(f"the server closed its stdin: {error}") from error

    def send(self, message: Any) -> None:
        self.send_bytes(json.dumps(message).encode("utf-8", "surrogatepass"))

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def request(self, method: str, params: Any = None, *, timeout: float = 30.0, **extra) -> dict:
        """Send a request and return the whole response object (with `result` or `error`)."""
        msg_id = self.new_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.wait_response(msg_id, timeout=timeout)

    def notify(self, method: str, params: Any = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def wait_response(self, msg_id: Any, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._responses:
                if self.process.poll() is not None:
                    raise ServerDied(f"the server exited with {self.process.returncode} before answering {msg_id!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no response to request {msg_id!r} within {timeout} s")
                self._cond.wait(min(left, 0.5))
            return self._responses.pop(msg_id)

    # -- session -------------------------------------------------------------

    def initialize(self) -> dict:
        uri = self.workspace.as_uri()
        capabilities = {
            "window": {"workDoneProgress": False, "showMessage": {}},
            "workspace": {"applyEdit": True, "workspaceEdit": {"documentChanges": True}, "configuration": False},
            "textDocument": {
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["", "quickfix", "refactor", "source"]}
                    },
                    "disabledSupport": True,
                },
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "synchronization": {"didSave": True},
            },
        }
        response = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri,
                "capabilities": capabilities,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "initializationOptions": self.options,
            },
        )
        self.notify("initialized", {})
        return response

    def shutdown(self, timeout: float = 10.0) -> int | None:
        try:
            self.request("shutdown", timeout=timeout)
            self.notify("exit")
            return self.process.wait(timeout=timeout)
        except (ServerDied, AssertionError, subprocess.TimeoutExpired):
            return None
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ping(self, timeout: float = 30.0) -> dict:
        """A valid request the server must always answer (a hover on no document)."""
        return self.request(
            "textDocument/hover",
            {"textDocument": {"uri": (self.workspace / "ping.py").as_uri()}, "position": {"line": 0, "character": 0}},
            timeout=timeout,
        )

    # -- reading ---------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self._wake()
                    return
                if line == b"\r\n":
                    break
                name, sep, value = line.decode("ascii", "replace").partition(":")
                if not sep or not line.endswith(b"\r\n"):
                    self.garbage.append(line)
                    continue
                headers[name.strip().lower()] = value.strip()
            try:
                length = int(headers["content-length"])
            except (KeyError, ValueError):
                self.garbage.append(repr(headers).encode())
                continue
            body = stream.read(length)
            try:
                message = json.loads(body)
            except ValueError:
                self.garbage.append(body[:200])
                continue
            if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
                self.garbage.append(body[:200])
                continue
            self._dispatch(message)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _dispatch(self, message: dict) -> None:
        if "method" in message and "id" in message:
            self.server_requests.append(message)
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
        elif "method" in message:
            self.notifications.put(message)
        else:
            with self._cond:
                self._responses[message.get("id")] = message
                self._cond.notify_all()

    def _answer(self, message: dict) -> Any:
        method = message["method"]
        if method == "workspace/applyEdit":
            return {"applied": True}
        if method == "scion/ask":
            params = message.get("params") or {}
            return {q["name"]: q.get("default") for q in params.get("questions", [])}
        return None

    def messages(self) -> list[dict]:
        """Every notification received so far (drains the queue into a list kept on the client)."""
        kept = getattr(self, "_kept", [])
        while True:
            try:
                kept.append(self.notifications.get_nowait())
            except queue.Empty:
                break
        self._kept = kept
        return kept

    def shown(self) -> list[str]:
        return [m["params"]["message"] for m in self.messages() if m["method"] == "window/showMessage"]

    def peak_rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return -1
