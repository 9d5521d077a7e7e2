from server.tracking.regions import Region, text_in_region
from server.tracking.relocate import locate
from server.tracking.survival import survival

BLOCK = "def total(items):\n    return sum(item.price for item in items)\n"
FILLER = "".join(f"value_{n} = compute({n})\n" for n in range(300))


def test_finds_a_block_far_from_its_recorded_range():
    text = FILLER + BLOCK + FILLER
    found = locate(BLOCK, text, Region((2, 0), (4, 0)))
    assert found.score == 1.0
    assert found.text == BLOCK
    assert found.region == Region((300, 0), (302, 0))
    assert text_in_region(text, found.region) == BLOCK


def test_grows_over_lines_the_user_added_inside_the_block():
    edited = "def total(items):\n    # the sum\n\n    # of prices\n\n    return sum(item.price for item in items)\n"
    found = locate(BLOCK, FILLER + edited + FILLER)
    assert found.text == edited
    # Only the 4-grams spanning the gaps are lost ("):re" and the like).
    assert found.score == survival(BLOCK, edited).score > 0.9


def test_recorded_range_wins_when_it_holds_everything():
    text = BLOCK + FILLER + BLOCK
    assert locate(BLOCK, text, Region((302, 0), (304, 0))).region == Region((302, 0), (304, 0))


def test_a_partly_edited_block_is_found_with_its_partial_score():
    edited = BLOCK.replace("item.price", "item.cost")
    found = locate(BLOCK, FILLER + edited)
    assert 0.5 < found.score < 1.0
    assert found.text == edited


def test_nothing_matching_scores_zero():
    found = locate(BLOCK, "print('hello')\n")
    assert found.score == 0.0


def test_short_rendered_text_is_found_by_containment():
    found = locate("x=1", FILLER + "y = 2\nx = 1\n")
    assert found.score == 1.0
    assert found.text == "x = 1\n"


def test_empty_file():
    assert locate(BLOCK, "").score == 0.0
