"""codeAction latency while the team hub sync runs, beside the same server before it had a hub, in one run.

The real server over stdio, a 1,000-line Python file open, and three phases
in the same server process (so the same seconds of machine load):

1. no hub: codeAction round trips once the startup work has settled;
2. the hub is configured (`workspace/didChangeConfiguration` sets
   `scion.hub.url`, a throwaway PostgreSQL cluster): round trips until the
   first sync is done. This is the once-per-process cost of a hub: the
   server loads psycopg and the hub's modules and connects; the outbox is empty;
3. a backlog is written to the workspace's outbox (generations recorded
   while the hub was away, written by this process as the CLI would), then
   `scion.hubSync` pushes it: round trips until the sync returns.

Repeated `--runs` times, each with a fresh workspace and server; the table
gives each run and all samples together. Target: p99 while the sync pushes
unchanged (< 15 ms).

    .venv/bin/python bench/hub_codeaction.py [--backlog 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lsprotocol import types
from pygls.uris import from_fs_path

from bench.common import code_action_params, python_source, start_server, stop_server, summary, table, team_hub
from server.store import Store
from server.store.outbox import Sharing


def fill_backlog(workspace: Path, count: int) -> None:
    with Store(workspace / ".scion" / "scion.db") as store:
        store.sharing = Sharing("bench-laptop", "answers", workspace)
        with store.unit():
            for number in range(count):
                store.record_generation(
                    "python/dataclass",
                    "1.1.0",
                    str(workspace / "src" / f"module_{number}.py"),
                    "insert",
                    {"class_name": f"Order{number}Model", "frozen": False},
                    answer_sources={"class_name": "user", "frozen": "default"},
                    instance_id="bench-laptop",
                    status="applied",
                )


async def sampled(client, uri: str, until) -> list[float]:
    """codeAction round trips (ms), one every 5 ms, until `until(count)` says stop (checked every 20)."""
    samples: list[float] = []
    index = 0
    while True:
        index += 1
        before = time.perf_counter()
        await client.text_document_code_action_async(code_action_params(uri, (index * 7919) % 1_000))
        samples.append((time.perf_counter() - before) * 1000)
        if index % 20 == 0 and await until(index):
            return samples
        await asyncio.sleep(0.005)


def count_reached(wanted: int):
    async def until(index: int) -> bool:
        return index >= wanted

    return until


async def one_run(workspace: Path, backlog: int, hub_url: str) -> tuple[list[float], list[float], list[float], float]:
    """Round trips (ms) with no hub, while the hub is first connected, while the sync pushes; the push's seconds."""
    # No poll while the backlog is written: the push starts when the bench asks for it.
    hub_settings = {"pollInterval": 3600}
    client = await start_server(workspace, {"ask": False, "scion": {"hub": hub_settings}})
    path = workspace / "module.py"
    text = python_source(1_000)
    path.write_text(text)
    uri = from_fs_path(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )

    async def connected(index: int) -> bool:
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="scion.hubStatus", arguments=[{}])
        )
        return status.get("state") == "connected"

    try:
        await sampled(client, uri, count_reached(100))  # startup work settles (not counted)
        idle = await sampled(client, uri, count_reached(300))
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"scion": {"hub": {**hub_settings, "url": hub_url}}})
        )
        connecting = await sampled(client, uri, connected)
        fill_backlog(workspace, backlog)
        await sampled(client, uri, count_reached(40))  # the server is back to idle after the writes
        started = time.perf_counter()
        sync = asyncio.ensure_future(
            client.workspace_execute_command_async(types.ExecuteCommandParams(command="scion.hubSync", arguments=[{}]))
        )

        async def synced(index: int) -> bool:
            return sync.done()

        busy = await sampled(client, uri, synced)
        result = await sync
        seconds = time.perf_counter() - started
        if result.get("pushed") != backlog or result.get("backlog") != 0:
            raise RuntimeError(f"the sync pushed {result.get('pushed')} of {backlog}: {result}")
        return idle, connecting, busy, seconds
    finally:
        await stop_server(client)


async def run(backlog: int, runs: int, hub_url: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="scion-hub-ca-"))
    rows, loads = [], []
    phases = ("no hub", "hub first connected (psycopg loads)", "while the sync pushes the backlog")
    together: list[list[float]] = [[], [], []]
    try:
        for number in range(1, runs + 1):
            workspace = root / f"run{number}"
            (workspace / ".scion").mkdir(parents=True)
            *found, seconds = await one_run(workspace, backlog, hub_url)
            loads.append(os.getloadavg()[0])
            for phase, samples, pooled in zip(phases, found, together, strict=True):
                pooled += samples
                pace = f"{backlog / seconds:.0f}" if phase.startswith("while") else ""
                rows.append([f"run {number}: {phase}", len(samples), *summary(samples), max(samples), pace])
        for phase, pooled in zip(phases, together, strict=True):
            rows.append([f"all runs: {phase}", len(pooled), *summary(pooled), max(pooled), ""])
        shown_loads = ", ".join(f"{load:.1f}" for load in loads)
        print(f"backlog {backlog} generations, {runs} runs, load average after each run {shown_loads}\n")
        print(table(["codeAction, 1,000 lines (ms)", "samples", "median", "p99", "max", "pushed/s"], rows))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with team_hub("hub", "bench", ["bench"]) as hub:
        asyncio.run(run(args.backlog, args.runs, hub.member("bench")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
