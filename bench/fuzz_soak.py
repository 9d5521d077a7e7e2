"""The LSP fuzzer as a soak: random valid and invalid messages for N minutes.

The suite runs the same fuzzer (tests/robustness/test_fuzz.py) for a few
seconds; this keeps one server busy for as long as asked, in rounds of
hypothesis examples, and stops at the first problem with the shortest
scenario hypothesis finds. At the end it prints the rounds, examples and the
server's peak memory. Run:

    .venv/bin/python bench/fuzz_soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings

from tests.fuzzing import play, scenarios
from tests.wire import WireClient


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--examples-per-round", type=int, default=200)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="scion-soak-"))
    workspace = root / "ws"
    (workspace / ".scion").mkdir(parents=True)
    (workspace / "a.py").write_text("import os\n\n\nclass A:\n    pass\n")
    client = WireClient(workspace, options={"ask": True, "scion": {"tracking": {"checkpoints": [0.2, 0.4]}}})
    client.initialize()
    counted = {"examples": 0, "requests": 0}

    @settings(
        max_examples=args.examples_per_round, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(scenario=scenarios(workspace.as_uri()))
    def round_of_examples(scenario):
        counted["examples"] += 1
        counted["requests"] += sum(1 for kind, _, _ in scenario if kind == "request")
        problems = play(client, scenario)
        assert problems == [], problems

    started = time.monotonic()
    rounds = 0
    status = 0
    try:
        while time.monotonic() - started < args.minutes * 60:
            round_of_examples()
            rounds += 1
            print(
                f"round {rounds}: {counted['examples']} examples, {counted['requests']} requests, "
                f"{time.monotonic() - started:.0f} s, peak RSS {client.peak_rss_kb() / 1024:.0f} MB",
                flush=True,
            )
    except AssertionError as failure:
        print(f"FAILED after {counted['examples']} examples:\n{failure}", flush=True)
        status = 1
    finally:
        peak = client.peak_rss_kb()
        alive = client.alive()
        client.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"\n| minutes | rounds | examples | requests | server alive | peak RSS (MB) |\n|---:|---:|---:|---:|---|---:|\n"
        f"| {(time.monotonic() - started) / 60:.1f} | {rounds} | {counted['examples']} | {counted['requests']} | {alive} | {peak / 1024:.0f} |"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
