"""Tracked, debounced, cancellable background work for the server's event loop.

Every task lives in one set until it ends; its exception is logged by a
done-callback; shutdown cancels them all and does not wait for stragglers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("scion.background")


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._debounced: dict[str, asyncio.Task] = {}

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def debounce(self, key: str, delay: float, factory: Callable[[], Awaitable[Any]]) -> asyncio.Task:
        """Run `factory()` after `delay` seconds unless called again with the same key first."""
        previous = self._debounced.pop(key, None)
        if previous is not None and not previous.done():
            previous.cancel()

        async def later() -> None:
            await asyncio.sleep(delay)
            self._debounced.pop(key, None)
            await factory()

        task = self.spawn(later(), name=f"debounced:{key}")
        self._debounced[key] = task
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            log.debug("background task %s cancelled", task.get_name())
            return
        error = task.exception()
        if error is not None:
            log.error("background task %s failed: %s", task.get_name(), error, exc_info=error)

    async def cancel_all(self, grace: float = 0.5) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
