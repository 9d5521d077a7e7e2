"""Start the language server on stdio (default) or TCP.

stdout belongs to the LSP transport alone: before anything else runs, the real
stdout is duplicated for pygls and file descriptor 1 (and `sys.stdout`) are
pointed at stderr, so a stray print, a C library or litellm cannot corrupt the
stream.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import BinaryIO, cast

log = logging.getLogger("scion.serve")


def guard_stdout():
    transport = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return transport


class RememberingReader:
    """stdin for pygls, remembering the last message body it read.

    pygls parses each body with `json.loads` and, when that fails (not JSON,
    not UTF-8, a number of more than 4300 digits), only logs it: a request
    that cannot be parsed was never answered. With the body at hand the server
    can find the request's id and answer it (`ScionProtocol.answer_unparsable`).
    The body is dropped at the next read, so this holds no more than pygls
    itself still holds.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.last_body: bytes | None = None

    def readline(self) -> bytes:
        self.last_body = None
        return self._stream.readline()

    def read(self, size: int = -1) -> bytes:
        self.last_body = self._stream.read(size)
        return self.last_body


def run(tcp: str | None = None, log_file: str | None = None) -> int:
    transport = guard_stdout() if tcp is None else None
    from pathlib import Path

    from lsprotocol import types

    from server.common.logs import setup_logging
    from server.features import register_all
    from server.lsp import ScionServer

    forward = setup_logging(defer_file=True)
    server = ScionServer(forward)
    server.log_file = Path(log_file) if log_file else None
    register_all(server)

    @server.feature(types.EXIT)
    def exit_now(ls: ScionServer, params: None) -> None:
        # Worker threads (a render, a merge) must not hold the process: the
        # client asked us to go, and the store is already closed by shutdown.
        code = 0 if ls.protocol.shutdown_requested else 1
        logging.shutdown()
        try:
            if transport is not None:
                transport.flush()
        finally:
            os._exit(code)

    if tcp is None:
        server.stdin = RememberingReader(sys.stdin.buffer)
        # pygls only calls readline() and read(n), which is all this reader has.
        server.start_io(cast(BinaryIO, server.stdin), transport)
    else:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    return 0
