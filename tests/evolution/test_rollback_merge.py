"""After a rollback, files generated from or upgraded to the withdrawn version are offered a merge back to the
version that remains (in `scion check` and the detector the editor uses), and the merge keeps their edits."""

from __future__ import annotations

import json
import shutil

from server.evolution.deploy import rollback
from server.evolution.improve import run_improvement
from server.store import Store
from server.templates.catalog import BUILTIN_ROOT
from server.upgrades.detect import Detector
from server.upgrades.service import Upgrader
from tests.conftest import scion_process

from .test_improve import TEMPLATE, catalog_of, seed, settings

FUTURE = "from __future__ import annotations\n"


def test_a_file_of_a_rolled_back_version_merges_back_and_keeps_its_edits(workspace):
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", workspace / ".scion" / "templates" / TEMPLATE / "1.1.0")
    with Store(workspace / ".scion" / "scion.db") as store:
        seed(store, catalog_of(workspace), edited=12, accepted=12)
        [deployed] = run_improvement(store, catalog_of(workspace), workspace, settings(), None)["deployed"]
    assert deployed["version"] == "1.2.0"
    assert scion_process("generate", TEMPLATE, "--path", "src/order.py", "--defaults", cwd=workspace).returncode == 0
    order = workspace / "src" / "order.py"
    assert order.read_text().startswith(FUTURE)
    order.write_text(order.read_text() + "\n\n# the team's own note\n")
    with Store(workspace / ".scion" / "scion.db") as store:
        assert rollback(workspace, store, TEMPLATE) == "1.2.0"

    check = scion_process("check", "--json", cwd=workspace)
    assert check.returncode == 1, check.stderr
    [offer] = json.loads(check.stdout)
    assert (offer["from"], offer["to"]) == ("1.2.0", "1.1.0")
    assert "withdrawn" in offer["summary"] and "keeping your edits" in offer["summary"]
    [detected] = Detector(catalog_of(workspace), workspace).offers(order.with_name("order.py.template-answers.yml"))
    assert detected.to_version == "1.1.0"

    with Store(workspace / ".scion" / "scion.db") as store:
        outcome = Upgrader(catalog_of(workspace), workspace, store).upgrade(order)

    assert outcome.status == "upgraded", outcome.message
    text = order.read_text()
    assert not text.startswith(FUTURE) and "from dataclasses import dataclass" in text
    assert text.endswith("# the team's own note\n")
    assert "version: 1.1.0" in order.with_name("order.py.template-answers.yml").read_text()
    assert scion_process("check", cwd=workspace).returncode == 0


def test_a_newer_version_from_elsewhere_is_not_taken_back(workspace):
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", workspace / ".scion" / "templates" / TEMPLATE / "1.1.0")
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", workspace / ".scion" / "templates" / TEMPLATE / "1.3.0")
    assert scion_process("generate", TEMPLATE, "--path", "src/order.py", "--defaults", cwd=workspace).returncode == 0
    shutil.rmtree(workspace / ".scion" / "templates" / TEMPLATE / "1.3.0")  # not withdrawn: just not here

    check = scion_process("check", "--json", cwd=workspace)

    assert check.returncode == 0 and json.loads(check.stdout) == []
