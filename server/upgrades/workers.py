"""How many processes plan a batch: one per core that is free now, and only for a batch large enough.

A worker pays off only on an idle core: one that shares a busy core makes
the batch slower than one process (measured: 0.98 s against 0.60 s with the
second core busy). What the cores do comes from a sample taken since the
command started (server/common/cpu_sample.py); the one-minute load average
decides only where no sample can be taken. `workers_for` is pure: tests feed
it made-up samples.
"""

from __future__ import annotations

import logging
import os
import sys

from server.common.cpu_sample import CpuSample

log = logging.getLogger("scion.upgrades.workers")

# Below this many files one process is as fast: forking and sending results back cost tens of ms.
PARALLEL_MIN_FILES = 200
# A worker needs a core at least this idle to pay for itself.
IDLE_CORE = 0.75
MAX_WORKERS = 8


def workers_for(files: int, cores: int, free: float) -> int:
    """Processes (this one included) to plan `files` files with, given `free` cores: one per core free enough."""
    if files < PARALLEL_MIN_FILES:
        return 1
    usable = int(free + (1 - IDLE_CORE))  # a core counts when it is at least IDLE_CORE free
    return min(MAX_WORKERS, cores, usable) if usable >= 2 else 1


def free_by_load_average(cores: int, load: float) -> float:
    """The fallback where no sample can be taken: the one-minute load average, laggy as it is."""
    return max(0.0, cores - load)


def sampled_workers(files: int, sample: CpuSample) -> int:
    """Processes for a batch of `files` files, on what `sample` says now (the load average if it says nothing)."""
    if files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux") or sample.cores < 2:
        return 1
    free = sample.free_cores()
    by = "sampled"
    if free is None:
        try:
            load = os.getloadavg()[0]
        except OSError:
            return 1  # nothing says the other cores are free
        free, by = free_by_load_average(sample.cores, load), "load average"
    workers = workers_for(files, sample.cores, free)
    log.info("%d files: %d process(es), %.2f of %d cores free (%s)", files, workers, free, sample.cores, by)
    return workers
