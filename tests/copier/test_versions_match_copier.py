"""Scion's version of every commit of a template equals the real copier's (`copier.Template.version`), on one
repository with the tags that make it hard: untagged commits after a tag, a pre-release, a post-release, a tag with
a local part, a tag whose stage is no PEP 440 stage, a tag that is no version, two tags on one commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.copier.source import open_source
from tests.copier.support import git, git_template

# Last: a tag whose stage is no PEP 440 stage; copier's version of any commit after it is an error (InvalidVersion).
TAGS = ["", "v1.0.0", "", "", "v1.1.0rc1", "", "1.2.0.post1", "", "v2.0.0+build.5", "", "latest", "", "v3.0-foo"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("versions") / "template"
    git_template(root, [(tag, {"copier.yml": "name: x\n", "n.txt": f"{index}\n"}) for index, tag in enumerate(TAGS)])
    git("tag", "v1.0.1", "v1.0.0", cwd=root)  # a second version tag on a tagged commit
    return root


def commits(root: Path) -> list[str]:
    return git("rev-list", "--reverse", "HEAD", cwd=root).split()


@pytest.mark.parametrize("index", range(len(TAGS)))
def test_the_version_of_each_commit_is_copiers(template: Path, index: int, monkeypatch, tmp_path: Path) -> None:
    from copier._template import Template

    monkeypatch.setenv("SCION_COPIER_CACHE", str(tmp_path / "cache"))
    commit = commits(template)[index]
    theirs = Template(url=str(template), ref=commit)
    try:
        expected = theirs.version
    finally:
        theirs._cleanup()
    assert open_source(str(template)).ref_version(commit) == expected
