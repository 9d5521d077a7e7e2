"""The pages a warm child writes (server/warm/pages.py): learned in one child, taken ahead by the next, on Linux."""

from __future__ import annotations

import ctypes
import marshal
import os
import resource
import sys
from collections.abc import Callable
from typing import Any

import pytest

from server.warm import pages

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.path.exists("/proc/self/pagemap"), reason="Linux's pagemap"
)

COUNT = 600  # pages of the buffer a child writes


def in_child(work: Callable[[], Any]) -> Any:
    """`work()`'s result, computed in a forked child (so this process's pages stay shared with it)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, marshal.dumps(work()))
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return marshal.loads(data)


@pytest.fixture(scope="module")
def buffer() -> tuple[bytearray, int]:
    """A buffer whose pages are all present here (as the warm process's are), and its first page."""
    data = bytearray(4 * COUNT * pages.PAGE)
    for offset in range(0, len(data), pages.PAGE):
        data[offset] = 1
    address = ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))
    return data, -(-address // pages.PAGE)  # the first page wholly inside


def write_pages(data: bytearray, first: int, value: int) -> None:
    start = first * pages.PAGE - ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))
    for index in range(COUNT):
        data[start + index * pages.PAGE] = value


def test_a_child_reports_the_pages_it_wrote(buffer) -> None:
    data, first = buffer

    def work() -> list[int]:
        ranges = pages.writable_ranges()
        write_pages(data, first, 2)
        return pages.owned_pages(ranges)

    owned = set(in_child(work))
    written = set(range(first, first + COUNT))
    assert written <= owned
    assert not owned & set(range(first + COUNT + 1, first + 3 * COUNT))  # the pages it did not write are shared


def test_the_next_child_takes_them_ahead_and_writes_them_without_a_fault(buffer) -> None:
    data, first = buffer

    def learn() -> list[tuple[int, int]]:
        ranges = pages.writable_ranges()
        write_pages(data, first, 2)
        return pages.as_runs(pages.owned_pages(ranges))

    runs: list[tuple[int, int]] = in_child(learn)

    def next_run() -> tuple[int, int, bool]:
        taken = pages.take_ahead(runs)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        unchanged = all(data[offset] == 1 for offset in range(0, len(data), pages.PAGE))
        write_pages(data, first, 3)
        return taken, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, unchanged

    taken, faults, unchanged = in_child(next_run)
    if taken == 0:
        pytest.skip("this kernel has no MADV_POPULATE_WRITE (Linux 5.14)")
    assert taken >= COUNT
    assert unchanged  # taking a page ahead copies it: its content is the same
    assert faults < COUNT // 10  # without it: one fault per page written


def test_runs_are_bounded_and_only_mapped_writable_memory_is_taken() -> None:
    assert pages.as_runs([5, 3, 4, 9, 4]) == [(3, 3), (9, 1)]
    assert sum(count for _, count in pages.as_runs(list(range(0, 3 * pages.MAX_PAGES, 3)))) == pages.MAX_RUNS
    assert sum(count for _, count in pages.as_runs(list(range(2 * pages.MAX_PAGES)))) == pages.MAX_PAGES
    ranges = [(100, 200), (300, 400)]
    assert pages.overlaps([(0, 50), (150, 350), (390, 500)], ranges) == [(150, 200), (300, 350), (390, 400)]
    assert pages.overlaps([(210, 290)], ranges) == []
    assert pages.pages_of([(3, 2), (9, 1)]) == {3, 4, 9}
