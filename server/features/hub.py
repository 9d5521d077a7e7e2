"""The team hub in the server: a background sync, its state in `scion/status`, and what comes back.

- Configured by `scion.hub.url` (else $SCION_HUB_URL) and `scion.hub.share`;
  a change of either restarts the sync. Without a URL nothing here runs and
  nothing is written to the outbox.
- One tracked, cancellable task syncs (server/hub/sync.py) in a worker
  thread, so the event loop never waits on the network, and waits between
  rounds: `scion.hub.pollInterval` seconds when the hub answered, a doubling
  backoff while it does not, and no longer than a verdict (local news to push)
  or a NOTIFY on the team's channel (team news to pull). A failing hub is a
  state in `scion/status` and a log line, never a failed request.
- What comes back: teammates' kept answers join the local evidence (an
  evolution run is scheduled), and the team's success rates order the code
  actions.
- Commands: `scion.hubStatus {}` and `scion.hubSync {}` (sync now, returns the result).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from server.common.config import shown_url
from server.common.errors import HubError, ScionError
from server.lsp import ScionServer

if TYPE_CHECKING:
    from server.hub.sync import HubLink, SyncResult

log = logging.getLogger("scion.hub")
T = TypeVar("T")
# The sync's thread is niced: on a busy machine the scheduler runs the editor's requests first
# (bench/hub_codeaction.py). Linux only, where a thread id names the thread for setpriority.
SYNC_NICENESS = 10

HUB_STATUS = "scion.hubStatus"
HUB_SYNC = "scion.hubSync"


def register(server: ScionServer) -> None:
    service = HubService(server)
    server.hub = service
    server.on_settings.append(service.settings_changed)
    server.on_verdict.append(lambda generation_id, verdict: service.wake())

    @server.command(HUB_STATUS)
    async def hub_status(ls: ScionServer, *args) -> dict:
        return ls.require_hub().status() or {"state": "off"}

    @server.command(HUB_SYNC)
    async def hub_sync(ls: ScionServer, *args) -> dict:
        return await ls.require_hub().sync_now()


class HubService:
    def __init__(self, server: ScionServer) -> None:
        self.server = server
        self.url = ""
        self.state = "off"  # off | connecting | connected | offline
        self.problem = ""
        self.result: SyncResult | None = None
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._link: HubLink | None = None
        self._sync_lock: asyncio.Lock | None = None
        self._listening: asyncio.Task | None = None
        self._stop_listening = threading.Event()
        self._worker: ThreadPoolExecutor | None = None

    # -- configuration ----------------------------------------------------------

    def settings_changed(self) -> None:
        from server.common.instance import instance_id
        from server.hub import hub_url
        from server.store.outbox import Sharing

        settings = self.server.settings.hub
        url = hub_url(setting=settings.url)
        store = self.server.store
        if store is not None:
            store.sharing = Sharing(instance_id(), settings.share, self.server.workspace_root) if url else None
        if url == self.url and (self._task is not None or not url):
            return
        self._stop()
        self.url = url
        if url:
            self.state = "connecting"
            self._wake = asyncio.Event()
            self._task = self.server.background.spawn(self._sync_forever(url), name="hub-sync")
        else:
            self.state = "off"
        self.server.send_status()

    def wake(self) -> None:
        """Sync now instead of at the next poll (new outbox entries, or a teammate's news)."""
        if self._wake is not None:
            self._wake.set()

    # -- the background task ----------------------------------------------------

    async def _in_worker(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in the hub's own thread, which runs at a lower CPU priority than the editor's requests."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, "scion-hub", initializer=_lower_priority)
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    async def _sync_forever(self, url: str) -> None:
        # The hub's modules and psycopg take a few hundred ms to import: in a worker thread, not
        # on the event loop, where every request would wait for them (bench/hub_codeaction.py).
        await self._in_worker(_load_hub_modules)
        from platformdirs import user_data_path

        from server.common.instance import instance_id
        from server.hub.sync import Backoff, HubLink, SyncOptions

        settings = self.server.settings
        options = SyncOptions(
            workspace=self.server.workspace_root,
            min_accuracy=settings.evolution.min_kept_rate,
            user_templates=user_data_path("scion", appauthor=False) / "templates",
            batch=100,
            pause_s=0.02,
        )
        self._link = link = HubLink(url, instance_id(), options)
        backoff = Backoff()
        try:
            while True:
                try:
                    await self._sync(link)
                except HubError as error:
                    delay = backoff.failed()
                    self._went("offline", str(error), f"hub unreachable, retrying in {delay:.0f} s: %s", error)
                else:
                    backoff.succeeded()
                    delay = self.server.settings.hub.poll_interval
                    self._listen(url)
                await self._sleep(delay)
        finally:
            self._stop_listening.set()
            await self._in_worker(link.close)

    async def _sleep(self, delay: float) -> None:
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            pass
        self._wake.clear()

    async def _sync(self, link: HubLink) -> SyncResult:
        if self._sync_lock is None:
            self._sync_lock = asyncio.Lock()
        await self.server.ready()
        store = self.server.require_store()
        async with self._sync_lock:
            result = await self._in_worker(link.sync, store)
        self.result = result
        self._went("connected", "", "hub connected: team %s, %s instance(s)", result.team, result.team_size)
        if result.pushed or result.pulled:
            log.info("hub sync: pushed %d, pulled %d, backlog %d", result.pushed, result.pulled, result.backlog)
        self._take_in(result)
        return result

    def _take_in(self, result: SyncResult) -> None:
        """What the team taught: new evidence for the evolution engine, team rates for the code actions."""
        if self.server.tracking is not None:
            self.server.tracking.refresh_success()
        if result.pulled and self.server.evolution is not None:
            self.server.evolution.schedule()
        for task in result.programs.adopted:
            log.info("adopted the team's program for %s (checked in this instance's sandbox)", task)
        for task in result.programs.published:
            log.info("published the program for %s to the team", task)
        for version in result.templates.published:
            log.info("deployed the evolved template %s to the team", version)
        if result.templates.installed:
            log.info("installed the team's evolved templates: %s", ", ".join(result.templates.installed))
            self.server.background.spawn(self._reload_templates(), name="hub-templates")
        self.server.send_status()

    async def _reload_templates(self) -> None:
        """The catalog again (it now holds the installed versions), then upgrade offers for older files."""
        from server.features.lifecycle import load_catalog

        load_catalog(self.server)
        await self.server.ready()
        if self.server.upgrades is not None:
            self.server.upgrades.settings_changed()

    def _went(self, state: str, problem: str, message: str, *args: Any) -> None:
        changed = state != self.state or problem != self.problem
        self.state, self.problem = state, problem
        if changed:
            log.log(logging.WARNING if state == "offline" else logging.INFO, message, *args)
            self.server.send_status()

    def _listen(self, url: str) -> None:
        """LISTEN on the team's channel in a thread; a NOTIFY wakes the sync. Restarted after each good sync."""
        if (self._listening is not None and not self._listening.done()) or self.result is None:
            return
        from server.hub.sync import listen

        loop = asyncio.get_running_loop()
        self._stop_listening = stop = threading.Event()
        team = self.result.team

        def heard() -> None:
            loop.call_soon_threadsafe(self.wake)

        async def listening() -> None:
            try:
                await asyncio.to_thread(listen, url, team, stop, heard)
            except HubError as error:
                log.info("hub notifications stopped (polling goes on): %s", error)
            finally:
                stop.set()

        self._listening = self.server.background.spawn(listening(), name="hub-listen")

    def _stop(self) -> None:
        self._stop_listening.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._wake = None
        self.result = None

    def close(self) -> None:
        """At shutdown: the listener thread ends within its tick; the task is cancelled with the others."""
        self._stop()
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None

    # -- commands and status ------------------------------------------------------

    async def sync_now(self) -> dict:
        if not self.url or self._link is None:
            raise ScionError("no team hub configured: set scion.hub.url")
        result = await self._sync(self._link)
        return {
            "team": result.team,
            "teamSize": result.team_size,
            "pushed": result.pushed,
            "pulled": result.pulled,
            "backlog": result.backlog,
        }

    def status(self) -> dict | None:
        """The hub part of `scion/status`; None when no hub is configured."""
        if not self.url:
            return None
        store = self.server.store
        return {
            "state": self.state,
            "message": self.problem,
            "hub": shown_url(self.url),
            "backlog": store.outbox_size() if store is not None else 0,
            "team": self.result.team if self.result else None,
            "teamSize": self.result.team_size if self.result else 0,
            "lastSync": store.hub_state("last_sync") if store is not None else None,
        }


def _load_hub_modules() -> None:
    """Import what the sync needs (psycopg too, when installed; a missing one is the sync's HubError)."""
    import importlib

    for name in ("platformdirs", "server.hub.sync", "psycopg"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _lower_priority() -> None:
    """Nice the calling thread by SYNC_NICENESS more than it was (Linux); elsewhere, or when refused, it stays."""
    if sys.platform != "linux":
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + SYNC_NICENESS))
    except OSError as error:
        log.debug("the hub's thread keeps its priority: %s", error)
