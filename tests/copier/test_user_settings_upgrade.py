"""copier's user settings `defaults` answer the new questions of an upgrade, as they do in `copier update --defaults`.

The project is made by the real copier before the settings file exists (so its
recorded answers are the template's defaults); then the file names defaults
for an old question (a recorded answer wins over it) and for the questions the
new tag adds (templated, typed by the template's own default, a `when: false`
computed value). Both tools upgrade the same project; the trees must be equal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.copier.support import copier, differences, git, git_template, scion, tree

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}
V1 = {"copier.yml": "project:\n  type: str\n  default: demo\n", "README.md.jinja": "# {{ project }}\n", **ANSWERS}
V2 = {
    "copier.yml": "project:\n  type: str\n  default: demo\n"
    "licence:\n  type: str\n  default: MIT\n"
    "year:\n  default: 2020\n"
    "docs:\n  default: false\n"
    "untouched:\n  default: template's\n"
    "slug:\n  default: '{{ project }}-slug'\n  when: false\n",
    "README.md.jinja": "# {{ project }}\n\nLicence: {{ licence }}\n",
    "LICENCE.jinja": "{{ licence }} {{ year + 1 }} {{ docs }} {{ untouched }} {{ slug }}\n",
    **ANSWERS,
}
SETTINGS = (
    "defaults:\n"
    "  project: not-the-recorded-one\n"
    "  licence: '{{ project }} licence'\n"
    "  year: '2031'\n"
    "  docs: true\n"
    "  slug: from-settings\n"
)


def make_projects(tmp_path: Path) -> tuple[Path, Path]:
    template = git_template(tmp_path / "template", [("v1.0.0", V1), ("v2.0.0", V2)])
    by_copier = tmp_path / "c/project"
    done = copier(
        "copy", "--defaults", "--vcs-ref", "v1.0.0", str(template), str(by_copier), cwd=tmp_path, home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    git("init", "-q", "-b", "main", cwd=by_copier)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "generated", cwd=by_copier)
    by_scion = tmp_path / "s/project"
    shutil.copytree(by_copier, by_scion, ignore=shutil.ignore_patterns(".git"))
    # tests/copier/support.isolated_env points $COPIER_SETTINGS_PATH here, for both tools.
    (tmp_path / "no-copier-settings.yml").write_text(SETTINGS)
    return by_copier, by_scion


def test_upgrade_defaults_come_from_copiers_settings_as_in_copier_update(tmp_path: Path) -> None:
    by_copier, by_scion = make_projects(tmp_path)
    expected = copier("update", "--defaults", cwd=by_copier, home=tmp_path)
    assert expected.returncode == 0, expected.stderr
    ours = scion("upgrade", "--all", "--defaults", "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert ours.returncode == 0, ours.stderr + ours.stdout
    assert differences(tree(by_copier), tree(by_scion)) == []
    # What the comparison covers: the recorded answer stood, the settings answered the new questions
    # (rendered, typed by the template's default), the template's default the question they do not name.
    assert (by_scion / "LICENCE").read_text().startswith("demo licence 2032 True template's ")
