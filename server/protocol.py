"""The server's protocol class: pygls's, with a shutdown that tolerates running requests.

pygls cancels outstanding requests while iterating its live dict of request
futures; their completion callbacks remove entries from that dict, so a
shutdown during a long request raised "dictionary changed size during
iteration" and never answered. This version iterates over a copy.

It also swaps pygls's Workspace for a ChunkedWorkspace, whose documents apply
an incremental change in time proportional to the edit, not to the file.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from server.workspace import ChunkedWorkspace


class ScionProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        # pygls builds its Workspace in the first step of its generator, then
        # yields to the server's initialize handler (or returns when there is
        # none). Running that first step here and swapping the workspace before
        # passing anything on means no handler ever sees pygls's workspace, and
        # it is still empty: documents only arrive after initialize.
        steps = super().lsp_initialize(params)
        try:
            step = next(steps)
        except StopIteration as finished:
            self._workspace = ChunkedWorkspace.like(self.workspace)
            return finished.value
        self._workspace = ChunkedWorkspace.like(self.workspace)
        while True:
            value = yield step
            try:
                step = steps.send(value)
            except StopIteration as finished:
                return finished.value

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args) -> Generator[Any, Any, None]:
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None
