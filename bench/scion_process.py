"""`scion` as a process, the way users run it: warm (through its warm process) or cold, with honest CPU figures.

A warm run's work is done by a child of the warm process (server/warm/), not
of the benchmark, so RUSAGE_CHILDREN misses it: the child writes its CPU
seconds to SCION_WARM_CPU_FILE, and `warm_child_cpu` adds them. The child
writes them as it leaves, after its client has exited (it first finishes
what it had left, such as a record's closing checkpoint): the benchmark
waits for them. Each
benchmark gets a runtime folder (and so a warm process) of its own, started
before timing: a user's second run, not the first one that starts it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SCION = str(Path(sys.executable).parent / "scion")  # the installed console script


class ScionProcess:
    def __init__(self, folder: Path) -> None:
        self.runtime = folder / "run"
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.cpu_file = folder / "warm-cpu"

    def env(self, base: dict[str, str], warm: bool) -> dict[str, str]:
        """`base` with this benchmark's runtime folder, warm or cold; clears the last warm child's CPU."""
        self.cpu_file.unlink(missing_ok=True)
        env = {**base, "XDG_RUNTIME_DIR": str(self.runtime)}
        if warm:
            env.update(SCION_WARM="1", SCION_WARM_CPU_FILE=str(self.cpu_file))
        else:
            env["SCION_WARM"] = "0"
        return env

    def warm_child_cpu(self, wait: float = 5.0) -> float:
        """CPU seconds the warm child of the last run spent (0 for a cold run), once it has written them
        (a child makes the file before its client exits, and writes its line as it leaves)."""
        deadline = time.monotonic() + wait
        while self.cpu_file.exists():
            text = self.cpu_file.read_text()
            if text.endswith("\n") or time.monotonic() > deadline:
                return sum(map(float, text.split()))
            time.sleep(0.001)
        return 0.0

    def start(self, base: dict[str, str]) -> None:
        subprocess.run([SCION, "warm", "start"], env=self.env(base, True), check=True, capture_output=True)

    def stop(self, base: dict[str, str]) -> None:
        subprocess.run([SCION, "warm", "stop"], env=self.env(base, True), check=False, capture_output=True)
