"""Validation of candidate templates in the isolated render process."""

from __future__ import annotations

import shutil

import pytest

from server.evolution.isolated_render import render_isolated
from server.evolution.validate import current_score, validate_candidate

from .histories import add_docstring, greeter, history


def candidate_with(tmp_path, template, source: str):
    folder = tmp_path / "candidate" / template.version
    shutil.copytree(template.path, folder)
    (folder / "files" / "block.py.jinja").write_text(source)
    return folder


GOOD = 'def {{ name }}():\n    """Greet from {{ name }}."""\n    value = "{{ message }}"\n    return value\n'


def test_a_candidate_closer_to_what_users_kept_passes(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [add_docstring] * 10)
    baseline = current_score(template, generations)

    result = validate_candidate(candidate_with(tmp_path, template, GOOD), template, generations, baseline)

    assert baseline > 0.1
    assert result.ok, result.reasons
    assert result.score == 0.0


@pytest.mark.parametrize(
    ("source", "reason_says"),
    [
        pytest.param(GOOD + "{{ missing_variable }}", ["does not render"], id="does not render"),
        pytest.param(GOOD.replace("():", "(:"), ["does not parse"], id="breaks parsing"),
        pytest.param(
            GOOD.replace("def {{ name }}", "def greeting_{{ name }}"),
            ["example 1", "def say_hi():"],
            id="fails an example",
        ),
    ],
)
def test_a_broken_candidate_is_rejected_with_its_reason(tmp_path, source, reason_says):
    template = greeter(tmp_path / "root")
    generations = history(template, [add_docstring] * 10)

    result = validate_candidate(candidate_with(tmp_path, template, source), template, generations, 1.0)

    assert not result.ok
    assert any(all(words in reason for words in reason_says) for reason in result.reasons)


def test_a_candidate_that_replays_no_better_is_rejected(tmp_path):
    template = greeter(tmp_path / "root")
    generations = history(template, [add_docstring] * 10)
    baseline = current_score(template, generations)

    result = validate_candidate(
        candidate_with(tmp_path, template, template.files_dir.joinpath("block.py.jinja").read_text()),
        template,
        generations,
        baseline,
    )

    assert not result.ok
    assert "does not beat" in result.reasons[0]


def test_runaway_and_memory_hungry_templates_are_stopped(tmp_path):
    template = greeter(tmp_path / "root")
    # Within the in-process limits (templates/limits.py: steps, range, sizes) but slow: each step copies a megabyte.
    loop = candidate_with(
        tmp_path / "loop",
        template,
        "{% for i in range(9999) %}{{ ('x' * 1000000).replace('x', 'y')|length }}{% endfor %}",
    )
    bomb = candidate_with(tmp_path / "bomb", template, "{{ 'x' * 4000000000 }}")

    slow = render_isolated(loop, template.id, [({}, {})], timeout_s=1.0)
    big = render_isolated(bomb, template.id, [({}, {})], timeout_s=5.0)

    assert not slow[0].ok and "timed out" in slow[0].error
    assert not big[0].ok
