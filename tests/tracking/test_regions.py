import pytest

from server.tracking.regions import (
    Region,
    end_of_insert,
    measure,
    offset_to_position,
    position_to_offset,
    shift_region,
    split_lines,
    text_in_region,
)

from .documents import apply_edit

DOC = "line0\nline1 start\nGEN A\nGEN B\nend line3\nline4\n"
# The generated block: from (1, 6) "start..." through "GEN B" up to (3, 5).
REGION = Region((1, 6), (3, 5))


def shifted(start, end, new_text, region=REGION):
    return shift_region(region, start, end, new_text)


def test_region_text_is_what_it_covers():
    assert text_in_region(DOC, REGION) == "start\nGEN A\nGEN B"


# One edit each: (start, end, new text) replaced in DOC, and where REGION ends up.
SHIFTS = [
    pytest.param((0, 2), (0, 2), "x\ny\n", Region((3, 6), (5, 5)), id="insert on an earlier line moves lines only"),
    pytest.param(
        (1, 0), (1, 0), "abc", Region((1, 9), (3, 5)), id="insert earlier on the start line moves the start character"
    ),
    # "line0\nline1 start" -> "line0line1 start": the start moves to line 0, after "line0".
    pytest.param((0, 5), (1, 0), "", Region((0, 11), (2, 5)), id="deleting a line break before joins lines"),
    pytest.param((1, 6), (1, 6), "typed ", Region((1, 12), (3, 5)), id="insert exactly at start stays outside"),
    pytest.param((3, 5), (3, 5), " more", REGION, id="insert exactly at end stays outside"),
    pytest.param((4, 0), (5, 0), "", REGION, id="deleting lines after leaves the region"),
    pytest.param((3, 7), (3, 9), "zz\n", REGION, id="editing the end line after leaves the region"),
    pytest.param((2, 3), (2, 3), "X\nY", Region((1, 6), (4, 5)), id="edit inside grows the region"),
    pytest.param((3, 0), (3, 2), "", Region((1, 6), (3, 3)), id="edit inside on the end line moves the end character"),
    pytest.param((1, 6), (3, 5), "new", Region((1, 6), (1, 9)), id="replacing exactly the region keeps the new text"),
    pytest.param((1, 0), (4, 0), "", Region((1, 0), (1, 0)), id="deleting more than the region collapses it"),
    pytest.param((1, 6), (3, 6), "typed", Region((1, 6), (1, 6)), id="replacing past its end collapses it at the edit"),
    pytest.param((3, 3), (4, 3), "NEW\n", Region((1, 6), (3, 3)), id="edit over the end boundary drops the tail"),
]


@pytest.mark.parametrize(("start", "end", "new_text", "expected"), SHIFTS)
def test_an_edit_shifts_the_region(start, end, new_text, expected):
    assert shifted(start, end, new_text) == expected


def test_edit_over_the_start_boundary_drops_the_head_and_excludes_new_text():
    # "line1 start\nGEN" -> "NEW": line 1 becomes "NEW A", the region " A\nGEN B".
    edited_region = shifted((1, 0), (2, 3), "NEW")
    assert edited_region == Region((1, 3), (2, 5))
    assert text_in_region(apply_edit(DOC, (1, 0), (2, 3), "NEW"), edited_region) == " A\nGEN B"


def test_empty_region_follows_inserts_at_its_position():
    empty = Region((2, 0), (2, 0))
    assert shifted((2, 0), (2, 0), "ab", empty) == Region((2, 2), (2, 2))


def test_full_document_change_asks_for_relocation():
    assert shift_region(REGION, None, None, "whole new text") is None


def test_characters_are_utf16_code_units():
    # An astral character is two UTF-16 units, one code point, four UTF-8 bytes.
    assert measure("a😀") == 3
    assert measure("a😀", "utf-32") == 2
    assert measure("a😀", "utf-8") == 5
    assert shifted((1, 0), (1, 0), "😀") == Region((1, 8), (3, 5))
    assert shift_region(REGION, (1, 0), (1, 0), "😀", "utf-32") == Region((1, 7), (3, 5))


def test_all_lsp_line_breaks_count_once():
    assert end_of_insert((2, 4), "a\r\nb\rc\nde") == (5, 2)
    assert end_of_insert((2, 4), "ab\r\n") == (3, 0)


def test_offsets_and_positions_round_trip_with_utf16():
    text = "a😀b\r\nc\rd\n"
    for offset in range(len(text) + 1):
        if text[offset - 1 : offset + 1] == "\r\n":
            continue  # between \r and \n is no position at all
        assert position_to_offset(text, offset_to_position(text, offset)) == offset
    assert offset_to_position(text, 2) == (0, 3)


def test_out_of_range_positions_clamp():
    assert position_to_offset("ab\ncd", (0, 99)) == 2
    assert position_to_offset("ab\ncd", (9, 0)) == 5


def test_split_lines_uses_lsp_breaks_only():
    assert split_lines("a\x0cb\r\nc\rd") == ["a\x0cb\r\n", "c\r", "d"]
