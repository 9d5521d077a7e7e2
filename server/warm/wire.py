"""The warm protocol: newline-terminated JSON messages on a Unix stream socket.

client -> warm process: one request, with the client's stdin, stdout and
stderr attached (SCM_RIGHTS):
    {"identity", "argv", "cwd", "env", "umask", "stdio": [[encoding, errors, line_buffered] x3]}
warm process -> client, in order:
    {"cold": reason}    this process cannot serve the request (another
                        installation, stale code): run cold
    {"pid": n}          the child running the command (signals go to it)
    {"exit": code}      the command's exit code, just before the child exits
"""

from __future__ import annotations

import json
import socket

TYPE_CHECKING = False  # typing itself costs the client ~2 ms of start-up; mypy reads this as usual
if TYPE_CHECKING:
    from typing import Any

MAX_MESSAGE = 4 << 20  # an environment is a few KB; anything near this is not a client of ours
STDIO_FDS = 3


class Channel:
    """One end of a connection: whole messages in, whole messages out."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""

    def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        if fds:
            sent = socket.send_fds(self.sock, [data], fds)
            data = data[sent:]
        if data:
            self.sock.sendall(data)

    def receive(self, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
        """The next message and any descriptors that came with it; (None, []) at the end of the stream."""
        fds: list[int] = []
        while b"\n" not in self._buffer:
            if max_fds and not fds:
                chunk, received, _flags, _address = socket.recv_fds(self.sock, 1 << 16, max_fds)
                fds.extend(received)
            else:
                chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None, fds
            self._buffer += chunk
            if len(self._buffer) > MAX_MESSAGE:
                raise ValueError("message too long")
        line, _, self._buffer = self._buffer.partition(b"\n")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("a message must be a JSON object")
        return message, fds
