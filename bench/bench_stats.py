"""How long the stats page's queries take over a million generations.

Fills a temporary database with 1,000,000 generations (one transaction,
executemany through Store.import_generations), then times success_rates and
success_by_template 20 times each and prints a markdown table. The target is
under 100 ms for both together. A few per-template queries are timed too,
for reference.

    .venv/bin/python bench/bench_stats.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import milliseconds, percentile
from server.store import Store

TEMPLATES = [f"bench/template-{index:02d}" for index in range(40)]
VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
# Mostly decided, as in a long-lived workspace; only the newest generations
# are still watched by the tracker (a verdict comes within ten minutes).
SETTLED_STATUSES = ["accepted"] * 6 + ["rejected"] * 3 + ["cancelled", "offered"]
WATCHED_STATUSES = ["applied", "pending"]
WATCHED_NEWEST = 200
FIRST_DAY = datetime(2025, 1, 1, tzinfo=UTC)


def fake_generations(count: int, seed: int = 7):
    chooser = random.Random(seed)
    for index in range(count):
        yield {
            "generation_id": f"g{index:08d}",
            "template_id": chooser.choice(TEMPLATES),
            "template_version": chooser.choice(VERSIONS),
            "file_path": f"src/module_{index % 5000}.py",
            "mode": "insert",
            "answers": {"class_name": f"Model{index % 300}", "frozen": index % 3 == 0},
            "rendered_text": "class Model:\n    pass\n",
            "rendered_sha": "0" * 64,
            "status": chooser.choice(WATCHED_STATUSES if count - index <= WATCHED_NEWEST else SETTLED_STATUSES),
            "created_at": FIRST_DAY + timedelta(seconds=index * 30),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scion-bench-") as folder, Store(Path(folder) / "bench.db") as store:
        started = time.perf_counter()
        inserted = store.import_generations(fake_generations(options.rows))
        fill_seconds = time.perf_counter() - started

        queries = {
            "success_rates": store.success_rates,
            "success_by_template": store.success_by_template,
            "both (stats page)": lambda: (store.success_rates(), store.success_by_template()),
        }
        # Per-template queries, for reference (not part of the 100 ms target).
        template = TEMPLATES[0]
        queries |= {
            "success_over_time (one template, by week)": lambda: store.success_over_time(template, bucket="week"),
            "success_by_answer (one template)": lambda: store.success_by_answer(template),
            "learned_default (one question)": lambda: store.learned_default(template, "class_name"),
            "pending_generations": store.pending_generations,
        }
        print(f"{inserted:,} generations inserted in {fill_seconds:.1f} s\n")
        print(f"| query ({options.repeat} runs) | median ms | p99 ms |")
        print("|---|---:|---:|")
        for name, run in queries.items():
            timings = milliseconds(run, options.repeat)
            print(f"| {name} | {statistics.median(timings):.3f} | {percentile(timings, 99):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
