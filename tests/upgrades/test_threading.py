"""The threading rule of the upgrade handlers (docs/internals.md, "Threading"): workers read snapshots."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from server.features.upgrade_detection import UpgradeDetection
from server.features.upgrade_threads import DocumentSnapshot, WrongThread, in_worker, on_loop
from server.upgrades.detect import Detector
from tests.upgrades.test_service import V1, V2
from tests.upgrades.trees import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    workspace.add(V1)
    workspace.generate("demo/module", "1.0.0", "src/app.py", {"name": "app"})
    workspace.add(V2)
    return workspace


def test_detection_reads_the_documents_from_its_snapshot(ws):
    primary = ws.root / "src/app.py"
    answer_file = primary.with_name("app.py.template-answers.yml")
    detection = UpgradeDetection(SimpleNamespace())
    typed = "def main():  # the editor's buffer, not the disk\n"
    snapshot = DocumentSnapshot({primary: typed + ws.read("src/app.py")}, {})

    [found] = detection.detect(Detector(ws.catalog(), ws.root), None, snapshot, [answer_file])

    [diagnostic] = found.diagnostics
    assert diagnostic.range.end.character == len(typed) - 1
    # Without the document in the snapshot, the disk is read.
    [found] = detection.detect(Detector(ws.catalog(), ws.root), None, DocumentSnapshot({}, {}), [answer_file])
    assert found.diagnostics[0].range.end.character == len("def main():")


async def test_a_worker_function_called_on_the_loop_is_refused():
    @in_worker
    def blocking() -> int:
        return 1

    with pytest.raises(WrongThread, match="run it in a worker"):
        blocking()
    assert await asyncio.to_thread(blocking) == 1


async def test_a_loop_function_called_from_a_worker_is_refused():
    @on_loop
    def changes_state() -> int:
        return 1

    assert changes_state() == 1
    with pytest.raises(WrongThread, match="must run on the event loop"):
        await asyncio.to_thread(changes_state)


def test_every_upgrade_handler_declares_where_it_runs():
    from server.features import upgrade_batch, upgrade_commands, upgrade_conflicts, upgrades

    handlers = [
        upgrades.UpgradeService.document_opened,
        upgrades.UpgradeService.document_saved,
        upgrades.UpgradeService.settings_changed,
        upgrades.UpgradeService.code_actions,
        upgrades.UpgradeService.set_offers,
        upgrades.UpgradeService.publish,
        upgrades.UpgradeService.after_upgrade,
        upgrade_conflicts.ConflictScanner.document_changed,
        upgrade_conflicts.ConflictScanner.scan,
        upgrade_commands.upgrade,
        upgrade_commands.skip,
        upgrade_commands.resolve,
        upgrade_batch.upgrade_all,
    ]
    assert {handler.__qualname__: getattr(handler, "runs_on", None) for handler in handlers} == {
        handler.__qualname__: "loop" for handler in handlers
    }
    assert getattr(UpgradeDetection.detect, "runs_on", None) == "worker"
    assert threading.current_thread() is threading.main_thread()
