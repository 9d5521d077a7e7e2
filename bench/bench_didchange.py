"""Cost of following generated regions through didChange, per change.

Measures only the domain part, `Tracker.on_change`: pygls applying the change
to its document, JSON decoding and the event loop come on top. A 10,000-line
document gets 0, 10 or 100 pending generations spread over it, then 2,000
random single-character edits (inserts and deletes, including line breaks).
The document lines are kept in step outside the timed section so every edit is
a valid position (ASCII text: string columns are UTF-16 columns). Target: p99 < 2 ms per change.

Run: .venv/bin/python bench/bench_didchange.py   (prints a markdown table)
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.tracking import Region, Tracker

LINES = 10_000
EDITS = 2_000
PENDING_COUNTS = (0, 10, 100)
URI = "file:///bench/big.py"


def make_document_lines(rng: random.Random) -> list[str]:
    return [f"    value_{n} = compute({rng.randrange(1000)})" for n in range(LINES)]


def random_edit(rng: random.Random, lines: list[str]):
    """A single-character insert or delete at a random place; applies it to `lines`."""
    line = rng.randrange(len(lines))
    text = lines[line]
    if rng.random() < 0.5 or not text:
        column = rng.randrange(len(text) + 1)
        char = rng.choice("abc(=\n")
        if char == "\n":
            lines[line : line + 1] = [text[:column], text[column:]]
        else:
            lines[line] = text[:column] + char + text[column:]
        return (line, column), (line, column), char
    column = rng.randrange(len(text))
    lines[line] = text[:column] + text[column + 1 :]
    return (line, column), (line, column + 1), ""


def percentile(sorted_values: list[int], share: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def run(pending_count: int, seed: int = 7) -> tuple[float, float, float]:
    rng = random.Random(seed)
    lines = make_document_lines(rng)
    tracker = Tracker(clock=lambda: 0.0)
    for n in range(pending_count):
        first = (n * LINES) // max(pending_count, 1)
        tracker.track(f"g{n}", URI, Region((first, 4), (first + 5, 0)), "generated\n" * 5)
    timings = []
    for _ in range(EDITS):
        start, end, text = random_edit(rng, lines)
        began = time.perf_counter_ns()
        tracker.on_change(URI, start, end, text)
        timings.append(time.perf_counter_ns() - began)
    timings.sort()
    return percentile(timings, 0.5) / 1000, percentile(timings, 0.99) / 1000, timings[-1] / 1000


def main() -> None:
    print(f"didChange domain cost (Tracker.on_change), {LINES:,}-line document, {EDITS:,} single-character edits\n")
    print("| pending generations | p50 (µs) | p99 (µs) | max (µs) |")
    print("|---:|---:|---:|---:|")
    for pending_count in PENDING_COUNTS:
        p50, p99, worst = run(pending_count)
        print(f"| {pending_count} | {p50:.1f} | {p99:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    main()
