"""`scion generate SRC --path DEST --defaults` writes the tree `copier copy --defaults SRC DEST` writes.

Each scenario (scenarios/*.yml) is a git template built on the spot; both
tools run as processes on it with the same answers, and the trees (bytes,
executable bits, folders, the answers file) must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.copier.scenarios import Scenario, load_scenarios
from tests.copier.support import copier, differences, git_template, scion, tree

SCENARIOS = load_scenarios()


def build(scenario: Scenario, root: Path) -> Path:
    versions = [(v.get("tag", ""), v["files"]) for v in scenario.versions]
    executable = tuple(name for v in scenario.versions for name in v.get("executable", ()))
    return git_template(root / "template", versions, executable=executable)


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.difference is None], ids=lambda s: s.name)
def test_generate_writes_what_copier_copy_writes(scenario: Scenario, tmp_path: Path) -> None:
    build(scenario, tmp_path)
    # The same folder name on both sides: templates may render `_folder_name`.
    expected = copier("copy", *scenario.copy_args(), "template", "copier/out", cwd=tmp_path, home=tmp_path)
    assert expected.returncode == 0, expected.stderr
    ours = scion("generate", "template", "--path", "scion/out", *scenario.scion_args(), cwd=tmp_path, home=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert differences(tree(tmp_path / "copier/out"), tree(tmp_path / "scion/out")) == []


YIELD_REFUSED = {
    "in-a-file": {"copier.yml": "strings: [a]\n", "file.txt.jinja": "{% yield s from strings %}{{ s }}{% endyield %}"},
    "twice-in-a-name": {
        "copier.yml": "strings: [a]\n",
        "{% yield x from strings %}{{ x }}{% endyield %}{% yield y from strings %}{{ y }}{% endyield %}": "",
    },
}


@pytest.mark.parametrize("name", sorted(YIELD_REFUSED))
def test_a_misplaced_yield_tag_is_refused_as_copier_refuses_it(tmp_path: Path, name: str) -> None:
    # Ported from copier's tests/test_dynamic_file_structures.py (test_raise_yield_tag_in_file, ..._multiple_yield_tags).
    git_template(tmp_path / "template", [("v1", YIELD_REFUSED[name])])
    refused = copier("copy", "--defaults", "template", "copier/out", cwd=tmp_path, home=tmp_path)
    assert refused.returncode != 0 and "yield" in refused.stderr.lower()
    done = scion("generate", "template", "--path", "scion/out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 2, done.stdout
    assert "yield" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "scion/out").exists()
