"""The server's protocol class: pygls's, with a shutdown that tolerates running requests.

pygls cancels outstanding requests while iterating its live dict of request
futures; their completion callbacks remove entries from that dict, so a
shutdown during a long request raised "dictionary changed size during
iteration" and never answered. This version iterates over a copy.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method


class ScionProtocol(LanguageServerProtocol):
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
