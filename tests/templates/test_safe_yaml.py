"""Untrusted YAML (manifests, answer files, YAML answers) is read with bounded time and memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.common.errors import AnswerError, AnswerFileError, TemplateError
from server.templates.answerfile import read_answer_file, read_records, read_source
from server.templates.catalog import Catalog
from server.templates.loader import load_template
from server.templates.model import Question
from server.templates.questions import coerce
from server.templates.safe_yaml import ALIASES_REFUSED, MAX_YAML_BYTES, MAX_YAML_DEPTH

from .helpers import make_template

# Nine levels of nine: 9**9 (387 million) strings once expanded, from 500 bytes of text.
BOMB = "".join(
    f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9) if previous else ', '.join(['lol'] * 9)}]\n"
    for previous, name in zip([None, *"abcdefgh"], "abcdefghi", strict=False)
)


def bomb_answer_file(path: Path) -> Path:
    answers = "".join("    " + line for line in BOMB.splitlines(keepends=True))
    path.write_text(
        f"generations:\n  - template: python/dataclass\n    version: 1.0.0\n    answers:\n{answers}", encoding="utf-8"
    )
    return path


def test_an_alias_bomb_answer_file_is_refused_with_its_line(tmp_path):
    path = bomb_answer_file(tmp_path / "x.py.template-answers.yml")
    assert len(path.read_bytes()) < 1024
    with pytest.raises(AnswerFileError) as strict:
        read_answer_file(path)
    assert strict.value.message == ALIASES_REFUSED and strict.value.line == 6 and strict.value.path == path
    # The upgrade readers (own layout, libyaml, strict) end at the same refusal.
    for read in (lambda: read_records(path), lambda: read_source(path)):
        with pytest.raises(AnswerFileError, match="aliases"):
            read()


def test_a_single_scalar_alias_is_refused_too(tmp_path):
    path = tmp_path / "x.py.template-answers.yml"
    path.write_text("generations:\n  - template: &t a\n    version: 1.0.0\n    answers: {name: *t}\n", encoding="utf-8")
    with pytest.raises(AnswerFileError, match="aliases") as error:
        read_records(path)
    assert error.value.line == 4


def test_an_alias_bomb_manifest_is_one_broken_template_among_good_ones(tmp_path):
    make_template(tmp_path, "title: Good\n", {"a.py.jinja": "x\n"}, template_id="good")
    manifest = f"title: Bomb\nquestions:\n  q:\n    type: yaml\n    default:\n{''.join('    ' + line for line in BOMB.splitlines(keepends=True))}"
    bomb = make_template(tmp_path, manifest, {"a.py.jinja": "x\n"}, template_id="bomb")
    with pytest.raises(TemplateError) as error:
        load_template(bomb)
    assert str(error.value) == f"{bomb / 'template.yml'}:7: {ALIASES_REFUSED}"
    catalog = Catalog([(tmp_path, "workspace")])
    assert catalog.ids() == ["good"]
    assert [error.message for error in catalog.errors] == [ALIASES_REFUSED]


def test_merge_keys_need_aliases_and_are_refused(tmp_path):
    manifest = "title: T\nquestions:\n  a: &base {type: str, default: x}\n  b:\n    <<: *base\n"
    with pytest.raises(TemplateError, match="aliases"):
        load_template(make_template(tmp_path, manifest, {"a.jinja": "x"}))


def test_anchors_and_stars_in_text_are_fine(tmp_path):
    manifest = "title: '*not an alias* & not an anchor'\nquestions:\n  q: {default: 'a *b'}\n"
    template = load_template(make_template(tmp_path, manifest, {"a.jinja": "x"}))
    assert template.title == "*not an alias* & not an anchor"
    path = tmp_path / "x.py.template-answers.yml"
    path.write_text(
        "generations:\n  - template: t\n    version: 1.0.0\n    answers: {ptr: '*testing.T'}\n", encoding="utf-8"
    )
    assert read_records(path)[0].answers == {"ptr": "*testing.T"}


def test_files_larger_than_the_limit_are_refused_without_parsing(tmp_path):
    path = tmp_path / "x.py.template-answers.yml"
    path.write_text("generations: []\n" + "#" * MAX_YAML_BYTES, encoding="utf-8")
    for read in (read_answer_file, read_records):
        with pytest.raises(AnswerFileError, match="larger than 4 MB"):
            read(path)
    version_dir = make_template(tmp_path, "title: T\n" + "#" * MAX_YAML_BYTES, {"a.jinja": "x"})
    with pytest.raises(TemplateError, match="larger than 4 MB"):
        load_template(version_dir)


def test_deep_nesting_is_refused(tmp_path):
    deep = "[" * (MAX_YAML_DEPTH + 5) + "]" * (MAX_YAML_DEPTH + 5)
    path = tmp_path / "x.py.template-answers.yml"
    path.write_text(
        f"generations:\n  - template: t\n    version: 1.0.0\n    answers: {{a: {deep}}}\n", encoding="utf-8"
    )
    with pytest.raises(AnswerFileError, match="nested more than") as error:
        read_answer_file(path)
    assert error.value.line == 4
    # Deeper than Python's recursion limit, or than libyaml's: still one clear error.
    for depth in (500, 1500):
        path.write_text(
            f"generations:\n  - template: t\n    version: 1.0.0\n    answers: {{a: {'[' * depth}{']' * depth}}}\n",
            encoding="utf-8",
        )
        with pytest.raises(AnswerFileError, match="nested more than"):
            read_records(path)


def test_yaml_answers_refuse_aliases():
    question = Question(name="q", type="yaml")
    assert coerce(question, "{a: [1, 2]}") == {"a": [1, 2]}
    with pytest.raises(AnswerError, match="aliases"):
        coerce(question, "a: &a [x, x]\nb: [*a, *a]\n")
    listed = Question(name="m", type="str", choices=["x", "y"], multiselect=True)
    with pytest.raises(AnswerError):  # an alias in a multiselect list is not read as YAML
        coerce(listed, "[&a x, *a]")
