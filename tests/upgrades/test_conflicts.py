"""Finding marker blocks in a file and resolving one of them (the quick-fixes)."""

import pytest

from server.common.errors import ScionError
from server.upgrades.conflicts import parse_conflicts, resolve_conflict
from server.upgrades.merge import three_way_merge

LABEL = "template 1.1.0"
TWO_CONFLICTS = three_way_merge("a\nb\nc\nd\ne\n", "A1\nb\nc\nD1\ne\n", "A2\nb\nc\nD2\ne\n", LABEL).text


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("mine", "A1\nb\nc\nD1\ne\n"),
        ("template", "A2\nb\nc\nD1\ne\n"),
        ("both", "A1\nA2\nb\nc\nD1\ne\n"),
    ],
)
def test_resolve_rewrites_only_the_chosen_block(choice, expected):
    first_resolved = resolve_conflict(TWO_CONFLICTS, 0, choice)

    assert resolve_conflict(first_resolved, 0, "mine") == expected


def test_indexes_follow_the_blocks_left_in_the_text():
    text = resolve_conflict(TWO_CONFLICTS, 1, "template")

    [left] = parse_conflicts(text)
    assert (left.mine, left.template) == ("A1\n", "A2\n")
    assert text.endswith("D2\ne\n")


def test_resolve_keeps_crlf_line_endings():
    text = three_way_merge("a\nb\n", "a\r\nmine\r\n", "a\ntheirs\n", LABEL).text

    assert resolve_conflict(text, 0, "both") == "a\r\nmine\r\ntheirs\r\n"


def test_block_at_the_end_of_a_file_without_final_newline_stays_without_it():
    text = three_way_merge("v1", "v1 + mine", "v2", LABEL).text

    assert resolve_conflict(text, 0, "mine") == "v1 + mine"
    assert resolve_conflict(text, 0, "both") == "v1 + mine\nv2"


def test_an_empty_side_resolves_to_nothing():
    text = "x\n<<<<<<< yours\n=======\nadded\n>>>>>>> template 2.0\ny\n"

    assert resolve_conflict(text, 0, "mine") == "x\ny\n"
    assert resolve_conflict(text, 0, "template") == "x\nadded\ny\n"


def test_blocks_written_by_hand_or_by_git_are_found_too():
    text = "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> other\n"

    [conflict] = parse_conflicts(text)

    assert (conflict.start_line, conflict.separator_line, conflict.end_line) == (0, 2, 5)
    assert conflict.label == "other"


def test_unfinished_blocks_are_ignored():
    assert parse_conflicts("<<<<<<< yours\nmine\n=======\ntheirs\n") == []
    assert parse_conflicts("=======\n>>>>>>> template\n") == []
    restarted = "<<<<<<< yours\nstray\n<<<<<<< yours\nm\n=======\nt\n>>>>>>> template\n"
    [conflict] = parse_conflicts(restarted)
    assert conflict.start_line == 2


def test_a_missing_conflict_is_a_user_facing_error():
    with pytest.raises(ScionError, match="no conflict #3"):
        resolve_conflict(TWO_CONFLICTS, 2, "mine")
    with pytest.raises(ScionError, match="unknown conflict choice"):
        resolve_conflict(TWO_CONFLICTS, 0, "theirs")
