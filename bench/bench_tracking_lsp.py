"""Acceptance tracking through the real server: didChange cost with pending generations,
and the stats report over a million generations.

1. didChange. A real server over stdio gets a 10,000-line Python file (common.py's
   module of small classes), then 0,
   10 and 100 pending generations in it (made with scion.generate, windows of
   an hour so none is decided during the run). Each sample is one random
   single-character edit sent as didChange, immediately followed by a request
   the server answers at once (an unknown method: MethodNotFound); the time is
   from sending the change to that answer. The server handles messages in
   order, so this is the change's whole server-side cost (pygls updating its
   copy of the document, the syntax tree, the tracked regions) plus one
   request/response over the pipe. The same ping sent alone is the transport
   baseline; the difference estimates the didChange handling itself.
   `bench/bench_didchange.py` measures the tracking part alone, in process.
2. Stats. bench/bench_stats.py's synthetic history (1,000,000 rows by default)
   in a temporary database; times the stats query (success per version and per
   template), the whole report data (`build_stats`: adds the time series and
   the per-answer breakdown of the five worst templates) and the HTML rendering.

    .venv/bin/python bench/bench_tracking_lsp.py [--edits N] [--rows N] [--skip-stats]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from bench_stats import fake_generations  # (these two put the repository root on sys.path)
from common import launch, python_source, stop_server, summary, table
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from server.store import Store
from server.tracking.reports import build_stats, render_html
from tests.support.client_compat import editor_initialize_params, fix_code_action_union, ignore_notifications

LINES = 10_000
PENDING_STEPS = (0, 10, 100)
OPTIONS = {"ask": False, "scion": {"tracking": {"checkpoints": [3600]}, "evolution": {"enabled": False}}}


class Buffer:
    """The client's copy of the document, kept in step with every change sent."""

    def __init__(self, client: LanguageClient, uri: str, lines: list[str]):
        self.client, self.uri, self.lines, self.version = client, uri, lines, 1

    def apply(self, sl: int, sc: int, el: int, ec: int, text: str) -> types.DidChangeTextDocumentParams:
        head, tail = self.lines[sl][:sc], self.lines[el][ec:]
        self.lines[sl : el + 1] = (head + text + tail).split("\n")
        self.version += 1
        return types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=sl, character=sc), end=types.Position(line=el, character=ec)
                    ),
                    text=text,
                )
            ],
        )

    def random_edit(self, rng: random.Random) -> types.DidChangeTextDocumentParams:
        """Typing inside names: insert or delete a letter, or open a new line at a line's end.

        Edits stay syntactically harmless on purpose: a stray "(" makes tree-sitter's
        error recovery re-read the rest of the file, which would measure the
        parser's recovery, not the handling of a change.
        """
        line = rng.randrange(len(self.lines))
        text = self.lines[line]
        letters = [n for n, char in enumerate(text) if char.isalnum() or char == "_"]
        choice = rng.random()
        if choice < 0.1:
            return self.apply(line, len(text), line, len(text), "\n")
        if choice < 0.55 or not letters:
            column = rng.choice(letters) if letters else 0
            return self.apply(line, column, line, column, rng.choice("abc"))
        column = rng.choice(letters)
        return self.apply(line, column, line, column + 1, "")


async def start(workspace: Path) -> tuple[LanguageClient, dict]:
    client = LanguageClient("scion-bench", "1")
    fix_code_action_union(client.protocol._converter)
    state: dict = {}

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        # Like an editor: change the buffer and send didChange before answering.
        buffer: Buffer = state["buffer"]
        for change in params.edit.document_changes or []:
            for edit in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
                r = edit.range
                client.text_document_did_change(
                    buffer.apply(r.start.line, r.start.character, r.end.line, r.end.character, edit.new_text)
                )
        return types.ApplyWorkspaceEditResult(applied=True)

    ignore_notifications(client)
    await launch(client, editor_initialize_params(workspace, OPTIONS, "bench"))
    return client, state


async def ping(client: LanguageClient) -> None:
    try:
        await client.protocol.send_request_async("scion/benchPing", {})
    except JsonRpcMethodNotFound:
        pass


async def add_generations(client: LanguageClient, buffer: Buffer, count: int) -> None:
    """Generate `count` dataclasses at module level (the blank line before a class), spread over the file, bottom first."""
    if count <= 0:
        return
    lines = buffer.lines
    blanks = [n for n in range(len(lines) - 1) if lines[n] == "" and lines[n + 1].startswith("class ")]
    step = max(1, len(blanks) // count)
    for line in sorted(blanks[::step][:count], reverse=True):
        argument = {
            "templateId": "python/dataclass",
            "uri": buffer.uri,
            "position": {"line": line, "character": 0},
            "answers": {"class_name": f"Generated{line}", "add_import": False},
        }
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="scion.generate", arguments=[argument])
        )
        if not result:
            raise SystemExit(f"generation at line {line} failed")


async def time_changes(
    client: LanguageClient, buffer: Buffer, edits: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    changes, pings = [], []
    for _ in range(edits):
        params = buffer.random_edit(rng)
        began = time.perf_counter()
        client.text_document_did_change(params)
        await ping(client)
        changes.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        await ping(client)
        pings.append((time.perf_counter() - began) * 1000)
    return changes, pings


async def bench_did_change(edits: int) -> list[list]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="scion-bench-") as folder:
        workspace = Path(folder)
        (workspace / ".scion").mkdir()
        path = workspace / "big.py"
        source = python_source(LINES)
        path.write_text(source)
        client, state = await start(workspace)
        try:
            uri = from_fs_path(str(path))
            buffer = state["buffer"] = Buffer(client, uri, source.split("\n"))
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text="\n".join(buffer.lines)
                    )
                )
            )
            await ping(client)
            rng = random.Random(7)
            made = 0
            for pending in PENDING_STEPS:
                await add_generations(client, buffer, pending - made)
                made = pending
                await time_changes(client, buffer, 20, rng)  # warm-up
                changes, pings = await time_changes(client, buffer, edits, rng)
                (c50, c99), (p50, p99) = summary(changes), summary(pings)
                rows.append([pending, c50, c99, p50, p99, c50 - p50, c99 - p99])
        finally:
            await stop_server(client)
    return rows


def bench_stats(rows: int, repeat: int) -> list[list]:
    results = []
    with tempfile.TemporaryDirectory(prefix="scion-bench-") as folder, Store(Path(folder) / "bench.db") as store:
        started = time.perf_counter()
        store.import_generations(fake_generations(rows))
        print(f"{rows:,} generations inserted in {time.perf_counter() - started:.1f} s\n", file=sys.stderr)
        built = build_stats(store)
        runs = {
            "stats query (success_rates + success_by_template)": lambda: (
                store.success_rates(),
                store.success_by_template(),
            ),
            "report data (build_stats)": lambda: build_stats(store),
            "HTML rendering (render_html)": lambda: render_html(built),
        }
        for name, run in runs.items():
            samples = []
            for _ in range(repeat):
                began = time.perf_counter()
                run()
                samples.append((time.perf_counter() - began) * 1000)
            results.append([name, *summary(samples)])
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=1000, help="timed changes per pending count")
    parser.add_argument("--rows", type=int, default=1_000_000, help="generations in the stats database")
    parser.add_argument("--repeat", type=int, default=10, help="runs of each stats step")
    parser.add_argument("--skip-stats", action="store_true")
    parser.add_argument("--skip-changes", action="store_true")
    options = parser.parse_args(argv)

    if not options.skip_changes:
        rows = asyncio.run(bench_did_change(options.edits))
        print(
            f"didChange through the server over stdio, {LINES:,}-line file, {options.edits:,} single-character edits each (ms)\n"
        )
        print(
            table(
                [
                    "pending",
                    "change+ping p50",
                    "change+ping p99",
                    "ping p50",
                    "ping p99",
                    "≈ change p50",
                    "≈ change p99",
                ],
                rows,
            )
        )
    if not options.skip_stats:
        print(f"\nStats over {options.rows:,} generations ({options.repeat} runs, ms)\n")
        print(table(["step", "median", "p99"], bench_stats(options.rows, options.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
