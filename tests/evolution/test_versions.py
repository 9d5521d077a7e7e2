"""Learned program versions: per-version evidence, `scion learned rollback TASK [--to VERSION]` and what a
rollback means for the engine (the abandoned version's training answers are set aside, not re-learned)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.evolution.engine import LearnedTasks
from server.evolution.stages import StageThresholds
from server.evolution.versions import RollbackError, rollback_program, version_evidence
from server.store import Store
from server.templates.filters import pascal
from tests.conftest import scion_process

from .contexts import features_for

TASK = "python/dataclass:class_name"
SMALL = StageThresholds(min_executions=4, min_kept_rate=0.75, min_code_answers=4)
PATHS = [
    f"{folder}/{word}.py"
    for folder, word in zip(
        "abcdefghijkl",
        ["order", "user", "cart", "token", "price", "report", "email", "queue", "event", "rule", "line", "item"],
        strict=True,
    )
]


def learn_two_versions(store: Store, workspace: Path) -> LearnedTasks:
    engine = LearnedTasks(store, workspace, SMALL)
    for rel in PATHS[:4]:
        store.record_execution(TASK, features_for(rel), pascal(Path(rel).stem) + "Model", "user", kept=True)
    engine.run()
    store.record_execution(TASK, features_for(PATHS[4]), "PriceModel", "code", program_version=1, kept=True)
    store.record_execution(TASK, features_for(PATHS[5]), "ReportModel", "code", program_version=1, kept=False)
    for rel in PATHS[6:10]:
        store.record_execution(TASK, features_for(rel), pascal(Path(rel).stem) + "Record", "user", kept=True)
    engine.run()
    return engine


def test_every_version_keeps_its_evidence(tmp_path):
    with Store(":memory:") as store:
        learn_two_versions(store, tmp_path)
        first, second = version_evidence(store, TASK)
    assert (first.version, first.active, first.program) == (1, False, "pascal(stem) + 'Model'")
    assert (first.answered, first.kept, first.rejected, first.examples) == (2, 1, 1, 4)
    assert (second.version, second.active, second.program) == (2, True, "pascal(stem) + 'Record'")
    assert second.convention_from is not None and second.examples == 4


def test_rollback_reactivates_the_earlier_version_and_does_not_relearn_the_abandoned_one(tmp_path):
    with Store(":memory:") as store:
        engine = learn_two_versions(store, tmp_path)
        assert rollback_program(store, TASK) == (2, 1)
        engine.forget_models()
        assert engine.code_answer(TASK, features_for("m/basket.py")).value == "BasketModel"
        report = engine.run().tasks[0]
        assert report.new_program is None and store.active_program(TASK)["version"] == 1
        assert store.active_program(TASK)["provenance"]["rolled_back"]["from_version"] == 2
        # New answers judge the rolled-back version as usual: the user wants Record after all.
        for rel in PATHS[10:12]:
            store.record_execution(TASK, features_for(rel), pascal(Path(rel).stem) + "Record", "user", kept=True)
        engine.run()
        assert len(store.programs(TASK)) == 2 and store.active_program(TASK)["version"] == 1  # 2 answers: not yet
        store.record_execution(TASK, features_for("m/basket.py"), "BasketRecord", "user", kept=True)
        assert engine.run().tasks[0].new_program["program"] == "pascal(stem) + 'Record'"
        assert [row["version"] for row in store.programs(TASK)] == [1, 2, 3]


def test_rollback_refuses_what_cannot_be_done(tmp_path):
    with Store(":memory:") as store:
        with pytest.raises(RollbackError, match="has no learned program"):
            rollback_program(store, TASK)
        learn_two_versions(store, tmp_path)
        with pytest.raises(RollbackError, match="no program v7 \\(versions: v1, v2\\)"):
            rollback_program(store, TASK, 7)
        with pytest.raises(RollbackError, match="already the active"):
            rollback_program(store, TASK, 2)
        rollback_program(store, TASK, 1)
        with pytest.raises(RollbackError, match="no version older than the active v1"):
            rollback_program(store, TASK)


def test_cli_versions_and_rollback(tmp_path):
    (tmp_path / ".scion").mkdir()
    with Store(tmp_path / ".scion" / "scion.db") as store:
        learn_two_versions(store, tmp_path)
    listed = scion_process("learned", "versions", TASK, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "v2 *" in listed.stdout and "pascal(stem) + 'Model'" in listed.stdout and "1/2" in listed.stdout
    done = scion_process("learned", "rollback", TASK, "--to", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"task": TASK, "from": 2, "to": 1}
    again = scion_process("learned", "rollback", TASK, cwd=tmp_path)
    assert (
        again.returncode == 2
        and again.stderr.strip() == f"error: task {TASK!r} has no version older than the active v1"
    )
    versions = json.loads(scion_process("learned", "versions", TASK, "--json", cwd=tmp_path).stdout)
    assert [(v["version"], v["active"]) for v in versions] == [(1, True), (2, False)]
