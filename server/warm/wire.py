"""The warm protocol: length-prefixed messages on a Unix stream socket.

client -> warm process: one request, with the client's stdin, stdout and
stderr attached (SCM_RIGHTS):
    {"identity", "argv", "cwd", "env", "umask", "stdio": [[encoding, errors, line_buffered] x3]}
    or {"control": "status" | "stop"} (`scion warm`), with no descriptors
warm process -> client, in order:
    {"cold": reason}    this process cannot serve the request (another
                        installation, stale code): run cold
    {"pid": n}          the child running the command (signals go to it)
    {"exit": code}      the command's exit code, just before the child exits

The client starts before every `scion` run, so this module and the client
import only what the interpreter has built in: `_socket` (the `socket`
module's own core; `socket` itself builds enums at import), `marshal` for
the payload (JSON would import `re`). Together that saves about 13 ms of
CPU per run. marshal is not meant for hostile data, and it never reads
any: both ends check that the peer is the same user (SO_PEERCRED) before
reading, in a folder only that user can enter. A malformed message from
that user's own processes is an error here, and at worst ends that user's
warm process, which the next run replaces.
"""

from __future__ import annotations

import _socket
import marshal
import os
import struct

TYPE_CHECKING = False  # typing itself costs the client ~2 ms of start-up; mypy reads this as usual
if TYPE_CHECKING:
    from typing import Any

MAX_MESSAGE = 4 << 20  # an environment is a few KB; anything near this is not a client of ours
STDIO_FDS = 3
_HEADER = struct.Struct(">I")
_FD = struct.Struct("i")


def unix_socket() -> _socket.socket:
    return _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)


class Channel:
    """One end of a connection: whole messages in, whole messages out."""

    def __init__(self, sock: _socket.socket) -> None:
        self.sock = sock
        self._buffer = b""

    def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        payload = marshal.dumps(message)
        data = _HEADER.pack(len(payload)) + payload
        if fds:
            rights = b"".join(_FD.pack(fd) for fd in fds)
            sent = self.sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
            data = data[sent:]
        if data:
            self.sock.sendall(data)

    def receive(self, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
        """The next message and any descriptors that came with it; (None, []) at the end of the stream.

        ValueError: a message that is not one of ours (its descriptors are closed first).
        """
        fds: list[int] = []
        try:
            return self._message(self._fill(_HEADER.size, max_fds, fds), max_fds, fds), fds
        except (ValueError, EOFError, TypeError):
            for fd in fds:
                _close(fd)
            raise ValueError("not a message of the warm protocol") from None

    def _message(self, header: bytes | None, max_fds: int, fds: list[int]) -> dict[str, Any] | None:
        if header is None:
            return None
        (size,) = _HEADER.unpack(header)
        if size > MAX_MESSAGE:
            raise ValueError("message too long")
        payload = self._fill(size, max_fds, fds)
        if payload is None:
            raise ValueError("the stream ended inside a message")
        message = marshal.loads(payload)
        if not isinstance(message, dict):
            raise ValueError("a message must be a mapping")
        return message

    def _fill(self, size: int, max_fds: int, fds: list[int]) -> bytes | None:
        """The next `size` bytes of the stream (None if it ends first), collecting descriptors on the way."""
        while len(self._buffer) < size:
            if max_fds and not fds:
                chunk, ancillary, _flags, _address = self.sock.recvmsg(1 << 16, _socket.CMSG_SPACE(max_fds * _FD.size))
                for level, kind, data in ancillary:
                    if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                        usable = len(data) - len(data) % _FD.size
                        fds.extend(fd for (fd,) in _FD.iter_unpack(data[:usable]))
            else:
                chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
