"""Are upgrade workers chosen only when they pay off? One batch planned in 1 process, in 2, and as the sample chooses.

Usage: .venv/bin/python bench/bench_workers.py [--files 1000] [--edited 300] [--runs 3] [--busy CPU]

Each run plans and writes the same 1,000-file batch (bench_upgrade.py's
workspace) three ways, alternating: one process, two processes, and what
`scion upgrade --all` picks (a CpuSample started with the run). `--busy CPU`
keeps that core busy with a `yes` loop pinned there (`taskset -c CPU`) for
the whole run: the case where a worker only slows the batch down.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_upgrade import scion_workspace, time_scion_domain
from bench.common import summary, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--edited", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", type=int, metavar="CPU", help="keep this core busy (taskset -c CPU yes)")
    args = parser.parse_args()
    busy = None
    if args.busy is not None:
        busy = subprocess.Popen(["taskset", "-c", str(args.busy), "yes"], stdout=subprocess.DEVNULL)
    try:
        print(f"load average at the start: {os.getloadavg()[0]:.1f}; core {args.busy} busy: {busy is not None}\n")
        with tempfile.TemporaryDirectory(prefix="scion-bench-workers-") as temp:
            scratch = Path(temp)
            pristine = scion_workspace(scratch / "pristine", args.files, args.edited)
            times: dict[str, list[float]] = {"1 process": [], "2 processes": [], "the sample's choice": []}
            chosen: list[int] = []
            for _ in range(args.runs):  # alternating, so that a change in the load meets all three alike
                times["1 process"] += time_scion_domain(pristine, scratch, 1, workers=1)[0]
                times["2 processes"] += time_scion_domain(pristine, scratch, 1, workers=2)[0]
                sampled, _, decided = time_scion_domain(pristine, scratch, 1)
                times["the sample's choice"] += sampled
                chosen += decided
            rows = [[name, *summary(samples)] for name, samples in times.items()]
            print(table(["batch planned in", "median s", "p99 s"], rows))
            print(f"\nprocesses the sample chose: {chosen}")
            print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if busy is not None:
            busy.terminate()
            busy.wait()


if __name__ == "__main__":
    main()
