"""Properties of three_way_merge over generated texts and edits."""

from hypothesis import given
from hypothesis import strategies as st

from server.upgrades.conflicts import parse_conflicts, resolve_conflict
from server.upgrades.merge import three_way_merge

# A small alphabet makes equal lines (and so ambiguous alignments) common;
# no marker characters, so every marker in a result comes from the merge.
line = st.text(alphabet="ab xy", max_size=4)
lines = st.lists(line, max_size=12)


@st.composite
def texts(draw, crlf=False):
    body = draw(lines)
    newline = "\r\n" if crlf and draw(st.booleans()) else "\n"
    text = newline.join(body)
    return text + newline if body and draw(st.booleans()) else text


@given(base=texts(), theirs=texts())
def test_an_unedited_file_becomes_exactly_the_new_render(base, theirs):
    assert three_way_merge(base, base, theirs).text == theirs


@given(base=texts(), ours=texts(crlf=True), theirs=texts())
def test_merging_again_with_the_new_render_as_base_changes_nothing(base, ours, theirs):
    upgraded = three_way_merge(base, ours, theirs).text

    assert three_way_merge(theirs, upgraded, theirs).text == upgraded


@given(base=texts(), ours=texts(), theirs=texts())
def test_every_reported_conflict_is_a_marker_block_in_the_text(base, ours, theirs):
    result = three_way_merge(base, ours, theirs, "template 2.0")

    assert parse_conflicts(result.text) == result.conflicts
    assert result.clean == ("<<<<<<< yours" not in result.text)


@given(ours=lines, theirs=lines)
def test_two_way_merge_resolved_all_mine_or_all_template_gives_back_that_side(ours, theirs):
    ours_text, theirs_text = _as_text(ours), _as_text(theirs)
    merged = three_way_merge(None, ours_text, theirs_text).text

    for choice, side in (("mine", ours_text), ("template", theirs_text)):
        text = merged
        while parse_conflicts(text):
            text = resolve_conflict(text, 0, choice)
        assert text == side


@st.composite
def edits_in_separate_places(draw):
    """A base file, the template's edits to some lines, and the user's edits to others.

    Base lines are distinct, so where each side's edit lands is unambiguous.
    """
    size = draw(st.integers(min_value=1, max_value=30))
    base = [f"base {number}" for number in range(size)]
    owner = st.sampled_from(["none", "user", "template"])
    owners = draw(st.lists(owner, min_size=size, max_size=size))
    ours, theirs, user_lines, user_removed = [], [], [], []
    for number, (base_line, owner) in enumerate(zip(base, owners, strict=False)):
        edit = draw(st.sampled_from(["replace", "insert after", "delete"]))
        if owner == "none":
            ours.append(base_line)
            theirs.append(base_line)
            continue
        new_line = f"{owner} {number} {draw(line)}"
        changed = {"replace": [new_line], "insert after": [base_line, new_line], "delete": []}[edit]
        if owner == "user":
            ours.extend(changed)
            theirs.append(base_line)
            user_lines.extend(entry for entry in changed if entry != base_line)
            if base_line not in changed:
                user_removed.append(base_line)
        else:
            ours.append(base_line)
            theirs.extend(changed)
    return _as_text(base), _as_text(ours), _as_text(theirs), user_lines, user_removed


def _as_text(entries: list[str]) -> str:
    return "".join(f"{entry}\n" for entry in entries)


@given(edits_in_separate_places())
def test_no_user_edit_is_lost(case):
    """Added lines survive even in a conflict (inside the markers); removals and
    the template's own edits are applied whenever no conflict is reported."""
    base, ours, theirs, user_lines, user_removed = case

    result = three_way_merge(base, ours, theirs)

    merged_lines = result.text.splitlines()
    for user_line in user_lines:
        assert user_line in merged_lines
    if result.clean:
        assert not set(user_removed) & set(merged_lines)
        for template_line in theirs.splitlines():
            if template_line.startswith("template"):
                assert template_line in merged_lines
