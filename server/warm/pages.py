"""The memory pages a warm child writes, learned from past runs and faulted in by the next child while it waits.

A forked child shares the warm process's memory until it writes to a page;
the first write to each page copies it (copy-on-write), about 3 µs a page
on the machines we measured, and a generation writes some 2,500 of them
(reference counts of the functions, templates and strings it touches),
spread over its whole run. Those pages are much the same from one run to
the next. So a child reports, after its exit code, which pages of the warm
process's writable memory it made its own (Linux's pagemap: present and
exclusively mapped), and the spare child that waits for the next run takes
those pages ahead (`madvise(MADV_POPULATE_WRITE)`: each page copied as a
write would, its content untouched) while nobody waits for it.

Linux only (5.14 or newer for the madvise); elsewhere both ends do nothing.
Learning is an optimisation: every failure here is silent.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MADV_POPULATE_WRITE = 23
MAX_PAGES = 8_192  # at most 32 MB taken ahead (a generation writes some 3,500), whatever the reports say
MAX_RUNS = 4_096  # and a report stays well under the warm process's datagram size
_ENTRY = 8  # bytes per page in /proc/self/pagemap
# The eighth byte of an entry holds bit 63 (present) and bit 56 (exclusively mapped).
_TAKEN = bytes(1 if value & 0x81 == 0x81 else 0 for value in range(256))


def writable_ranges() -> list[tuple[int, int]]:
    """(start, end) of this process's private writable anonymous mappings (the heap and the allocators' arenas)."""
    ranges = []
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
            for line in maps:
                fields = line.split()
                name = fields[5] if len(fields) > 5 else ""
                if fields[1].startswith("rw") and fields[1][3] == "p" and name in ("", "[heap]"):
                    start, end = (int(bound, 16) for bound in fields[0].split("-"))
                    ranges.append((start, end))
    except (OSError, ValueError, IndexError):
        return []
    return ranges


def owned_pages(ranges: list[tuple[int, int]]) -> list[int]:
    """The pages (numbers: address // PAGE) of `ranges` that are present and this process's own."""
    pages: list[int] = []
    try:
        with open("/proc/self/pagemap", "rb", buffering=0) as pagemap:
            for start, end in ranges:
                first = start // PAGE
                pagemap.seek(first * _ENTRY)
                flags = pagemap.read((end - start) // PAGE * _ENTRY)[_ENTRY - 1 :: _ENTRY].translate(_TAKEN)
                index = flags.find(1)
                while index >= 0:
                    pages.append(first + index)
                    index = flags.find(1, index + 1)
    except (OSError, ValueError):
        return []
    return pages


def as_runs(pages: list[int]) -> list[tuple[int, int]]:
    """Sorted page numbers as (first page, count) runs: at most MAX_PAGES pages in at most MAX_RUNS runs."""
    runs: list[tuple[int, int]] = []
    for page in sorted(set(pages))[:MAX_PAGES]:
        if runs and runs[-1][0] + runs[-1][1] == page:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        elif len(runs) < MAX_RUNS:
            runs.append((page, 1))
        else:
            break
    return runs


def pages_of(runs: list[tuple[int, int]]) -> set[int]:
    return {page for first, count in runs for page in range(first, first + count)}


def take_ahead(runs: list[tuple[int, int]]) -> int:
    """Fault in (copy) the pages of `runs` that lie in this process's writable memory; how many were taken."""
    madvise = _madvise()
    if madvise is None:
        return 0
    taken = 0
    spans = sorted((first * PAGE, (first + count) * PAGE) for first, count in runs)
    for start, end in overlaps(spans, sorted(writable_ranges())):
        if madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), MADV_POPULATE_WRITE) == 0:
            taken += (end - start) // PAGE
        elif ctypes.get_errno() == errno.EINVAL:
            break  # a kernel before 5.14: no page can be taken ahead
    return taken


def overlaps(spans: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the sorted `spans` inside the sorted, disjoint `ranges` (this process's writable mappings:
    what is mapped otherwise, or no longer, is skipped), in one sweep over both."""
    found: list[tuple[int, int]] = []
    index = 0
    for start, end in spans:
        while index < len(ranges) and ranges[index][1] <= start:
            index += 1
        probe = index
        while probe < len(ranges) and ranges[probe][0] < end:
            low, high = max(start, ranges[probe][0]), min(end, ranges[probe][1])
            if low < high:
                found.append((low, high))
            probe += 1
    return found


def _madvise() -> Any:
    with contextlib.suppress(OSError, AttributeError):
        function = ctypes.CDLL(None, use_errno=True).madvise
        function.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        function.restype = ctypes.c_int
        return function
    return None
