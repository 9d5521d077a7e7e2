"""A lazy catalog parses only the ids asked for, and answers every query exactly like the eager one."""

from pathlib import Path

import pytest

from server.cli.common import open_catalog
from server.common.errors import TemplateNotFound
from server.templates import catalog as catalog_module
from server.templates.catalog import BUILTIN_ROOT, Catalog

from .helpers import make_template

SHADOW = "title: Workspace dataclass\nlanguages: [python]\nwhere: [module]\n"


def workspace_templates(root: Path) -> Path:
    """A workspace root: one good template, one broken, a shadowed builtin version and a broken newer one."""
    make_template(root, "title: Mine\nwhere: [module]\n", {"a.py.jinja": "x\n"}, template_id="ws/mine", version="1.0.0")
    make_template(root, "title: [broken\n", {"a": "x"}, template_id="ws/broken", version="1.0.0")
    make_template(root, SHADOW, {"a.py.jinja": "x\n"}, template_id="python/dataclass", version="1.1.0")
    make_template(root, "title: T\nmode: bogus\n", {"a": "x"}, template_id="python/dataclass", version="2.0.0")
    return root


@pytest.fixture
def roots(tmp_path) -> list[tuple[Path, str]]:
    return [
        (workspace_templates(tmp_path / "ws"), "workspace"),
        (tmp_path / "no-user-root", "user"),
        (BUILTIN_ROOT, "builtin"),
    ]


@pytest.fixture
def parsed(monkeypatch) -> list[tuple[str, str]]:
    """The (id, version) of every manifest the catalogs parse from now on."""
    calls: list[tuple[str, str]] = []
    real = catalog_module.load_template

    def counting(version_dir, kind, template_id):
        calls.append((template_id, Path(version_dir).name))
        return real(version_dir, kind, template_id)

    monkeypatch.setattr(catalog_module, "load_template", counting)
    return calls


def answers(catalog: Catalog) -> dict:
    """Every public query, over every id and version the catalog knows and a few it does not."""
    result: dict = {
        "ids": catalog.ids(),
        "templates": catalog.templates(),
        "errors": [(str(e), e.path, e.line) for e in catalog.errors],
    }
    for template_id in [*catalog.ids(), "ws/broken", "dataclass", "nothing/here"]:
        for name, query in [("versions", catalog.versions), ("all", catalog.all_versions), ("get", catalog.get)]:
            try:
                result[name, template_id] = query(template_id)
            except TemplateNotFound as error:
                result[name, template_id] = str(error)
    for version in ["1.0.0", "1.1.0", "2.0.0"]:
        try:
            result["get", version] = catalog.get("python/dataclass", version)
        except TemplateNotFound as error:
            result["get", version] = str(error)
    for language in ["python", "go", "elixir", "cobol"]:
        for place in ["module", "empty_file", "class_body"]:
            result["applicable", language, place] = catalog.applicable(language, place)
    return result


def test_each_query_alone_answers_like_the_eager_catalog(roots):
    eager = answers(Catalog(roots))
    assert eager["get", "python/dataclass"].title == "Workspace dataclass"  # the workspace shadows the builtin 1.1.0
    assert eager["get", "1.0.0"].root_kind == "builtin"
    assert len(eager["errors"]) == 2 and "failed to load" in eager["get", "ws/broken"]
    for query in [lambda c: c.errors, lambda c: c.ids(), lambda c: c.get("ws/broken"), lambda c: c.get("dataclass")]:
        lazy = Catalog(roots, lazy=True)
        try:
            query(lazy)  # the first query a fresh lazy catalog answers must be complete too
        except TemplateNotFound:
            pass
        assert answers(lazy) == eager


def test_a_lazy_catalog_parses_only_the_id_asked_for(roots, parsed):
    catalog = Catalog(roots, lazy=True)
    assert parsed == []
    assert catalog.get("ws/mine").title == "Mine"
    assert parsed == [("ws/mine", "1.0.0")]
    catalog.versions("ws/mine"), catalog.all_versions("ws/mine"), catalog.get("ws/mine", "1.0.0")
    assert parsed == [("ws/mine", "1.0.0")]  # parsed once
    assert catalog.versions("python/dataclass") == ["1.0.0", "1.1.0"]
    assert sorted(parsed[1:]) == [
        ("python/dataclass", "1.0.0"),
        ("python/dataclass", "1.1.0"),
        ("python/dataclass", "1.1.0"),
        ("python/dataclass", "2.0.0"),
    ]
    assert catalog.get("python/dataclass").root_kind == "workspace"

    parsed.clear()
    assert len(catalog.errors) == 2
    assert ("ws/mine", "1.0.0") not in parsed and ("ws/broken", "1.0.0") in parsed and len(parsed) > 10


def test_reload_and_reload_path_of_a_lazy_catalog(roots, parsed):
    workspace = roots[0][0]
    catalog = Catalog(roots, lazy=True)
    assert catalog.get("ws/mine").title == "Mine"
    catalog.reload()
    parsed.clear()
    assert catalog.get("ws/mine").title == "Mine" and parsed == []  # unchanged manifests come from the stamp cache

    (workspace / "ws/broken/1.0.0/template.yml").write_text("title: fixed\n")
    catalog.reload()
    assert catalog.get("ws/broken").title == "fixed"
    assert parsed == [("ws/broken", "1.0.0")]

    lazy, eager = Catalog(roots, lazy=True), Catalog(roots)
    manifest = workspace / "python/dataclass/2.0.0/template.yml"
    manifest.write_text("title: [broken again\n")
    assert [str(e) for e in lazy.reload_path(manifest)] == [str(e) for e in eager.reload_path(manifest)] != []
    assert answers(lazy) == answers(eager)

    lazy, eager = Catalog(roots, lazy=True), Catalog(roots)
    (workspace / "ws/mine/1.0.0/template.yml").unlink()  # a version the lazy catalog has not parsed yet
    assert lazy.reload_path(workspace / "ws/mine/1.0.0/files/a.py.jinja") == eager.reload_path(
        workspace / "ws/mine/1.0.0/files/a.py.jinja"
    )
    assert answers(lazy) == answers(eager) and "ws/mine" not in lazy.ids()


def test_open_catalog_warns_only_about_the_templates_it_parsed(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        catalog_module, "user_data_path", lambda *args, **kwargs: tmp_path / "user-data"
    )  # not the real one
    workspace_templates(tmp_path / ".scion" / "templates")
    catalog = open_catalog(tmp_path, lazy=True)
    catalog.get("ws/mine")
    assert capsys.readouterr().err == ""
    catalog.get("python/dataclass")
    warned = capsys.readouterr().err
    assert warned.count("warning: template skipped:") == 1 and "unknown mode" in warned

    eager = open_catalog(tmp_path)
    warned = capsys.readouterr().err
    assert warned.count("warning: template skipped:") == 2 and "unknown mode" in warned and "ws/broken" in warned
    eager.reload()
    assert capsys.readouterr().err == ""  # each broken template is warned about once
