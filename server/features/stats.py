"""scion.stats: success rates as JSON plus the self-contained HTML report.

The queries read the per-day count table (fast at any history size), but the
per-answer breakdown reads generations, so the whole report is built in a
worker thread.
"""

from __future__ import annotations

import asyncio

from server.common.errors import ScionError
from server.lsp import ScionServer
from server.tracking.reports import build_stats, render_html


def register(server: ScionServer) -> None:
    @server.command("scion.stats")
    async def stats(ls: ScionServer, *args) -> dict:
        await ls.ready()
        if ls.store is None:
            raise ScionError("scion.stats: the server is not initialised yet")
        data = await asyncio.to_thread(build_stats, ls.store)
        return {"json": data, "html": render_html(data)}
