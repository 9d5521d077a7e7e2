"""`_external_data`: YAML files of the project read into questions' defaults and templates, as copier reads them.

The destination already holds another template's answers file; both tools
generate into copies of it and must write the same tree. A path that leaves
the destination (by `..` or through a symlink) is refused by both, and Scion
reads nothing there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git_template, scion, tree

TEMPLATE = {
    "copier.yml": """\
_external_data:
  base: "{{ base_answers }}"
  settings: config/settings.yml
base_answers:
  type: str
  default: .copier-answers.base.yml
project_name:
  type: str
  default: "{{ _external_data.base.project_name | default('unnamed') }}"
""",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "out.txt.jinja": (
        "{{ project_name }} / {{ _external_data.base.license | default('none') }}"
        " / {{ _external_data.settings.level | default(0) }} / {{ _external_data | list | sort | join(',') }}\n"
    ),
}
BASE_ANSWERS = "_src_path: gh:example/base\nproject_name: Shared Name\nlicense: MIT\n"


def seeded(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def generated_as_copier_does(tmp_path: Path) -> dict[str, object]:
    """`copier copy` into copier/out and `scion generate` into scion/out, both with defaults: Scion's tree, equal to copier's."""
    expected = copier("copy", "--defaults", "template", "copier/out", cwd=tmp_path, home=tmp_path)
    assert expected.returncode == 0, expected.stderr
    ours = scion("generate", "template", "--path", "scion/out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert ours.returncode == 0, ours.stderr
    generated = tree(tmp_path / "scion/out")
    assert differences(tree(tmp_path / "copier/out"), generated) == []
    return generated


@pytest.mark.parametrize(
    "project",
    [
        {".copier-answers.base.yml": BASE_ANSWERS, "config/settings.yml": "level: 3\n"},
        {".copier-answers.base.yml": BASE_ANSWERS},  # a missing file is an empty mapping
        {},
    ],
    ids=["both-files", "one-missing", "none"],
)
def test_external_data_renders_as_copier_renders_it(tmp_path: Path, project: dict[str, str]) -> None:
    git_template(tmp_path / "template", [("v1.0.0", TEMPLATE)])
    for side in ("copier", "scion"):
        seeded(tmp_path / side / "out", project)
    generated = generated_as_copier_does(tmp_path)
    if project.get(".copier-answers.base.yml"):
        assert generated["out.txt"][0].startswith(b"Shared Name / MIT")  # type: ignore[index]


@pytest.mark.parametrize("how", ["dot-dot", "absolute", "symlink-out"])
def test_a_path_out_of_the_destination_is_refused(tmp_path: Path, how: str) -> None:
    secret = seeded(tmp_path, {"secret.yml": "project_name: stolen\n"}) / "secret.yml"
    git_template(tmp_path / "template", [("v1.0.0", TEMPLATE)])
    path = {"dot-dot": "../secret.yml", "absolute": str(secret), "symlink-out": "leak.yml"}[how]
    for side in ("copier", "scion"):
        (tmp_path / side / "out").mkdir(parents=True)
        os.symlink(secret, tmp_path / side / "out/leak.yml")
    before = tree(tmp_path / "scion")
    refused = copier(
        "copy", "--defaults", f"--data=base_answers={path}", "template", "copier/out", cwd=tmp_path, home=tmp_path
    )
    assert refused.returncode != 0 and "ForbiddenPathError" in refused.stderr  # copier refuses it too
    done = scion(
        "generate", "template", "--path", "scion/out", "--defaults", "--answer", f"base_answers={path}",
        cwd=tmp_path, home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout
    assert "_external_data.base" in done.stderr and "Traceback" not in done.stderr
    assert tree(tmp_path / "scion") == before  # nothing written


def test_the_answers_file_may_be_named_by_external_data(tmp_path: Path) -> None:
    template = {
        "copier.yml": "_external_data:\n  conf: conf.yml\n"
        "_answers_file: \"{{ _external_data.conf.answers | default('.copier-answers.yml') }}\"\nname: x\n",
        "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        "name.txt.jinja": "{{ name }}\n",
    }
    git_template(tmp_path / "template", [("v1.0.0", template)])
    for side in ("copier", "scion"):
        seeded(tmp_path / side / "out", {"conf.yml": "answers: .answers/main.yml\n"})
    generated = generated_as_copier_does(tmp_path)
    assert ".answers/main.yml" in generated
