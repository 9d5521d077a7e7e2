"""Cost of one incremental change in the workspace: pygls's TextDocument vs ChunkedTextDocument.

A 10,000-line module (common.py's `python_source`) gets 1,000 random
single-character edits: inserts of a letter or a line break, deletes of a
character or of a line break (joining two lines). The same edits go through
`Workspace.update_text_document` (what pygls's didChange handler calls) of a
pygls Workspace and of a ChunkedWorkspace. The chunked document builds its
text only when asked; the last columns time reading `source` right after a
change, which a handler needing the whole text pays once per change.

Run: .venv/bin/python bench/bench_text_document.py   (prints a markdown table)
"""

from __future__ import annotations

import random
import time

from common import percentile, python_source, table  # (puts the repository root on sys.path)
from lsprotocol import types
from pygls.workspace import Workspace

from server.lsp.workspace import ChunkedWorkspace

LINES = 10_000
EDITS = 1_000
URI = "file:///bench/big.py"


def random_edits(lines: list[str], rng: random.Random) -> list[types.TextDocumentContentChangePartial]:
    """Single-character edits, each valid for the text the previous ones left (`lines` has no line breaks)."""
    edits = []
    for _ in range(EDITS):
        line = rng.randrange(len(lines))
        text = lines[line]
        if rng.random() < 0.5:
            column = rng.randrange(len(text) + 1)
            char = rng.choice("abcxyz_\n")
            start = end = (line, column)
            lines[line : line + 1] = (text[:column] + char + text[column:]).split("\n")
        elif text:
            column = rng.randrange(len(text))
            char, start, end = "", (line, column), (line, column + 1)
            lines[line] = text[:column] + text[column + 1 :]
        elif line + 1 < len(lines):
            char, start, end = "", (line, 0), (line + 1, 0)
            del lines[line]
        else:
            continue
        edits.append(
            types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=char
            )
        )
    return edits


def run(workspace: Workspace, source: str, edits, read_source: bool) -> tuple[list[float], str]:
    workspace.put_text_document(types.TextDocumentItem(uri=URI, language_id="python", version=0, text=source))
    document = workspace.get_text_document(URI)
    samples = []
    for version, change in enumerate(edits, start=1):
        identifier = types.VersionedTextDocumentIdentifier(uri=URI, version=version)
        started = time.perf_counter_ns()
        workspace.update_text_document(identifier, change)
        if read_source:
            _ = document.source  # the read is what is measured
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples, document.source


def main() -> None:
    source = python_source(LINES)
    edits = random_edits(source.split("\n"), random.Random(7))
    rows = []
    results = {}
    for name, make in (("pygls TextDocument", Workspace), ("ChunkedTextDocument", ChunkedWorkspace)):
        change, text = run(make("file:///bench"), source, edits, read_source=False)
        change_and_read, _ = run(make("file:///bench"), source, edits, read_source=True)
        results[name] = text
        rows.append(
            [name, *(percentile(change, q) for q in (50, 99)), *(percentile(change_and_read, q) for q in (50, 99))]
        )
    assert len(set(results.values())) == 1, "the two documents disagree"
    print(f"One incremental change, {LINES:,}-line file, {len(edits):,} single-character edits (µs)\n")
    print(table(["document", "change p50", "change p99", "change + source p50", "change + source p99"], rows))


if __name__ == "__main__":
    main()
