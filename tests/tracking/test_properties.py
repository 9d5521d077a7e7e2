"""Properties of region shifting and survival, over random documents and edits.

Documents use "\\n" line breaks only: an edit landing between "\\r" and "\\n" has
no LSP position, so random offsets there would test nothing real.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from server.tracking.regions import (
    Region,
    end_of_insert,
    offset_to_position,
    position_to_offset,
    shift_region,
    text_in_region,
)
from server.tracking.survival import normalise, survival

from .documents import apply_edit

# Astral characters make UTF-16 units differ from code points.
ALPHABET = st.sampled_from(list("abcdef (){}:=_\n😀é\t"))
texts = st.text(ALPHABET, max_size=40)
generated = st.text(ALPHABET, min_size=1, max_size=60).filter(lambda text: normalise(text) != "")


def region_offsets(document: str, region: Region) -> tuple[int, int]:
    return position_to_offset(document, region.start), position_to_offset(document, region.end)


def edit_document(document: str, region: Region, start_offset: int, end_offset: int, new_text: str):
    start, end = offset_to_position(document, start_offset), offset_to_position(document, end_offset)
    return apply_edit(document, start, end, new_text), shift_region(region, start, end, new_text)


@st.composite
def edits_outside(draw, document: str, region: Region):
    """An edit wholly before the region or wholly after it (touching its boundary allowed)."""
    region_start, region_end = region_offsets(document, region)
    if draw(st.booleans()):
        low, high = 0, region_start
    else:
        low, high = region_end, len(document)
    start = draw(st.integers(low, high))
    end = draw(st.integers(start, high))
    return start, end, draw(texts)


@settings(max_examples=200)
@given(before=texts, rendered=generated, after=texts, data=st.data())
def test_edits_outside_the_region_never_change_survival(before, rendered, after, data):
    document = before + rendered + after
    region = Region(offset_to_position(document, len(before)), offset_to_position(document, len(before + rendered)))
    for _ in range(data.draw(st.integers(1, 6))):
        start, end, new_text = data.draw(edits_outside(document, region))
        document, region = edit_document(document, region, start, end, new_text)
    assert text_in_region(document, region) == rendered
    assert survival(rendered, text_in_region(document, region)).score == 1.0


@given(before=texts, rendered=generated, after=texts, data=st.data())
def test_a_region_deleted_entirely_scores_zero(before, rendered, after, data):
    document = before + rendered + after
    region = Region(offset_to_position(document, len(before)), offset_to_position(document, len(before + rendered)))
    start = data.draw(st.integers(0, len(before)))
    end = data.draw(st.integers(len(before + rendered), len(document)))
    document, region = edit_document(document, region, start, end, "")
    assert region.is_empty
    assert survival(rendered, text_in_region(document, region)).score == 0.0


@given(rendered=st.text(ALPHABET))
def test_no_edits_scores_one_and_retains_everything(rendered):
    result = survival(rendered, rendered)
    assert result.score == 1.0
    assert result.retained_chars == len(normalise(rendered))


@given(rendered=st.text(ALPHABET), current=st.text(ALPHABET))
def test_scores_stay_in_bounds(rendered, current):
    result = survival(rendered, current)
    assert 0.0 <= result.score <= 1.0
    assert 0 <= result.retained_chars <= len(normalise(rendered))


@given(rendered=st.text(ALPHABET), data=st.data())
def test_whitespace_only_changes_are_not_edits(rendered, data):
    pieces = [data.draw(st.sampled_from(["", " ", "    ", "\t", "\n", "\r\n"])) + char for char in rendered]
    reformatted = "".join(pieces)
    assert survival(rendered, reformatted).score == 1.0


@given(before=texts, rendered=generated, after=texts)
def test_text_added_around_the_generated_text_does_not_lower_the_score(before, rendered, after):
    assert survival(rendered, before + rendered + after).score == 1.0


@given(document=texts, data=st.data())
def test_insert_then_inverse_delete_restores_the_region(document, data):
    first = data.draw(st.integers(0, len(document)))
    last = data.draw(st.integers(first, len(document)))
    region = Region(offset_to_position(document, first), offset_to_position(document, last))
    at = offset_to_position(document, data.draw(st.integers(0, len(document))))
    inserted = data.draw(texts)
    moved = shift_region(region, at, at, inserted)
    assert shift_region(moved, at, end_of_insert(at, inserted), "") == region


def shift_offsets(first: int, last: int, start: int, end: int, new_length: int) -> tuple[int, int]:
    """The documented rules of regions.py restated over plain string offsets."""
    delta = new_length - (end - start)
    if end <= first:
        return first + delta, last + delta
    if start >= last:
        return first, last
    if start >= first and end <= last:
        return first, last + delta
    if start <= first and end >= last:
        return start, start
    if start < first:
        return start + new_length, last + delta
    return first, start


@settings(max_examples=300)
@given(document=texts, new_text=texts, data=st.data())
def test_position_arithmetic_agrees_with_offset_arithmetic(document, new_text, data):
    first = data.draw(st.integers(0, len(document)))
    last = data.draw(st.integers(first, len(document)))
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, len(document)))
    region = Region(offset_to_position(document, first), offset_to_position(document, last))
    edited, moved = edit_document(document, region, start, end, new_text)
    expected_first, expected_last = shift_offsets(first, last, start, end, len(new_text))
    assert region_offsets(edited, moved) == (expected_first, expected_last)
