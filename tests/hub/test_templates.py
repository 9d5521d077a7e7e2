"""Evolved template versions across a team: deployed once to the hub, installed by each instance, offered as upgrades."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from server.hub.client import connected
from server.hub.sync import HubLink, SyncOptions
from server.store import Store
from server.store.outbox import Sharing
from server.templates.catalog import BUILTIN_ROOT, Catalog
from tests.hub.conftest import member_url

EVOLVED = "1.2.0"


def deploy_at_ann(workspace: Path, store: Store) -> Path:
    """What `scion evolve` leaves behind: a new version folder in the workspace root, and its record."""
    folder = workspace / ".scion" / "templates" / "python" / "dataclass" / EVOLVED
    shutil.copytree(BUILTIN_ROOT / "python" / "dataclass" / "1.1.0", folder)
    manifest = folder / "template.yml"
    data = yaml.safe_load(manifest.read_text())
    data["changelog"][EVOLVED] = "Evolved by Scion from the team's edits"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    store.record_deployment("python/dataclass", EVOLVED, "1.1.0", "Evolved by Scion", {"decided": 12})
    return folder


def test_an_evolved_version_is_deployed_once_and_installed_by_a_teammate(team, tmp_path):
    with Store(tmp_path / "ann.db") as ann_store, Store(tmp_path / "bob.db") as bob_store:
        ann_store.sharing, bob_store.sharing = Sharing("ann-laptop"), Sharing("bob-laptop")
        deploy_at_ann(tmp_path / "ann", ann_store)
        ann = HubLink(member_url(team, "ann"), "ann-laptop", SyncOptions(workspace=tmp_path / "ann"))
        assert ann.sync(ann_store).templates.published == [f"python/dataclass@{EVOLVED}"]
        assert ann.sync(ann_store).templates.published == []  # once
        ann.close()

        user_root = tmp_path / "bob-data" / "templates"
        bob = HubLink(
            member_url(team, "bob"), "bob-laptop", SyncOptions(workspace=tmp_path / "bob", user_templates=user_root)
        )
        assert bob.sync(bob_store).templates.installed == [f"python/dataclass@{EVOLVED}"]
        assert bob.sync(bob_store).templates.installed == []
        bob.close()
    catalog = Catalog([(user_root, "user"), (BUILTIN_ROOT, "builtin")])
    newest = catalog.get("python/dataclass")
    assert newest.version == EVOLVED and "Evolved by Scion" in str(newest.changelog)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"template.yml": "title: x\n", "../../escape.txt": "x"}, "contains '..'"),
        ({"template.yml": "title: x\n", "hooks/run.sh": "rm -rf ~"}, "outside files/"),
        ({"template.yml": "questions: [", "files/a.jinja": "x"}, "template.yml"),
    ],
)
def test_a_published_version_that_is_unsafe_or_broken_is_not_installed(team, tmp_path, files, reason):
    with connected(member_url(team, "ann"), "ann-laptop") as ann:
        assert ann.publish_template("python/evil", "9.0.0", None, "", files) == "published"
    user_root = tmp_path / "bob-data" / "templates"
    with Store(tmp_path / "bob.db") as bob_store:
        bob_store.sharing = Sharing("bob-laptop")
        result = HubLink(member_url(team, "bob"), "bob-laptop", SyncOptions(user_templates=user_root)).sync(bob_store)
    assert result.templates.installed == [] and reason in result.templates.rejected[0]["reason"]
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "bob-data" / "escape.txt").exists()
    assert not any(path.is_file() for path in user_root.rglob("*")) if user_root.exists() else True
