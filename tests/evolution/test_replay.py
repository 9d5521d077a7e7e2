"""Replay score: mean normalised edit distance from renders to the text users kept."""

from __future__ import annotations

import pytest

from server.evolution.analysis import HistoricalGeneration
from server.evolution.replay import edit_distance, kept_text, normalised_distance, replay_score


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("kitten", "sitting", 3), ("same", "same", 0), ("", "abc", 3), ("abc", "", 3), ("flaw", "lawn", 2)],
)
def test_edit_distance_is_levenshtein(a, b, distance):
    assert edit_distance(a, b) == distance


def test_large_texts_get_a_line_by_line_distance():
    old = "".join(f"line {i}\n" for i in range(2000))
    new = old.replace("line 7\n", "line seven\n")
    assert edit_distance(old, new) == edit_distance("line 7\n", "line seven\n") == 5


def test_normalised_distance_ignores_trailing_newlines_and_is_relative_to_the_longer_text():
    assert normalised_distance("abc\n", "abc") == 0.0
    assert normalised_distance("abcd", "abXd") == 0.25


def test_replay_score_is_the_mean_and_a_failed_render_is_the_worst():
    assert replay_score(["abcd", "abcd"], ["abcd", "abXd"]) == pytest.approx(0.125)
    assert replay_score([None, "x"], ["x", "x"]) == pytest.approx(0.5)
    assert replay_score([], []) == 0.0


def test_a_render_closer_to_what_users_kept_scores_lower():
    kept = ['def f():\n    """Doc."""\n    return 1\n'] * 3
    assert replay_score(['def f():\n    """Doc."""\n    return 1\n'] * 3, kept) < replay_score(
        ["def f():\n    return 1\n"] * 3, kept
    )


def test_kept_text_of_an_inserted_block_is_brought_back_to_the_template_indentation():
    generation = HistoricalGeneration("g", {}, {}, "    def f():\n        pass", "    def f():\n        return 1", True)
    assert kept_text(generation) == "def f():\n    return 1"
    assert kept_text(HistoricalGeneration("g", {}, {}, "x", None, False)) is None
