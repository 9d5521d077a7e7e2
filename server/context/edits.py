"""The byte and point extent of a text change, in the form `Tree.edit` wants."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Point, Tree

from server.context.positions import byte_offset, point_after, point_for_position, split_lines


@dataclass(frozen=True)
class TreeEdit:
    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]

    def apply_to(self, tree: Tree) -> None:
        tree.edit(
            start_byte=self.start_byte,
            old_end_byte=self.old_end_byte,
            new_end_byte=self.new_end_byte,
            start_point=Point(*self.start_point),
            old_end_point=Point(*self.old_end_point),
            new_end_point=Point(*self.new_end_point),
        )


def replace_range(text: str, start: tuple[int, int], old_end: tuple[int, int], new_text: str) -> tuple[str, TreeEdit]:
    """Apply an LSP range replacement (UTF-16 positions) and describe it for tree-sitter."""
    lines = split_lines(text)
    start_byte, old_end_byte = byte_offset(lines, *start), byte_offset(lines, *old_end)
    start_point, old_end_point = point_for_position(lines, *start), point_for_position(lines, *old_end)
    if old_end_byte < start_byte:
        start_byte, old_end_byte = old_end_byte, start_byte
        start_point, old_end_point = old_end_point, start_point
    source = text.encode("utf-8")
    inserted = new_text.encode("utf-8")
    new_source = source[:start_byte] + inserted + source[old_end_byte:]
    edit = TreeEdit(
        start_byte,
        old_end_byte,
        start_byte + len(inserted),
        start_point,
        old_end_point,
        point_after(start_point, new_text),
    )
    return new_source.decode("utf-8"), edit


def _common_prefix_length(a: bytes, b: bytes) -> int:
    # Binary search on slice equality: each probe is one memcmp, so two
    # 300 kB texts cost about twenty comparisons instead of a Python loop.
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix_length(a: bytes, b: bytes, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def _point_at(source: bytes, offset: int) -> tuple[int, int]:
    row = source.count(b"\n", 0, offset)
    return row, offset - (source.rfind(b"\n", 0, offset) + 1)


def _is_continuation(byte: int) -> bool:
    return byte & 0xC0 == 0x80


def edit_between(old: bytes, new: bytes) -> TreeEdit:
    """One edit that turns `old` into `new`: everything between their common prefix and suffix."""
    prefix = _common_prefix_length(old, new)
    while prefix and prefix < len(old) and _is_continuation(old[prefix]):
        prefix -= 1
    suffix = _common_suffix_length(old, new, min(len(old), len(new)) - prefix)
    while suffix and _is_continuation(old[len(old) - suffix]):
        suffix -= 1
    old_end, new_end = len(old) - suffix, len(new) - suffix
    return TreeEdit(
        prefix,
        old_end,
        new_end,
        _point_at(old, prefix),
        _point_at(old, old_end),
        _point_at(new, new_end),
    )
