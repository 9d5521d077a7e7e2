"""Language server latency and memory, through the real server over stdio.

Measures: cold start to the initialize response, codeAction round trips on
100/1,000/10,000-line Python files, generate round trips (render + applyEdit +
answer file + database), and idle RSS. Targets (issue 3): codeAction p99 < 15 ms
at 10,000 lines, cold start < 0.8 s, idle RSS < 100 MB.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import code_action_params, python_source, start_server, stop_server, summary, table
from lsprotocol import types
from pygls.uris import from_fs_path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def cold_starts(workspace: Path, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client = await start_server(workspace)
        samples.append((time.perf_counter() - started) * 1000)
        await stop_server(client)
    return samples


async def main(repeat: int) -> None:
    workspace = Path(tempfile.mkdtemp(prefix="scion-bench-"))
    (workspace / ".scion").mkdir()
    try:
        starts = await cold_starts(workspace, max(5, repeat // 20))
        client = await start_server(workspace)
        pid = client._server.pid
        await asyncio.sleep(1.0)
        idle = rss_mb(pid)

        rows = []
        for lines in (100, 1_000, 10_000):
            path = workspace / f"module_{lines}.py"
            text = python_source(lines)
            path.write_text(text)
            uri = from_fs_path(str(path))
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
                )
            )
            await client.text_document_code_action_async(code_action_params(uri, 0))  # parse once
            samples = []
            for index in range(repeat):
                line = (index * 7919) % lines
                started = time.perf_counter()
                await client.text_document_code_action_async(code_action_params(uri, line))
                samples.append((time.perf_counter() - started) * 1000)
            rows.append([f"codeAction, {lines:,} lines", *summary(samples)])

        samples = []
        for index in range(max(20, repeat // 10)):
            path = workspace / "gen" / f"item_{index}.py"
            path.parent.mkdir(exist_ok=True)
            path.write_text("")
            uri = from_fs_path(str(path))
            started = time.perf_counter()
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="scion.generate",
                    arguments=[
                        {"templateId": "python/pytest-module", "uri": uri, "position": {"line": 0, "character": 0}}
                    ],
                )
            )
            samples.append((time.perf_counter() - started) * 1000)
        rows.append(["generate (file mode, no questions)", *summary(samples)])
        rows.append(["cold start to initialize response", *summary(starts)])
        busy = rss_mb(pid)
        await stop_server(client)
        print(table(["measure (ms)", "median", "p99"], rows))
        print()
        print(table(["memory (MB)", "RSS"], [["idle after initialize", idle], ["after the runs above", busy]]))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
