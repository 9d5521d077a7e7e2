"""Run every benchmark in turn (`make bench`); each prints its own markdown tables.

Benchmarks are run on purpose, not in the test suite: these machines are shared
and noisy, so the numbers in bench/README.md come with the load they ran under.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_server.py",
    "bench_context.py",
    "bench_didchange.py",
    "bench_text_document.py",
    "bench_tracking_lsp.py",
    "bench_stats.py",
    "bench_upgrade.py",
    "bench_big_document.py",
    "bench_synthesis.py",
    "evolution_sim.py",
    "evolution_improve_sim.py",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n## {name} (load average {os.getloadavg()[0]:.1f})\n", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE)
        print(f"\n({time.perf_counter() - started:.0f} s)", flush=True)
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
