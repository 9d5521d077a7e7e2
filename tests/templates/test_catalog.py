import time
from pathlib import Path

import pytest

from server.common.errors import TemplateNotFound
from server.templates.catalog import BUILTIN_ROOT, Catalog, default_roots

from .helpers import DATACLASS, make_template

PY = "title: {title}\nlanguages: [python]\nwhere: [{where}]\n"


def add(root: Path, template_id: str, version: str, title: str = "T", where: str = "module", files=None) -> Path:
    return make_template(
        root,
        PY.format(title=title, where=where),
        files or {"a.py.jinja": "x\n"},
        template_id=template_id,
        version=version,
    )


def test_discovers_nested_ids_and_versions(tmp_path):
    add(tmp_path, "python/dataclass", "1.0.0")
    add(tmp_path, "python/dataclass", "1.10.0", title="newest")
    add(tmp_path, "python/dataclass", "1.2.0")
    add(tmp_path, "go/http/handler", "0.1.0")
    catalog = Catalog([(tmp_path, "workspace")])
    assert catalog.ids() == ["go/http/handler", "python/dataclass"]
    assert catalog.versions("python/dataclass") == ["1.0.0", "1.2.0", "1.10.0"]
    assert [t.version for t in catalog.all_versions("python/dataclass")] == ["1.0.0", "1.2.0", "1.10.0"]
    assert catalog.get("python/dataclass").title == "newest"
    assert catalog.get("python/dataclass", "1.2.0").version == "1.2.0"
    assert [t.id for t in catalog.templates()] == ["go/http/handler", "python/dataclass"]
    assert catalog.errors == []


def test_templates_that_generate_manifests_are_not_mistaken_for_versions(tmp_path):
    add(tmp_path, "meta", "1.0.0", files={"template.yml": "title: generated\n", "x/template.yml": "title: y\n"})
    assert Catalog([(tmp_path, "workspace")]).ids() == ["meta"]


def test_earlier_root_wins_for_the_same_version(tmp_path):
    add(tmp_path / "ws", "py/x", "1.0.0", title="workspace copy")
    add(tmp_path / "builtin", "py/x", "1.0.0", title="builtin copy")
    add(tmp_path / "builtin", "py/x", "0.9.0", title="old builtin")
    catalog = Catalog([(tmp_path / "ws", "workspace"), (tmp_path / "builtin", "builtin")])
    assert catalog.get("py/x").title == "workspace copy"
    assert catalog.get("py/x").root_kind == "workspace"
    assert catalog.get("py/x", "0.9.0").root_kind == "builtin"


def test_broken_template_is_recorded_and_skipped(tmp_path):
    add(tmp_path, "good", "1.0.0")
    make_template(tmp_path, "title: [unclosed\n", {"a": "x"}, template_id="bad", version="1.0.0")
    catalog = Catalog([(tmp_path, "workspace"), (tmp_path / "missing-root", "user")])
    assert catalog.ids() == ["good"]
    assert len(catalog.errors) == 1
    assert catalog.errors[0].path.parent.name == "1.0.0" and catalog.errors[0].line
    with pytest.raises(TemplateNotFound, match="failed to load"):
        catalog.get("bad")


def test_not_found_suggests_close_ids_and_versions(tmp_path):
    add(tmp_path, "python/dataclass", "1.0.0")
    catalog = Catalog([(tmp_path, "workspace")])
    with pytest.raises(TemplateNotFound, match="did you mean python/dataclass"):
        catalog.get("dataclass")
    with pytest.raises(TemplateNotFound, match=r"python/dataclas.*did you mean"):
        catalog.get("python/dataclas")
    with pytest.raises(TemplateNotFound, match=r"versions: 1\.0\.0"):
        catalog.get("python/dataclass", "2.0.0")


def test_applicable_filters_language_and_place(tmp_path):
    add(tmp_path, "py/module", "1.0.0", where="module")
    add(tmp_path, "py/method", "1.0.0", where="class_body")
    make_template(tmp_path, "title: any\nwhere: [module]\n", {"a": "x"}, template_id="any/lang", version="1.0.0")
    catalog = Catalog([(tmp_path, "workspace")])
    assert [t.id for t in catalog.applicable("python", "module")] == ["any/lang", "py/module"]
    assert [t.id for t in catalog.applicable("python", "class_body")] == ["py/method"]
    assert [t.id for t in catalog.applicable("go", "module")] == ["any/lang"]


def test_reload_path_reloads_one_version(tmp_path):
    version_dir = make_template(tmp_path, "title: [broken\n", {"a": "x"}, template_id="py/x", version="1.0.0")
    add(tmp_path, "py/other", "1.0.0")
    catalog = Catalog([(tmp_path, "workspace")])
    assert catalog.ids() == ["py/other"] and len(catalog.errors) == 1

    (version_dir / "template.yml").write_text("title: fixed\n")
    assert catalog.reload_path(version_dir / "template.yml") == []
    assert catalog.get("py/x").title == "fixed" and catalog.errors == []

    (version_dir / "files" / "a").write_text("{{ broken ")
    errors = catalog.reload_path(version_dir / "files" / "a")
    assert len(errors) == 1 and errors[0].path == version_dir / "files" / "a"

    (version_dir / "template.yml").write_text("title: T\nmode: bogus\n")
    errors = catalog.reload_path(version_dir / "template.yml")
    assert errors and "unknown mode" in errors[0].message
    assert catalog.ids() == ["py/other"]


def test_reload_path_of_new_and_deleted_versions(tmp_path):
    add(tmp_path, "py/x", "1.0.0")
    catalog = Catalog([(tmp_path, "workspace")])
    new_dir = add(tmp_path, "py/x", "1.1.0")
    catalog.reload_path(new_dir / "template.yml")
    assert catalog.versions("py/x") == ["1.0.0", "1.1.0"]
    (new_dir / "template.yml").unlink()
    catalog.reload_path(new_dir / "template.yml")
    assert catalog.versions("py/x") == ["1.0.0"]
    assert catalog.reload_path(tmp_path.parent / "unrelated.txt") == []


def test_reload_rediscovers_everything(tmp_path):
    catalog = Catalog([(tmp_path, "workspace")])
    assert catalog.ids() == []
    add(tmp_path, "py/x", "1.0.0")
    catalog.reload()
    assert catalog.ids() == ["py/x"]


def test_default_roots_order(tmp_path):
    roots = default_roots(tmp_path, [tmp_path / "extra"])
    assert [kind for _, kind in roots] == ["workspace", "extra", "user", "builtin"]
    assert roots[0][0] == tmp_path / ".scion" / "templates"
    assert roots[-1][0] == BUILTIN_ROOT
    assert roots[2][0].parts[-2:] == ("scion", "templates") or roots[2][0].name == "templates"
    assert [kind for _, kind in default_roots(None)] == ["user", "builtin"]


def test_loading_many_templates_is_fast(tmp_path):
    for index in range(40):
        make_template(
            tmp_path, DATACLASS, {"{{ module }}.py.jinja": "x\n"}, template_id=f"py/t{index}", version="1.0.0"
        )
    started = time.perf_counter()
    catalog = Catalog([(tmp_path, "workspace")])
    elapsed = time.perf_counter() - started
    assert len(catalog.ids()) == 40 and not catalog.errors
    assert elapsed < 2.0, f"loading 40 templates took {elapsed:.2f}s"


def test_builtin_pack_loads_without_errors():
    catalog = Catalog([(BUILTIN_ROOT, "builtin")])
    assert catalog.errors == []


def test_reload_skips_unchanged_manifests_but_sees_edits(tmp_path):
    version_dir = add(tmp_path, "py/x", "1.0.0", title="first")
    catalog = Catalog([(tmp_path, "workspace")])
    before = catalog.get("py/x")
    catalog.reload()
    assert catalog.get("py/x") is before
    (version_dir / "template.yml").write_text("title: second, and longer\n")
    catalog.reload()
    assert catalog.get("py/x").title == "second, and longer"
