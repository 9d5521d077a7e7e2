"""Rendering untrusted templates is bounded: steps, time, range(), value and output sizes."""

from __future__ import annotations

import pytest

from server.common.errors import TemplateError
from server.templates import limits
from server.templates.model import Question
from server.templates.questions import applies, default_for, validate
from server.templates.render import render_expression, render_template

from .helpers import load

NESTED_LOOPS = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}"


def rendered_error(tmp_path, body: str) -> TemplateError:
    template = load(tmp_path, "title: T\n", {"out.py.jinja": body})
    with pytest.raises(TemplateError) as error:
        render_template(template, {}, {})
    return error.value


def test_nested_loops_stop_at_the_step_limit_naming_file_and_line(tmp_path):
    error = rendered_error(tmp_path, "ok\n" + NESTED_LOOPS)
    assert "loop iterations and calls" in error.message
    assert error.path.name == "out.py.jinja" and error.line == 2
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{{ 'a' * 10000000000 }}", "at most 1,000,000"),
        ("{{ [1, 2] * 10000000000 }}", "at most 1,000,000"),
        ("{{ 10000000000 * 'a' }}", "at most 1,000,000"),
        ("{{ 2 ** 100000000 }}", "bits"),
        ("{{ range(100000) | list }}", "range() of 100,000"),
        ("{{ 'x'.center(1000000000) }}", "at most 1,000,000"),
        ("{{ ('a' * 1000).replace('a', 'b' * 100000) }}", "at most 1,000,000"),
        ("{{ '{:>1000000000}'.format(1) }}", "format width"),
        ("{{ '%1000000000d' % 1 }}", "format width"),
        ("{% set s = 'a' * 1000000 %}{{ s + s }}", "at most 1,000,000"),
        ("{% set s = 'a' * 1000000 %}{% for i in range(5) %}{{ s }}{% endfor %}", "output is longer than 4,000,000"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursed too deeply"),
    ],
)
def test_each_limit_is_one_clear_template_error(tmp_path, body, reason):
    error = rendered_error(tmp_path, body)
    assert reason in error.message and error.message.startswith("cannot render out.py.jinja: ")


def test_the_wall_clock_deadline_stops_slow_steps(tmp_path):
    # Each step copies a megabyte: 9999 of them are within the step limit but take seconds.
    template = load(
        tmp_path,
        "title: T\n",
        {"out.py.jinja": "{% for i in range(9999) %}{{ ('x' * 1000000).replace('x', 'y') | length }}{% endfor %}"},
    )
    with limits.render_budget(seconds=0.2), pytest.raises(TemplateError, match=r"rendering took longer than 0.2 s"):
        render_template(template, {}, {})


def test_expressions_defaults_when_and_validators_are_bounded(tmp_path):
    with pytest.raises(TemplateError, match="loop iterations"):
        render_expression(NESTED_LOOPS, {})
    with pytest.raises(TemplateError, match="at most 1,000,000"):
        render_expression("{{ 'a' * 10000000000 }}", {})
    hungry = "{{ range(100000) | list }}"
    with pytest.raises(TemplateError, match="range"):
        default_for(Question(name="q", type="str", default=hungry), {}, {})
    with pytest.raises(TemplateError, match="range"):
        applies(Question(name="q", type="str", when=hungry), {}, {})
    with pytest.raises(TemplateError, match="loop iterations"):
        validate(Question(name="q", type="str", validator=NESTED_LOOPS), "x", {}, {})


def test_ordinary_templates_render_as_before(tmp_path):
    body = (
        "{% for name in names %}{{ loop.index }}:{{ name | upper }}{{ ',' if not loop.last }}{% else %}none{% endfor %}\n"
        "{% for k, v in options.items() %}{{ k }}={{ v * 2 }};{% endfor %}\n"
        "{% for item in tree recursive %}{{ item.name }}{% if item.children %}({{ loop(item.children) }}){% endif %}{% endfor %}\n"
        "{{ '-' * 40 }} {{ 2 ** 10 }} {{ '%05d' % 42 }} {{ range(3) | list }} {{ 'a,b'.replace(',', ', ') }}\n"
    )
    template = load(
        tmp_path,
        "title: T\nquestions:\n  names: {type: yaml}\n  options: {type: yaml}\n  tree: {type: yaml}\n",
        {"out.py.jinja": body},
    )
    tree = [{"name": "a", "children": [{"name": "b", "children": []}]}]
    text = render_template(template, {"names": ["x", "y"], "options": {"n": 2}, "tree": tree}, {}).primary.text
    assert text == "1:X,2:Y\nn=4;\na(b)\n" + "-" * 40 + " 1024 00042 [0, 1, 2] a, b\n"
    assert render_template(template, {"names": [], "options": {}, "tree": []}, {}).primary.text.startswith("none\n")
