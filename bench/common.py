"""Shared helpers for the benchmarks: a real server over stdio, percentiles, tables."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.client_compat import editor_initialize_params, fix_code_action_union, ignore_notifications
from tests.support.edits import apply_workspace_edit


async def _drain(stream: asyncio.StreamReader | None) -> None:
    while stream is not None and await stream.read(65536):
        pass


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def milliseconds(action, repeat: int) -> list[float]:
    """How long each of `repeat` calls of `action` took, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 99)


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in headers) + "|"]
    lines += ["| " + " | ".join(f"{c:.2f}" if isinstance(c, float) else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


_DRAINS: set[asyncio.Task[None]] = set()


async def launch(client: LanguageClient, params: types.InitializeParams) -> None:
    """Start the real server over stdio (`python -P -m server`) and take it through initialize and initialized."""
    await client.start_io(sys.executable, "-P", "-m", "server")
    # pygls pipes the server's stderr and never reads it: once the pipe is full (litellm logs
    # verbosely there), the server blocks on its next write. An editor reads it; so does this.
    drain = asyncio.create_task(_drain(client._server.stderr if client._server else None))
    _DRAINS.add(drain)
    drain.add_done_callback(_DRAINS.discard)
    await client.initialize_async(params)
    client.initialized(types.InitializedParams())


async def start_server(workspace: Path, options: dict | None = None) -> LanguageClient:
    client = LanguageClient("scion-bench", "1")
    fix_code_action_union(client.protocol._converter)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        apply_workspace_edit(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    ignore_notifications(client)
    await launch(client, editor_initialize_params(workspace, options or {"ask": False, "scion": {}}, "bench"))
    return client


async def stop_server(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def code_action_params(uri: str, line: int) -> types.CodeActionParams:
    """A code action request at the start of `line`, with no diagnostics: what an editor sends as the cursor moves."""
    position = types.Position(line=line, character=0)
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=position, end=position),
        context=types.CodeActionContext(diagnostics=[]),
    )


def python_source(lines: int) -> str:
    """A plausible module: classes with methods, roughly `lines` long."""
    out = ["import os", "", ""]
    index = 0
    while len(out) < lines:
        out += [
            f"class Model{index}:",
            f"    def method_{index}(self, value):",
            f"        total = value + {index}",
            "        return total",
            "",
            "",
        ]
        index += 1
    return "\n".join(out[:lines]) + "\n"


@dataclass(frozen=True)
class TeamHub:
    """A hub in a throwaway cluster: its owner's URL, and each member's."""

    cluster: Any  # tests.support.pg_cluster.Cluster
    database: str
    admin: str

    def member(self, name: str) -> str:
        return self.cluster.url(self.database, user=name)


@contextmanager
def team_hub(database: str, team: str, members: Iterable[str]) -> Iterator[TeamHub]:
    """A throwaway PostgreSQL cluster holding an initialised hub with a login per member of `team`, stopped after.

    Exits with status 1 (said on stderr) when PostgreSQL is not installed.
    """
    from server.hub.admin import add_member, init_hub
    from tests.support.pg_cluster import Cluster, binaries

    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL 15+ is not installed (apt-get install postgresql)")
    cluster = Cluster(bin_dir).start()
    try:
        admin = cluster.create_database(database)
        init_hub(admin)
        for name in members:
            add_member(admin, name, team)
        yield TeamHub(cluster, database, admin)
    finally:
        cluster.stop()
