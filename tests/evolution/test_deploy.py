"""Deploying an evolved version as a new immutable folder, and rolling it back."""

from __future__ import annotations

import pytest

from server.common.errors import ScionError
from server.evolution.deploy import deploy, next_version, rollback
from server.store import Store
from server.templates.catalog import Catalog
from server.templates.loader import load_template

from .histories import greeter


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws" / ".scion" / "templates"
    greeter(root)
    return tmp_path / "ws"


def evidence():
    return {"decided": 12, "accepted": 6, "success_rate": 0.5, "replay_before": 0.2, "replay_after": 0.01}


def test_next_version_bumps_the_minor_number_of_the_newest():
    assert next_version(["1.0.0", "1.1.0", "1.10.2"]) == "1.11.0"
    assert next_version(["2"]) == "2.1.0"
    with pytest.raises(ScionError):
        next_version(["draft"])


def test_deploy_writes_a_new_version_with_a_changelog_and_records_it(workspace):
    store = Store()
    catalog = Catalog([(workspace / ".scion" / "templates", "workspace")])
    parent = catalog.get("demo/greeter")

    version = deploy(workspace, store, parent, parent.path, catalog.versions(parent.id), ["adds `# done`"], evidence())

    folder = workspace / ".scion" / "templates" / "demo" / "greeter" / "1.1.0"
    assert version == "1.1.0" and folder.is_dir()
    deployed = load_template(folder, "workspace", "demo/greeter")
    entry = deployed.changelog["1.1.0"]
    assert "Evolved from 1.0.0" in entry and "adds `# done`" in entry
    assert "12 decided generations" in entry and "success rate 50%" in entry and "0.200 -> 0.010" in entry
    assert deployed.changelog["1.0.0"] == "First version"
    [row] = store.deployments("demo/greeter")
    assert (row["version"], row["parent_version"], row["rolled_back"]) == ("1.1.0", "1.0.0", False)
    assert row["evidence"]["decided"] == 12
    assert parent.path.joinpath("template.yml").read_text() != folder.joinpath("template.yml").read_text()


def test_rollback_removes_the_newest_evolved_version_and_keeps_a_copy(workspace):
    store = Store()
    catalog = Catalog([(workspace / ".scion" / "templates", "workspace")])
    parent = catalog.get("demo/greeter")
    deploy(workspace, store, parent, parent.path, catalog.versions(parent.id), ["adds x"], evidence())
    catalog.reload()

    removed = rollback(workspace, store, "demo/greeter")
    catalog.reload()

    assert removed == "1.1.0"
    assert catalog.versions("demo/greeter") == ["1.0.0"]
    assert store.deployments("demo/greeter")[0]["rolled_back"] is True
    assert (workspace / ".scion" / "rolled-back" / "demo" / "greeter" / "1.1.0" / "template.yml").is_file()


def test_rollback_refuses_versions_evolution_did_not_deploy(workspace):
    with pytest.raises(ScionError, match="no evolved version"):
        rollback(workspace, Store(), "demo/greeter")
    assert (workspace / ".scion" / "templates" / "demo" / "greeter" / "1.0.0").is_dir()
