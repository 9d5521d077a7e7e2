"""A version's copier.yml is parsed once (server/copier/cached.py) and reads back exactly as parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.copier import cached
from server.copier.cached import checkout_config
from server.copier.config import load_config
from server.copier.source import open_source
from tests.copier.support import git_template

CONFIG = """\
_subdirectory: "{{ 'project' }}"
_exclude: [".git", "*.tmp"]
_envops: {trim_blocks: true}
name:
  type: str
  help: The name
  default: demo
count: 3
kind:
  choices: {First: a, Second: b}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCION_COPIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cached, "_parsed", {})  # what this process already read
    return tmp_path / "cache"


def checkout_of(tmp_path: Path, config: str):
    git_template(tmp_path / "template", [("v1.0.0", {"copier.yml": config, "project/a.txt": "a"})])
    return open_source(str(tmp_path / "template")).checkout()


def test_a_git_version_reads_back_as_parsed_in_the_file_order(tmp_path: Path, cache: Path) -> None:
    checkout = checkout_of(tmp_path, CONFIG)
    first = checkout_config(checkout)
    cached._parsed.clear()  # a later process: only the disk entry is left
    again = checkout_config(checkout)
    expected = load_config(checkout.root)
    assert list((cache / "configs").iterdir()) == [cache / "configs" / f"{checkout.commit_hash}.marshal"]
    for config in (first, again):
        assert config == expected
        assert list(config.questions) == ["name", "count", "kind"]
        assert list(config.questions["kind"]["choices"]) == ["First", "Second"]


def test_an_entry_for_another_file_or_a_damaged_one_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    checkout = checkout_of(tmp_path, CONFIG)
    checkout_config(checkout)
    entry = cache / "configs" / f"{checkout.commit_hash}.marshal"
    for damaged in (b"", b"\x00garbage", entry.read_bytes()[:-5]):
        entry.write_bytes(damaged)
        cached._parsed.clear()
        assert checkout_config(checkout) == load_config(checkout.root)
    config_file = checkout.root / "copier.yml"
    config_file.chmod(0o644)
    config_file.write_text(CONFIG.replace("default: demo", "default: changed"))
    cached._parsed.clear()
    assert checkout_config(checkout).questions["name"]["default"] == "changed"


def test_values_marshal_cannot_keep_are_parsed_each_time(tmp_path: Path, cache: Path) -> None:
    checkout = checkout_of(tmp_path, "released:\n  default: 2024-01-02\n")
    assert str(checkout_config(checkout).questions["released"]["default"]) == "2024-01-02"
    assert not (cache / "configs").exists()


def test_a_folder_template_is_not_kept_on_disk(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder/copier.yml").write_text(CONFIG)
    checkout = open_source(str(tmp_path / "folder")).checkout()
    assert checkout_config(checkout) == load_config(checkout.root)
    assert not (cache / "configs").exists()
