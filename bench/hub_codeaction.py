"""codeAction latency while the team hub sync runs, beside the same server with no hub, in one run.

A workspace whose outbox holds a backlog (default 40,000 generations recorded
while the hub was away), a 1,000-line Python file open, and the real server
over stdio: first with no hub configured, then with one (a throwaway
PostgreSQL cluster), while its background sync pushes the backlog. Every
codeAction round trip during the sync counts; the sync's own pace is shown.
Target: p99 unchanged (< 15 ms).

    .venv/bin/python bench/hub_codeaction.py [--backlog 40000]
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

from bench.common import python_source, start_hub_cluster, start_server, stop_server, summary, table
from server.hub.admin import add_member, init_hub
from server.store import Store
from server.store.outbox import Sharing


def code_action_params(uri: str, line: int) -> types.CodeActionParams:
    position = types.Position(line=line, character=0)
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=position, end=position),
        context=types.CodeActionContext(diagnostics=[]),
    )


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


async def code_actions(workspace: Path, options: dict, while_syncing: bool) -> tuple[list[float], float]:
    """Round trips (ms); with a hub, only those made while its backlog was draining, and the sync's seconds."""
    client = await start_server(workspace, options)
    path = workspace / "module.py"
    text = python_source(1_000)
    path.write_text(text)
    uri = from_fs_path(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    await client.text_document_code_action_async(code_action_params(uri, 0))
    samples: list[float] = []
    started = time.perf_counter()
    index = 0
    try:
        while True:
            index += 1
            before = time.perf_counter()
            await client.text_document_code_action_async(code_action_params(uri, (index * 7919) % 1_000))
            samples.append((time.perf_counter() - before) * 1000)
            if not while_syncing and index >= 300:
                return samples, 0.0
            if while_syncing and index % 20 == 0:
                status = await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command="scion.hubStatus", arguments=[{}])
                )
                if status.get("state") == "connected" and status.get("backlog") == 0:
                    return samples, time.perf_counter() - started
            await asyncio.sleep(0.005)
    finally:
        await stop_server(client)


async def run(backlog: int, hub_url: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="scion-hub-ca-"))
    try:
        plain, synced = root / "plain", root / "synced"
        for workspace in (plain, synced):
            (workspace / ".scion").mkdir(parents=True)
        fill_backlog(synced, backlog)
        idle, _ = await code_actions(plain, {"ask": False, "scion": {}}, while_syncing=False)
        busy, seconds = await code_actions(
            synced, {"ask": False, "scion": {"hub": {"url": hub_url}}}, while_syncing=True
        )
        print(f"backlog {backlog} generations, load average {os.getloadavg()[0]:.1f}\n")
        print(
            table(
                ["codeAction, 1,000 lines (ms)", "samples", "median", "p99"],
                [["no hub", len(idle), *summary(idle)], ["while the sync pushes", len(busy), *summary(busy)]],
            )
        )
        print(f"\nthe sync pushed {backlog} entries in {seconds:.1f} s ({backlog / seconds:.0f}/s)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=40_000)
    args = parser.parse_args()
    cluster = start_hub_cluster()
    if cluster is None:
        return 1
    try:
        admin = cluster.create_database("hub")
        init_hub(admin)
        add_member(admin, "bench", "bench")
        asyncio.run(run(args.backlog, cluster.url("hub", user="bench")))
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
