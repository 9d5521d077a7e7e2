"""Benchmark of the editing context: context_at and parsing on generated Python files.

Run: .venv/bin/python bench/bench_context.py [--repeat N]
Prints a markdown table (times in milliseconds) to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import milliseconds, percentile
from server.context import DocumentTrees, context_at, parse

_CLASS_TEMPLATE = '''\
class Model{index}:
    """A generated class."""

    def __init__(self, name, amount):
        self.name = name
        self.amount = amount

    def total_{index}(self, items):
        def price(item):
            return item.amount * {index}

        result = 0
        for item in items:
            result += price(item)

        return result

'''


def generated_python(lines: int) -> str:
    """A plausible Python module of about `lines` lines: classes, methods, nested functions."""
    chunks = []
    count = 0
    index = 0
    while count < lines:
        chunk = _CLASS_TEMPLATE.format(index=index)
        chunks.append(chunk)
        count += chunk.count("\n")
        index += 1
    return "".join(chunks)


def bench_size(lines: int, repeat: int, rng: random.Random) -> dict[str, float]:
    text = generated_python(lines)
    line_count = text.count("\n")
    trees = DocumentTrees()
    tree = trees.update("bench", 0, text, "python").tree
    positions = [(rng.randrange(line_count + 1), rng.randrange(12)) for _ in range(repeat)]
    picks = iter(positions * 2)

    def context_with_tree():
        line, character = next(picks)
        context_at(text, "/ws/src/pkg/mod.py", line, character, Path("/ws"), "python", tree)

    context_samples = milliseconds(context_with_tree, repeat)
    full_samples = milliseconds(lambda: parse("python", text), max(10, repeat // 10))

    version = iter(range(1, 10**9))

    # A keystroke inside an identifier in the middle of the file, then its
    # undo, so the text keeps its size: what typing looks like.
    lines_of_text = text.split("\n")
    middle = next(row for row in range(line_count // 2, line_count) if "result += " in lines_of_text[row])
    column = lines_of_text[middle].index("result") + 3

    def incremental_edit():
        trees.apply_change("bench", next(version), (middle, column), (middle, column), "x")
        trees.apply_change("bench", next(version), (middle, column), (middle, column + 1), "")

    incremental_samples = [sample / 2 for sample in milliseconds(incremental_edit, max(10, repeat // 10))]
    edited = text.replace("result += ", "result -= ", 1)
    texts = iter([edited, text] * repeat)
    full_text_samples = milliseconds(
        lambda: trees.update("bench", next(version), next(texts), "python"), max(10, repeat // 10)
    )
    return {
        "lines": line_count,
        "context p50": statistics.median(context_samples),
        "context p99": percentile(context_samples, 99),
        "full parse p50": statistics.median(full_samples),
        "incremental p50": statistics.median(incremental_samples),
        "incremental p99": percentile(incremental_samples, 99),
        "full-text update p50": statistics.median(full_text_samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=500, help="context_at calls per file size")
    arguments = parser.parse_args()
    rng = random.Random(1)
    rows = [bench_size(size, arguments.repeat, rng) for size in (100, 1_000, 10_000)]
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = [str(row["lines"])] + [f"{row[column]:.3f}" for column in columns[1:]]
        print("| " + " | ".join(cells) + " |")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n(ms; {arguments.repeat} context_at calls per size at random positions, given the parsed tree;"
        f" incremental = one keystroke through apply_change; full-text update = update() with a"
        f" one-character difference, diffed to reuse the old tree; load average {load})"
    )


if __name__ == "__main__":
    main()
