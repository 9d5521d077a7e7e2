"""Peak memory of the server with one very large document (issue 13, item 15).

A 50 MB document took the server to 2.15 GB. This opens a Python document of
`--mb` megabytes over stdio, sends one incremental didChange, asks for code
actions and a hover, and reads the server's peak resident size (VmHWM in
/proc/<pid>/status) after each step, for the sizes given. Also reports the
latency of each step. Run:

    .venv/bin/python bench/bench_big_document.py [--mb 50] [--mb 1]

Prints a markdown table. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.wire import WireClient


def python_text(megabytes: float) -> str:
    block = "".join(
        f"class Model{i}:\n    def method_{i}(self, value):\n        total = value + {i}\n        return total\n\n\n"
        for i in range(1000)
    )
    repeat = max(1, int(megabytes * 1_000_000 / len(block)))
    return block * repeat


def kb(value: int) -> str:
    return f"{value / 1024:.0f}"


def run(megabytes: float) -> list:
    workspace = Path(tempfile.mkdtemp(prefix="scion-big-"))
    (workspace / ".scion").mkdir()
    client = WireClient(workspace, options={"ask": False, "scion": {}})
    try:
        client.initialize()
        client.ping(timeout=60)
        rows = [["started", "", kb(client.peak_rss_kb())]]
        text = python_text(megabytes)
        lines = text.count("\n")
        uri = (workspace / "big.py").as_uri()

        started = time.perf_counter()
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
        )
        del text
        client.ping(timeout=600)  # answered once the open is processed (messages are handled in order)
        rows.append(["didOpen", f"{time.perf_counter() - started:.2f}", kb(client.peak_rss_kb())])

        started = time.perf_counter()
        middle = {"line": lines // 2, "character": 0}
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": middle, "end": middle}, "text": "x = 1\n"}],
            },
        )
        client.ping(timeout=600)
        rows.append(["didChange", f"{time.perf_counter() - started:.2f}", kb(client.peak_rss_kb())])

        started = time.perf_counter()
        response = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": {"start": middle, "end": middle}, "context": {"diagnostics": []}},
            timeout=600,
        )
        actions = len(response.get("result") or []) if "result" in response else response["error"]["message"]
        rows.append(
            [f"codeAction ({actions} actions)", f"{time.perf_counter() - started:.2f}", kb(client.peak_rss_kb())]
        )

        started = time.perf_counter()
        client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": middle}, timeout=600)
        rows.append(["hover", f"{time.perf_counter() - started:.2f}", kb(client.peak_rss_kb())])
        assert client.alive() and not client.garbage
        return rows
    finally:
        client.shutdown(timeout=60)
        shutil.rmtree(workspace, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, action="append", help="document size in MB (repeatable; default 1 and 50)")
    args = parser.parse_args()
    for megabytes in args.mb or [1.0, 50.0]:
        print(f"\n### {megabytes:g} MB Python document\n")
        print("| step | seconds | server peak RSS (MB) |")
        print("|---|---:|---:|")
        for step, seconds, peak in run(megabytes):
            print(f"| {step} | {seconds} | {peak} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
