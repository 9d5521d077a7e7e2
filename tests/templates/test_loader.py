import pytest

from server.common.errors import TemplateError
from server.templates.loader import check_sources, load_template
from tests.file_tree import build_file_tree

from .helpers import DATACLASS, load, make_template


def load_error(tmp_path, manifest, files=None) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load(tmp_path, manifest, files or {"a.py.jinja": "x\n"})
    return caught.value


def test_loads_every_key(tmp_path):
    template = load(tmp_path, DATACLASS, {"{{ module }}.py.jinja": "class {{ class_name }}: ...\n"})
    assert (template.id, template.version, template.title, template.mode) == (
        "demo",
        "1.0.0",
        "Python dataclass",
        "file",
    )
    assert template.where == ("module", "empty_file")
    assert template.languages == ("python",)
    assert [q.name for q in template.questions] == ["class_name", "module", "frozen", "fields", "kind"]
    class_name = template.question("class_name")
    assert class_name.help == "Name of the class" and class_name.line == 8
    assert template.question("frozen").default is False
    assert template.question("kind").choice_items() == [("Plain", "plain"), ("Slots", "slots")]
    assert template.changelog == {"1.0.0": "First version"}
    migration = template.migrations[0]
    assert (migration.version, migration.rename, migration.defaults) == (
        "1.1.0",
        {"name": "class_name"},
        {"slots": True},
    )
    assert template.examples[0].contains == ("class Order",)
    assert template.primary == "{{ module }}.py.jinja"
    assert template.root_kind == "builtin"


def test_id_defaults_to_parent_folder(tmp_path):
    version_dir = make_template(tmp_path, "title: T\n", {"a": "x"}, template_id="python/thing", version="2.0.0")
    template = load_template(version_dir, "workspace")
    assert (template.id, template.version, template.root_kind) == ("thing", "2.0.0", "workspace")


def test_shorthand_question_infers_type(tmp_path):
    template = load(tmp_path, "title: T\nquestions:\n  count: 3\n  name: x\n", {"a": "x"})
    assert template.question("count").type == "int"
    assert template.question("name").type == "str"


def test_yaml_syntax_error_has_line(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a: [1, 2\n  b: 3\n")
    assert "YAML syntax error" in error.message
    assert error.path.name == "template.yml" and error.line in (3, 4, 5)


def test_duplicate_key_is_a_yaml_error(tmp_path):
    error = load_error(tmp_path, "title: T\ntitle: U\n")
    assert "YAML" in error.message and error.line == 2


def test_unknown_question_type(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    type: string\n")
    assert "unknown type 'string'" in error.message and "str, int, float, bool, yaml, json" in error.message
    assert error.line == 4


def test_unknown_question_key_lists_allowed(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    type: str\n    defualt: x\n")
    assert "'defualt'" in error.message and "default" in error.message and "validator" in error.message
    assert error.line == 5


def test_unknown_manifest_key(tmp_path):
    error = load_error(tmp_path, "title: T\nqeustions: {}\n")
    assert "'qeustions'" in error.message and error.line == 2


@pytest.mark.parametrize(
    "manifest, fragment, line",
    [
        ("title: T\nmode: paste\n", "unknown mode 'paste'", 2),
        ("title: T\nwhere: [module, toplevel]\n", "unknown 'where' context 'toplevel'", 2),
        ("title: T\nquestions:\n  a:\n    multiselect: true\n", "'multiselect' needs 'choices'", 4),
        ("title: T\nquestions:\n  a:\n    when: [1]\n", "'when' must be", 4),
        ("title: T\nquestions:\n  ctx: 1\n", "identifier other than 'ctx'", 3),
        ("title: T\nquestions:\n  n:\n    type: int\n    default: many\n", "default does not fit", 5),
        ("title: T\nquestions:\n  k:\n    choices: [a, b]\n    default: c\n", "not one of the choices", 5),
        ("- a\n- b\n", "must be a mapping", 1),
        ("", "empty", 1),
        ("title: T\nmigrations:\n  - rename: {a: b}\n", "needs a 'version'", 3),
        ("title: T\nexamples:\n  - answers: {nope: 1}\n", "unknown question 'nope'", 3),
        ("title: T\nmigrations: 1.1.0\n", "'migrations' must be a list", 2),
        ("title: T\nmigrations:\n  - 1.1.0\n", "each migration must be a mapping with 'version'", 3),
        ("title: T\nmigrations:\n  - version: 1.1.0\n    drop: [a]\n", "unknown key 'drop' in a migration", 4),
        ("title: T\nexamples:\n  - {}\n  - [a]\n", "each example must be a mapping with 'answers'", 4),
        ("title: T\nexamples:\n  - answers: {}\n    expect: x\n", "unknown key 'expect' in an example", 4),
    ],
)
def test_bad_manifest_values(tmp_path, manifest, fragment, line):
    error = load_error(tmp_path, manifest)
    assert fragment in error.message
    assert error.line == line


def test_missing_files_folder(tmp_path):
    build_file_tree({tmp_path / "demo" / "1.0.0" / "template.yml": "title: T\n"})
    with pytest.raises(TemplateError, match="missing files/"):
        load_template(tmp_path / "demo" / "1.0.0")


def test_missing_manifest(tmp_path):
    (tmp_path / "demo" / "1.0.0" / "files").mkdir(parents=True)
    with pytest.raises(TemplateError, match="missing template.yml"):
        load_template(tmp_path / "demo" / "1.0.0")


def test_insert_mode_needs_exactly_one_file(tmp_path):
    error = load_error(tmp_path, "title: T\nmode: insert\n", {"a.jinja": "x", "b.jinja": "y"})
    assert "exactly one file" in error.message and "found 2" in error.message


def test_primary_must_exist(tmp_path):
    error = load_error(tmp_path, "title: T\nprimary: main.py.jinja\n", {"other.py.jinja": "x"})
    assert "primary file 'main.py.jinja'" in error.message and error.line == 2


def test_default_referring_to_unknown_answer(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    default: '{{ nope | snake }}'\n")
    assert "unknown answer 'nope'" in error.message and error.line == 4


def test_default_referring_to_later_answer(tmp_path):
    manifest = "title: T\nquestions:\n  a:\n    default: '{{ b }}'\n  b: x\n"
    error = load_error(tmp_path, manifest)
    assert "'b', which is asked later" in error.message


def test_when_referring_to_unknown_answer(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    when: '{{ frozen }}'\n")
    assert "its when uses unknown answer 'frozen'" in error.message and error.line == 4


def test_default_using_own_answer(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    default: '{{ a }}'\n")
    assert "its own answer" in error.message


def test_expression_syntax_error_in_question(tmp_path):
    error = load_error(tmp_path, "title: T\nquestions:\n  a:\n    default: x\n    validator: '{% if a %}bad'\n")
    assert "Jinja syntax error in validator" in error.message and error.line == 5


def test_validator_may_use_its_own_answer_and_jinja_globals(tmp_path):
    manifest = 'title: T\nquestions:\n  a:\n    default: x\n    validator: "{% for i in range(2) %}{% endfor %}{% if not a %}empty{% endif %}"\n'
    assert load(tmp_path, manifest, {"a": "x"}).question("a").validator


def test_check_sources_reports_jinja_syntax_errors_with_file_and_line(tmp_path):
    template = load(
        tmp_path,
        "title: T\nquestions:\n  name: x\n",
        {"ok.py.jinja": "{{ name }}\n", "sub/bad.py.jinja": "line one\nline two {{ name \nthree\n"},
    )
    errors = check_sources(template)
    assert len(errors) == 1
    assert errors[0].path == template.files_dir / "sub" / "bad.py.jinja"
    assert errors[0].line in (2, 3) and "Jinja syntax error" in errors[0].message


def test_check_sources_reports_templated_path_errors(tmp_path):
    template = load(tmp_path, "title: T\nquestions:\n  name: x\n", {"{{ name .py.jinja": "x\n"})
    errors = check_sources(template)
    assert errors and "path segment" in errors[0].message


def test_check_sources_reports_unknown_variables(tmp_path):
    template = load(
        tmp_path, "title: T\nquestions:\n  name: x\n", {"a.py.jinja": "ok\n{% set local = 1 %}{{ local }}{{ nmae }}\n"}
    )
    errors = check_sources(template)
    assert len(errors) == 1 and "'nmae'" in errors[0].message and errors[0].line == 2


def test_check_sources_clean(tmp_path):
    template = load(
        tmp_path,
        DATACLASS,
        {"{{ module }}.py.jinja": "{% for f in fields.split(',') %}{{ f }}{{ ctx.stem }}{% endfor %}\n"},
    )
    assert check_sources(template) == []


def test_migration_expression_syntax_error(tmp_path):
    error = load_error(tmp_path, "title: T\nmigrations:\n  - version: 1.1.0\n    transform: {a: '{{ value | }}'}\n")
    assert "migration 1.1.0: Jinja syntax error" in error.message and error.line == 3
