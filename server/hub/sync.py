"""Push the outbox and pull what the team learned: one sync, and the rhythm of syncs while the hub comes and goes.

`sync_once` is the whole exchange (the CLI's `scion hub sync`, and each round
of the server's background task): push every outbox batch, acknowledge what
the hub stored, pull the teammates' executions since the cursor and the
team's rates and defaults. A failure anywhere is a HubError; what was not
acknowledged stays in the outbox and goes with the next sync, and the hub
stores an entry it got twice once. `Backoff` spaces out the attempts while
the hub is unreachable.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.config import shown_url
from server.common.errors import HubError, ScionError
from server.hub.client import MAX_ROWS_PER_SYNC, PULL_LIMIT, HubClient, Keyset, connected
from server.hub.programs import ProgramExchange, adopt_programs, publish_programs
from server.hub.schema import channel_for
from server.hub.templates import TemplateExchange, install_templates, publish_templates

if TYPE_CHECKING:
    from server.store import Store

BATCH = 500
# Teammates' generations kept locally: a month, and the newest of each version (template improvement
# replays at most a few hundred; trials decide within MAX_TRIAL_DECIDED).
KEEP_DAYS = 30
KEEP_PER_VERSION = 2000
LAST_SYNC = "last_sync"
EXECUTIONS_CURSOR = "executions_cursor"
GENERATIONS_CURSOR = "generations_cursor"
TEAM = "team"
TEAM_SIZE = "team_size"

# (what is being done, done so far, total when known)
SyncProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class SyncOptions:
    """How one instance syncs: where what comes back goes, and the pace and bounds of the exchange."""

    workspace: Path | None = None  # where adopted programs' readable copies go
    min_accuracy: float = 0.9  # of this workspace's kept answers an adopted program must get right
    user_templates: Path | None = None  # where teammates' evolved template versions are installed
    # The server pushes small batches with a pause between them: the worker thread then
    # never holds the interpreter long enough to slow the editor's requests.
    batch: int = BATCH
    pause_s: float = 0.0
    page: int = PULL_LIMIT  # rows per pulled page
    max_rows: int = MAX_ROWS_PER_SYNC  # rows of each kind pulled per sync at most


@dataclass(frozen=True)
class SyncResult:
    team: str
    team_size: int
    pushed: int
    pulled: int  # teammates' executions added or changed locally
    backlog: int  # outbox entries still waiting (new ones written meanwhile)
    programs: ProgramExchange = field(default_factory=ProgramExchange)
    templates: TemplateExchange = field(default_factory=TemplateExchange)


class HubLink:
    """One instance's link to the hub, kept open between syncs and opened again after a failure.

    Used from one thread at a time (the server's sync worker, or the CLI).
    """

    def __init__(self, url: str, instance_id: str, options: SyncOptions | None = None) -> None:
        self.url = url
        self.instance_id = instance_id
        self.options = options or SyncOptions()
        self._client: HubClient | None = None

    def client(self) -> HubClient:
        if self._client is None or self._client.conn.closed:
            self._client = connected(self.url, self.instance_id)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def sync(self, store: Store, progress: SyncProgress | None = None) -> SyncResult:
        try:
            return sync_once(self.client(), store, progress, self.options)
        except ScionError:  # the hub's failures, and the local store's (those say so themselves)
            self.close()  # the next attempt starts from a fresh connection
            raise
        except Exception as error:  # a broken connection can surface as anything psycopg raises
            self.close()
            raise HubError(f"the sync with the hub failed ({shown_url(self.url)}: {error})") from error


def sync_once(
    client: HubClient, store: Store, progress: SyncProgress | None = None, options: SyncOptions | None = None
) -> SyncResult:
    options = options or SyncOptions()
    report = progress or (lambda what, done, total: None)
    total = store.outbox_size()
    pushed = 0
    report("push", 0, total)
    while (entries := store.outbox_slice(options.batch)) is not None:
        client.push_json(entries.entries_json)
        store.acknowledge_through(entries.last_id)
        pushed += entries.count
        report("push", pushed, max(total, pushed))
        if options.pause_s:
            time.sleep(options.pause_s)
    pulled = pull_executions(client, store, report, options.page, options.max_rows)
    pull_generations(client, store, options.page, options.max_rows)
    programs = ProgramExchange()
    adopt_programs(client, store, options.workspace, options.min_accuracy, programs)
    programs.published = publish_programs(client, store)
    templates = TemplateExchange()
    if options.user_templates is not None:
        install_templates(client, store, options.user_templates, templates)
    publish_templates(client, store, options.workspace, templates)
    size = client.team_size()
    store.set_hub_state(LAST_SYNC, datetime.now(UTC).isoformat(timespec="seconds"))
    store.set_hub_state(TEAM, client.team)
    store.set_hub_state(TEAM_SIZE, str(size))
    return SyncResult(client.team, size, pushed, pulled, store.outbox_size(), programs, templates)


def pull_executions(client: HubClient, store: Store, report: SyncProgress, page: int, max_rows: int) -> int:
    """Teammates' executions since the cursor, in pages, at most `max_rows` (the newest); also the team's
    rates and defaults. Returns how many local rows changed."""
    pulled = seen = 0
    cursor = int(store.hub_state(EXECUTIONS_CURSOR) or 0)
    after = client.executions_start(cursor, max_rows)
    first = True
    while True:
        found = client.pull(cursor, after, page, stats=first)
        if first:
            store.replace_team_stats(found.rates, found.defaults)
            first = False
        pulled += store.merge_team_executions(found.executions)
        seen += len(found.executions)
        report("pull", pulled, None)
        if found.cursor > cursor:
            cursor = found.cursor
            store.set_hub_state(EXECUTIONS_CURSOR, str(cursor))
        after = found.last
        if len(found.executions) < page or seen >= max_rows:
            break
    return pulled


def pull_generations(client: HubClient, store: Store, page: int, max_rows: int) -> int:
    """Teammates' decided generations (the evidence of template improvement, trials and answer verdicts)
    pushed since the cursor, within the window, at most `max_rows` (the newest); the local copy is then
    pruned to the window and the newest of each version. Returns how many arrived."""
    stored = store.hub_state(GENERATIONS_CURSOR) or ""
    # The cursor is a keyset; an older database holds a bare push time.
    cursor: Keyset | None = None
    if stored.startswith("["):
        time, instance, generation = json.loads(stored)
        cursor = (str(time), str(instance), str(generation))
    elif stored:
        cursor = (stored, "", "")
    after = client.generations_start(cursor, max_rows)
    seen = 0
    while True:
        generations, after = client.pull_generations(after, page)
        store.merge_team_generations(generations)
        seen += len(generations)
        store.set_hub_state(GENERATIONS_CURSOR, json.dumps(after))
        if len(generations) < page or seen >= max_rows:
            break
    cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
    store.prune_team_generations(cutoff, KEEP_PER_VERSION)
    return seen


class Backoff:
    """Delays between attempts while the hub is unreachable: doubling from `first` up to `most` seconds."""

    def __init__(self, first: float = 1.0, most: float = 60.0) -> None:
        self.first = first
        self.most = most
        self._next = first

    def failed(self) -> float:
        """The delay before the next attempt (each failure doubles it)."""
        delay = self._next
        self._next = min(self.most, self._next * 2)
        return delay

    def succeeded(self) -> None:
        self._next = self.first


def listen(url: str, team: str, stop: threading.Event, heard: Callable[[], None], *, tick_s: float = 1.0) -> None:
    """Call `heard()` for every notification on the team's channel until `stop` is set.

    Blocks: run it in a thread. LISTEN needs a session of its own (a transaction
    pooler would drop it), so this is a second, autocommit connection. A lost
    connection ends it with a HubError; polling covers the gap.
    """
    from server.hub.connection import connect, translated

    conn: Any = connect(url, autocommit=True)
    try:
        with translated(url):
            conn.execute(f'LISTEN "{channel_for(team)}"'.encode())
            while not stop.is_set():
                for _ in conn.notifies(timeout=tick_s, stop_after=1):
                    heard()
    finally:
        conn.close()
