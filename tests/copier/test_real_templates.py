"""Five real public copier templates (tests/copier/real/, two tags each), generated and upgraded by both tools.

`scion generate` must write what `copier copy` writes, at each tag; after a
user edit, `scion upgrade --all` must give what `copier update` gives (these
edits do not conflict), in a copy of the project without git.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git, git_template_from_folders, scion, tree

REAL = Path(__file__).parent / "real"

# name: (the two tags, answers the template has no default for, extra flags for both tools, a file the user edits)
TEMPLATES = {
    "autopretty": (("v0.4.2", "v0.4.3"), {}, ["--skip-tasks"], ".editorconfig"),
    "jupyterlab-extension": (
        ("v4.6.3", "v4.6.4"),
        {"author_name": "Ada", "author_email": "ada@example.com", "repository": "https://github.com/ada/demo"},
        ["--trust", "--skip-tasks"],
        "README.md",
    ),
    "lincc-python-project": (
        ("v2.1.2", "v2.2.0"),
        {"project_name": "demo", "author_name": "Ada", "author_email": "ada@example.com"},
        [],
        "README.md",
    ),
    "oca-addons-repo": (
        ("v1.39", "v1.40"),
        {"odoo_version": "17.0", "repo_slug": "demo", "repo_name": "Demo addons", "repo_description": "Demo"},
        ["--skip-tasks"],
        "README.md",
    ),
    "substrate": (
        ("v2.0.0", "v2.1.0"),
        {
            "project_name": "Demo",
            "project_description": "A demo",
            "project_url": "https://example.com/demo",
            "author_name": "Ada",
            "author_email": "ada@example.com",
        },
        [],
        "README.md",
    ),
}


def template_repo(name: str, root: Path) -> Path:
    tags = TEMPLATES[name][0]
    return git_template_from_folders(root / "template", [(tag, REAL / name / tag) for tag in tags])


def copier_data(name: str) -> list[str]:
    return [f"--data={key}={value}" for key, value in TEMPLATES[name][1].items()]


def scion_answers(name: str) -> list[str]:
    return [arg for key, value in TEMPLATES[name][1].items() for arg in ("--answer", f"{key}={value}")]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("which", [0, 1], ids=["older-tag", "newer-tag"])
def test_generate_equals_copier_copy(name: str, which: int, tmp_path: Path) -> None:
    tags, _, flags, _ = TEMPLATES[name]
    template_repo(name, tmp_path)
    ref = ["--vcs-ref", tags[which]]
    expected = copier(
        "copy", "--defaults", *ref, *flags, *copier_data(name), "template", "c/project", cwd=tmp_path, home=tmp_path
    )
    assert expected.returncode == 0, expected.stderr
    ours = scion(
        "generate",
        "template",
        "--path",
        "s/project",
        "--defaults",
        *ref,
        *flags,
        *scion_answers(name),
        cwd=tmp_path,
        home=tmp_path,
    )
    assert ours.returncode == 0, ours.stderr
    assert differences(tree(tmp_path / "c/project"), tree(tmp_path / "s/project")) == []


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_upgrade_with_a_user_edit_equals_copier_update(name: str, tmp_path: Path) -> None:
    tags, _, flags, edited = TEMPLATES[name]
    template_repo(name, tmp_path)
    by_copier = tmp_path / "c/project"
    done = copier(
        "copy",
        "--defaults",
        "--vcs-ref",
        tags[0],
        *flags,
        *copier_data(name),
        str(tmp_path / "template"),
        str(by_copier),
        cwd=tmp_path,
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    git("init", "-q", "-b", "main", cwd=by_copier)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "generated", cwd=by_copier)
    with (by_copier / edited).open("a", encoding="utf-8") as file:
        file.write("\nA line the user added at the end.\n")
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "edit", cwd=by_copier)
    by_scion = tmp_path / "s/project"
    shutil.copytree(by_copier, by_scion, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    # copier wants trust for the old version's tasks even when it skips them; Scion never runs old tasks.
    trust = ["--trust"] if "--skip-tasks" in flags and "--trust" not in flags else []
    answers_file = next(by_copier.glob(".copier-answers*.yml")).name  # copier update must be told a custom name
    expected = copier(
        "update", "--defaults", *flags, *trust, "--answers-file", answers_file, cwd=by_copier, home=tmp_path
    )
    assert expected.returncode == 0, expected.stderr
    ours = scion("upgrade", "--all", "--defaults", *flags, "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert ours.returncode == 0, ours.stderr + ours.stdout
    assert "A line the user added at the end." in (by_scion / edited).read_text()
    assert differences(tree(by_copier), tree(by_scion)) == []
