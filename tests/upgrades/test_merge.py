"""three_way_merge on the cases users hit when a template they used moves on.

The checklist follows copier's update tests (tests/test_updatediff.py): edits
kept, conflicts marked, same change merged, new file on both sides, CRLF,
missing final newline, base that cannot be reproduced.
"""

from textwrap import dedent

from server.upgrades.conflicts import parse_conflicts
from server.upgrades.merge import three_way_merge

LABEL = "template 1.1.0"

README_V1 = dedent(
    """\
    Let me introduce myself.

    My name is Guybrush, and my project is to become a pirate.

    Thanks for your attention.
    """
)
README_V2 = dedent(
    """\
    Let me introduce myself.

    My name is Guybrush.

    My project is to become a pirate.

    Thanks for your attention.
    """
)


def test_user_edit_is_kept_while_the_template_change_is_applied():
    ours = README_V1.replace("your attention", "your grog")

    result = three_way_merge(README_V1, ours, README_V2, LABEL)

    assert result.clean
    assert result.text == README_V2.replace("your attention", "your grog")


def test_both_sides_changing_the_same_line_is_a_conflict_with_exact_markers():
    base = "aaa\nbbb\nzzz\n"
    ours = "aaa\nbbb\njjj\nzzz\n"
    theirs = "aaa\nbbb\nccc\nzzz\n"

    result = three_way_merge(base, ours, theirs, LABEL)

    assert not result.clean
    assert result.text == dedent(
        """\
        aaa
        bbb
        <<<<<<< yours
        jjj
        =======
        ccc
        >>>>>>> template 1.1.0
        zzz
        """
    )
    [conflict] = result.conflicts
    assert (conflict.start_line, conflict.separator_line, conflict.end_line) == (2, 4, 7)
    assert (conflict.mine, conflict.template, conflict.label) == ("jjj\n", "ccc\n", LABEL)


def test_a_one_line_file_changed_on_both_sides_conflicts_as_a_whole():
    result = three_way_merge("upstream version 1", "upstream version 1 + downstream", "upstream version 2", LABEL)

    assert result.text == (
        "<<<<<<< yours\nupstream version 1 + downstream\n=======\nupstream version 2\n>>>>>>> template 1.1.0"
    )


def test_the_same_change_on_both_sides_is_not_a_conflict():
    base = "x = 1\ny = 2\nz = 3\n"
    both = "x = 1\ny = 20\nz = 3\n"

    assert three_way_merge(base, both, both).text == both
    assert three_way_merge(base, "# mine\n" + both, both + "# theirs\n").text == ("# mine\n" + both + "# theirs\n")


def test_shared_lines_at_the_edges_of_a_conflict_stay_outside_the_markers():
    base = "a\nold\nz\n"
    ours = "a\nsame\nmine\nz\n"
    theirs = "a\nsame\ntheirs\nz\n"

    result = three_way_merge(base, ours, theirs, LABEL)

    assert result.text.startswith("a\nsame\n<<<<<<< yours\nmine\n=======\ntheirs\n")


def test_unchanged_file_takes_the_new_render_exactly():
    theirs = "new\r\nrender without final newline"
    assert three_way_merge("old\n", "old\n", "new\nrender\n").text == "new\nrender\n"
    assert three_way_merge("old", "old", theirs).text == theirs


def test_template_unchanged_leaves_the_users_file_byte_for_byte():
    ours = "mixed\r\nendings\nno final newline"
    assert three_way_merge("base\n", ours, "base\n").text == ours
    assert three_way_merge("base\n", ours, ours).text == ours


def test_repeated_similar_blocks_do_not_misplace_the_users_insertion():
    equal = '    print("This line is equal to the next one.")\n'
    body = equal * 4 + '    print("Previous line lied.")\n'
    new = '    print("This line is new.")\n'
    edited_body = equal * 2 + new + equal * 2 + '    print("Previous line lied.")\n'
    base = "def function_one():\n" + body + "\ndef function_two():\n" + body
    ours = "def function_one():\n" + body + "\ndef function_two():\n" + edited_body
    theirs = "def function_zero():\n" + body + "\n" + base

    result = three_way_merge(base, ours, theirs)

    assert result.clean
    assert result.text == "def function_zero():\n" + body + "\n" + ours


def test_crlf_file_keeps_crlf_and_has_no_spurious_conflicts():
    ours = README_V1.replace("your attention", "your grog").replace("\n", "\r\n")

    result = three_way_merge(README_V1, ours, README_V2)

    assert result.clean
    assert result.text == README_V2.replace("your attention", "your grog").replace("\n", "\r\n")


def test_conflict_markers_in_a_crlf_file_use_crlf():
    result = three_way_merge("a\nb\n", "a\r\nmine\r\n", "a\ntheirs\n", LABEL)

    assert result.text == ("a\r\n<<<<<<< yours\r\nmine\r\n=======\r\ntheirs\r\n>>>>>>> template 1.1.0\r\n")


def test_missing_final_newline_in_ours_is_kept_and_not_a_conflict():
    base = "one\ntwo\nthree\n"
    ours = "ONE\ntwo\nthree"
    theirs = "one\ntwo\nTHREE\n"

    result = three_way_merge(base, ours, theirs)

    assert result.clean
    assert result.text == "ONE\ntwo\nTHREE"


def test_missing_final_newline_in_base_or_theirs_is_not_a_conflict():
    assert three_way_merge("a\n-\nb", "A\n-\nb\n", "a\n-\nB").text == "A\n-\nB\n"
    assert three_way_merge("a\n-\nb", "A\n-\nb", "a\n-\nB\n").text == "A\n-\nB\n"
    assert three_way_merge("a\n-\nb\n", "A\n-\nb\n", "a\n-\nb").text == "A\n-\nb"


def test_base_not_reproducible_merges_two_way_and_conflicts_where_the_sides_differ():
    ours = "shared\nmine\nshared too\n"
    theirs = "shared\ntheirs\nshared too\n"

    result = three_way_merge(None, ours, theirs, LABEL)

    assert result.text == ("shared\n<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> template 1.1.0\nshared too\n")
    assert three_way_merge(None, ours, ours).text == ours
    assert three_way_merge(None, ours, ours).clean


def test_new_file_in_template_and_project_conflicts_only_where_they_differ():
    ours = dedent(
        """\
        tests:
            stage: test
            script:
                - ./test.sh

        pages:
            stage: deploy
        """
    )
    theirs = dedent(
        """\
        tests:
            stage: test
            script:
                - ./test.sh --slow
        """
    )

    result = three_way_merge(None, ours, theirs, LABEL)

    assert result.text == dedent(
        """\
        tests:
            stage: test
            script:
        <<<<<<< yours
                - ./test.sh

        pages:
            stage: deploy
        =======
                - ./test.sh --slow
        >>>>>>> template 1.1.0
        """
    )


def test_reported_conflicts_are_the_ones_found_in_the_text():
    base = "a\nb\nc\nd\ne\n"
    ours = "A1\nb\nc\nD1\ne\n"
    theirs = "A2\nb\nc\nD2\ne\n"

    result = three_way_merge(base, ours, theirs, LABEL)

    assert len(result.conflicts) == 2
    assert parse_conflicts(result.text) == result.conflicts


def test_merging_again_after_an_upgrade_changes_nothing():
    ours = README_V1.replace("your attention", "your grog")
    upgraded = three_way_merge(README_V1, ours, README_V2).text

    assert three_way_merge(README_V2, upgraded, README_V2).text == upgraded


def test_user_who_emptied_the_file_gets_a_conflict_not_a_silent_refill():
    result = three_way_merge("a\nb\n", "", "a\nB\n")

    assert not result.clean
    assert result.text.endswith("\n")
