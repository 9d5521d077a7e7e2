"""Insert mode: finding an inserted block again, and splicing its upgrade in."""

import time

import pytest

from server.upgrades.blocks import locate_block, splice
from server.upgrades.merge import three_way_merge

BLOCK = "@dataclass\nclass Order:\n    id: int\n    name: str\n    total: float\n"
ABOVE = "import os\n\n"
BELOW = "\n\ndef main():\n    return Order(1, 'a', 2.0)\n"
FILE = ABOVE + BLOCK + BELOW
REGION = (2, 7)


def test_block_still_at_its_recorded_region_is_found_there():
    assert locate_block(FILE, REGION, BLOCK) == REGION


def test_block_moved_down_by_edits_above_is_found_where_it_is_now():
    moved = "import sys\nimport json\n" + FILE

    assert locate_block(moved, REGION, BLOCK) == (4, 9)


def test_block_moved_up_is_found_without_a_recorded_region():
    assert locate_block(BLOCK + BELOW, None, BLOCK) == (0, 5)


def test_block_the_user_edited_and_grew_is_found_whole():
    edited = BLOCK.replace("name: str", "name: str = ''").replace(
        "    total: float\n", "    note: str\n    total: float\n"
    )
    text = "import sys\n" + ABOVE + edited + BELOW

    assert locate_block(text, REGION, BLOCK) == (3, 9)


def test_block_with_its_first_line_edited_is_found_from_that_line():
    edited = BLOCK.replace("@dataclass\n", "@dataclass(frozen=True)\n")
    text = "import sys\n" + ABOVE + edited + BELOW

    assert locate_block(text, REGION, BLOCK) == (3, 8)


def test_indented_block_matches_the_unindented_render():
    indented = "".join("    " + line if line.strip() else line for line in BLOCK.splitlines(keepends=True))
    text = "def factory():\n" + indented + "    return Order\n"

    assert locate_block(text, None, BLOCK) == (1, 6)


def test_two_copies_of_the_block_pick_the_one_nearest_the_recorded_region():
    text = BLOCK + "\n" + BLOCK

    assert locate_block(text, (6, 11), BLOCK) == (6, 11)
    assert locate_block("# shifted\n" + text, (6, 11), BLOCK) == (7, 12)


def test_block_rewritten_or_removed_is_not_found():
    assert locate_block(ABOVE + BELOW, REGION, BLOCK) is None
    assert locate_block("", REGION, BLOCK) is None
    assert locate_block(FILE, REGION, "") is None


def test_splice_replaces_the_lines_and_keeps_the_rest():
    new_block = BLOCK.replace("total: float", "total: float = 0.0")

    assert splice(FILE, 2, 7, new_block) == ABOVE + new_block + BELOW


def test_splice_uses_the_files_line_endings():
    text = "a\r\nb\r\nc\r\n"

    assert splice(text, 1, 2, "x\ny\n") == "a\r\nx\r\ny\r\nc\r\n"


def test_splice_at_the_end_keeps_a_missing_final_newline():
    assert splice("a\nb", 1, 2, "x\ny\n") == "a\nx\ny"
    assert splice("a\nb", 2, 2, "x\n") == "a\nb\nx\n"


def test_splice_outside_the_text_is_a_programming_error():
    with pytest.raises(ValueError):
        splice("a\n", 1, 3, "x\n")


def test_an_edited_block_upgrades_by_locate_merge_splice():
    edited = BLOCK.replace("    total: float\n", "    total: float\n    note: str\n")
    text = "import sys\n" + ABOVE + edited + BELOW
    new_render = BLOCK.replace("class Order:", "class Order:\n    __slots__ = ()")

    start, end = locate_block(text, REGION, BLOCK)
    current_block = "".join(text.splitlines(keepends=True)[start:end])
    merged = three_way_merge(BLOCK, current_block, new_render)

    assert merged.clean
    assert splice(text, start, end, merged.text) == ("import sys\n" + ABOVE + new_render + "    note: str\n" + BELOW)


def test_a_one_line_block_edited_by_the_user_is_found_by_its_characters():
    text = "a = 1\nresult = compute(order, retries=5)\nb = 2\n"

    assert locate_block(text, None, "result = compute(order, retries=3)\n") == (1, 2)


def test_a_reformatted_block_is_found_near_its_recorded_region_only():
    reformatted = BLOCK.replace(":", " :").replace("@dataclass", "@dataclass()")

    assert locate_block(ABOVE + reformatted + BELOW, REGION, BLOCK) == REGION
    assert locate_block("# shifted\n" + ABOVE + reformatted + BELOW, REGION, BLOCK) == (3, 8)
    assert locate_block("x = 1\n" * 40 + reformatted, REGION, BLOCK) is None
    assert locate_block(ABOVE + "x = 1\n" * 5 + BELOW, REGION, BLOCK) is None


def test_finding_a_block_in_a_long_file_is_fast():
    filler = "".join(f"def f{number}(x):\n    return x + {number}\n\n" for number in range(2000))
    text = filler + BLOCK + filler

    started = time.perf_counter()
    assert locate_block(text, REGION, BLOCK) == (6000, 6005)
    assert time.perf_counter() - started < 2
