import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.common.errors import PathEscapeError, TemplateError
from server.templates.render import render_expression, render_template

from .helpers import load

MANIFEST = """\
title: T
questions:
  class_name: Order
  module: order
  with_tests:
    type: bool
    default: false
"""


def test_renders_files_primary_first_and_strips_suffix(tmp_path):
    template = load(
        tmp_path,
        MANIFEST + 'primary: "{{ module }}.py.jinja"\n',
        {
            "README.md": "# {{ class_name }}\n",
            "{{ module }}.py.jinja": "class {{ class_name | pascal }}:\n    pass\n",
            "docs/{{ module | kebab }}.txt.jinja": "{{ ctx.stem }}",
        },
    )
    rendering = render_template(
        template, {"class_name": "order_item", "module": "order_item", "with_tests": False}, {"stem": "s"}
    )
    assert [f.path for f in rendering.files] == ["order_item.py", "README.md", "docs/order-item.txt"]
    assert rendering.primary.text == "class OrderItem:\n    pass\n"
    assert rendering.primary.source == "{{ module }}.py.jinja"
    assert rendering.files[2].text == "s"
    assert (rendering.template_id, rendering.version) == ("demo", "1.0.0")


def test_keeps_trailing_newlines_and_does_not_escape(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.jinja": "x = '<{{ class_name }}>'\n\n"})
    text = render_template(template, {"class_name": "A&B", "module": "m", "with_tests": False}, {}).primary.text
    assert text == "x = '<A&B>'\n\n"


def test_empty_path_segment_skips_the_file(tmp_path):
    template = load(tmp_path, MANIFEST, {"main.py": "x", "{% if with_tests %}tests{% endif %}/test_main.py": "t"})
    paths = lambda answers: [f.path for f in render_template(template, answers, {}).files]
    base = {"class_name": "A", "module": "m"}
    assert paths({**base, "with_tests": False}) == ["main.py"]
    assert paths({**base, "with_tests": True}) == ["main.py", "tests/test_main.py"]


@pytest.mark.parametrize("module", ["/etc/passwd", "../outside", "a/../../b", "C:\\evil", "..\\up"])
def test_escaping_output_paths_are_refused(tmp_path, module):
    template = load(tmp_path, MANIFEST, {"{{ module }}.py.jinja": "x"})
    with pytest.raises(PathEscapeError):
        render_template(template, {"class_name": "A", "module": module, "with_tests": False}, {})


def test_undefined_variable_at_render_names_file_and_line(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.py.jinja": "one\ntwo\n{{ ctx.missing_feature }}\n"})
    with pytest.raises(TemplateError) as caught:
        render_template(template, {"class_name": "A", "module": "m", "with_tests": False}, {})
    assert caught.value.path == template.files_dir / "a.py.jinja"
    assert caught.value.line == 3


def test_syntax_error_at_render_names_file_and_line(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.py.jinja": "one\n{% if x %}\n"})
    with pytest.raises(TemplateError) as caught:
        render_template(template, {"class_name": "A", "module": "m", "with_tests": False}, {})
    assert caught.value.path == template.files_dir / "a.py.jinja" and caught.value.line == 2


def test_sandbox_blocks_unsafe_attribute_access(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.jinja": "{{ class_name.__class__.__mro__ }}"})
    with pytest.raises(TemplateError):
        render_template(template, {"class_name": "A", "module": "m", "with_tests": False}, {})


def test_skipped_questions_render_as_none(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.jinja": "{{ with_tests is none }}"})
    assert render_template(template, {"class_name": "A", "module": "m"}, {}).primary.text == "True"


def test_include_resolves_inside_files(tmp_path):
    template = load(tmp_path, MANIFEST, {"a.jinja": "{% include 'part.txt' %}!", "part.txt": "{{ class_name }}"})
    files = {
        f.path: f.text
        for f in render_template(template, {"class_name": "A", "module": "m", "with_tests": False}, {}).files
    }
    assert files["a"] == "A!"


def test_render_expression_returns_native_values():
    assert render_expression("{{ 1 + 2 }}", {}) == 3
    assert render_expression("{{ not frozen }}", {"frozen": True}) is False
    assert render_expression("{{ items }}", {"items": [1, 2]}) == [1, 2]
    assert render_expression("{{ name | pascal }}", {"name": "order_item"}) == "OrderItem"
    assert render_expression("{{ a }}_{{ b }}", {"a": 1, "b": 2}) == "1_2"
    assert render_expression("plain text", {}) == "plain text"
    assert render_expression(7, {}) == 7
    assert render_expression(None, {}) is None


def test_render_expression_errors_are_template_errors():
    with pytest.raises(TemplateError, match="undefined"):
        render_expression("{{ missing }}", {})
    with pytest.raises(TemplateError):
        render_expression("{{ 1 / 0 }}", {})
    with pytest.raises(TemplateError, match="syntax"):
        render_expression("{{ a b }}", {})


# -- path segments: the plain-substitution shortcut renders exactly what Jinja does


_SEGMENT_TEXT = st.text(alphabet="ab_.-{}%# 1", max_size=6)
_SEGMENT = st.lists(
    st.one_of(
        _SEGMENT_TEXT, st.sampled_from(["{{ name }}", "{{name}}", "{{  kind }}", "{{ true }}", "{{ name | upper }}"])
    ),
    max_size=4,
).map("".join)
_VALUE = st.one_of(st.text(max_size=5), st.integers(), st.none(), st.booleans())


@settings(max_examples=400, deadline=None)
@given(segment=_SEGMENT, name=_VALUE, kind=_VALUE)
@example(segment="{{{ name }}", name="", kind=None)
def test_path_segment_shortcut_matches_jinja(segment, name, kind):
    from server.templates.render import _path_segment, _render_segment

    variables = {"name": name, "kind": kind}

    def outcome(render):
        try:
            return render()
        except Exception as error:
            return type(error)

    expected = outcome(lambda: _path_segment(segment).render(**variables))
    assert outcome(lambda: _render_segment(segment, variables)) == expected


@settings(max_examples=400, deadline=None)
@given(rel=st.text(alphabet="ab./\\:C", max_size=8))
def test_the_already_safe_shortcut_agrees_with_safe_relative_path(rel):
    from server.common.confine import already_safe

    # A path the shortcut lets through is one the full normalisation returns unchanged.
    if already_safe(rel):
        assert _slow_safe(rel) == rel


def _slow_safe(rel):
    """safe_relative_path without its shortcut (PurePosixPath normalisation)."""
    from pathlib import PurePosixPath

    from server.common.errors import PathEscapeError

    text = rel.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or (len(text) > 1 and text[0].isalpha() and text[1] == ":"):
        raise PathEscapeError("absolute")
    if ".." in pure.parts:
        raise PathEscapeError("..")
    parts = [part for part in pure.parts if part != "."]
    if not parts:
        raise PathEscapeError("empty")
    return "/".join(parts)
