"""The deploy margin: a lead the evidence supports is certain; a hair's breadth or a mixed one is not."""

from __future__ import annotations

from server.evolution.margin import CERTAIN, UNCERTAIN, WORSE, advantage


def test_a_candidate_closer_for_every_user_who_made_the_edit_is_certain():
    current = [0.4] * 9 + [0.0] * 3
    candidate = [0.0] * 9 + [0.05] * 3

    lead = advantage(current, candidate)

    assert lead.verdict == CERTAIN and lead.lower_bound > 0


def test_a_lead_of_a_thousandth_is_not_certain():
    # The 0.558 against 0.557: closer for some users, further for others.
    current = [0.6, 0.5] * 6
    candidate = [0.5, 0.6] * 5 + [0.5, 0.588]

    lead = advantage(current, candidate)

    assert 0 < lead.gain < 0.002
    assert lead.verdict == UNCERTAIN


def test_a_small_consistent_gain_is_not_worth_a_version_on_its_own():
    lead = advantage([0.5] * 20, [0.49] * 20)

    assert lead.lower_bound > 0 and lead.verdict == UNCERTAIN  # 2% of the score: below the 5% bar


def test_too_few_generations_are_never_certain_and_no_gain_is_worse():
    assert advantage([0.5, 0.5], [0.0, 0.0]).verdict == UNCERTAIN
    assert advantage([0.2] * 10, [0.2] * 10).verdict == WORSE
    assert advantage([], []).verdict == WORSE
