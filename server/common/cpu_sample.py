"""What the cores this process may run on are doing now: a sample of the kernel's tick counters (Linux /proc/stat).

The one-minute load average lags by a minute and still counts whatever ran
before; two readings of /proc/stat say what the cores did in between. The
kernel counts in ticks of 10 ms, so a sample needs some length to say
anything (`MIN_SAMPLE`, and at least `MIN_TICKS_PER_CORE` ticks a core).

Kept free of heavy imports: a command starts its sample first thing, before
it loads what its work needs, so that the sample is long by the time it is read.
Everything but `read_cpu` is pure and fed readings.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

# Seconds of sample before it is worth reading: at 100 ticks a second, 2 cores count 12 ticks in 60 ms.
MIN_SAMPLE = 0.06
# Fewer ticks than this per core and the sample is noise.
MIN_TICKS_PER_CORE = 5


@dataclass(frozen=True)
class CpuReading:
    """The kernel's tick counters of some cores since boot, and this process's own clock, at one moment."""

    idle: int  # ticks those cores spent idle (or waiting on the disk)
    total: int  # ticks those cores counted at all (steal included: a core the host takes away is not free)
    wall: float  # time.monotonic()
    own: float  # this process's CPU seconds (time.process_time())


def allowed_cpus() -> set[int]:
    """The cores this process may run on (its affinity: `taskset` narrows it)."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def read_cpu(cpus: Collection[int] | None = None) -> CpuReading | None:
    """The counters of `cpus` (default: the cores this process may run on); None where /proc/stat is missing."""
    wanted = {f"cpu{cpu}".encode() for cpu in (cpus if cpus is not None else allowed_cpus())}
    idle = total = 0
    try:
        with open("/proc/stat", "rb") as handle:
            for line in handle:
                if not line.startswith(b"cpu"):
                    break  # the per-core lines come first
                fields = line.split()
                if fields[0] not in wanted or len(fields) < 6:
                    continue
                ticks = [int(field) for field in fields[1:9]]
                idle += ticks[3] + ticks[4]
                total += sum(ticks)
    except (OSError, ValueError):
        return None
    if not total:
        return None
    return CpuReading(idle, total, time.monotonic(), time.process_time())


def free_cores(start: CpuReading, end: CpuReading, cores: int) -> float | None:
    """Cores that were idle or busy with this very process between the readings; None when the sample is too short.

    This process counts as free: the core it keeps busy is one its own work
    may go on using.
    """
    idle, total = end.idle - start.idle, end.total - start.total
    wall = end.wall - start.wall
    if total < MIN_TICKS_PER_CORE * cores or wall <= 0:
        return None
    own = min(1.0, max(0.0, end.own - start.own) / wall)
    return min(float(cores), cores * idle / total + own)


class CpuSample:
    """A sample of the cores this process may run on, from its creation on."""

    def __init__(
        self,
        read: Callable[[], CpuReading | None] = read_cpu,
        cores: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._clock = clock
        self.cores = cores if cores is not None else len(allowed_cpus())
        self._start = read()

    def long_enough(self) -> bool:
        """Whether the sample has run MIN_SAMPLE, or cannot be taken at all (then waiting tells nothing more)."""
        return self._start is None or self._clock() - self._start.wall >= MIN_SAMPLE

    def free_cores(self) -> float | None:
        """Free cores over the sample so far; None when it says nothing (too short, or no /proc/stat)."""
        end = self._read()
        if self._start is None or end is None:
            return None
        return free_cores(self._start, end, self.cores)
