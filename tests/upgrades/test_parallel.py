"""A batch prepared in several processes gives exactly what one process gives."""

from __future__ import annotations

import re

import pytest

from server.store import Store
from server.upgrades import parallel
from server.upgrades.batch import generated_files, upgrade_many
from server.upgrades.parallel import default_workers, plan_each
from tests.upgrades.test_service import V1, V2
from tests.upgrades.trees import Workspace

NAMES = [f"mod{index}" for index in range(12)]


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """Twelve generated modules: some edited (clean merges), one conflicting, one with a broken answer file."""
    workspace = Workspace(tmp_path / "ws")
    workspace.add(V1)
    for name in NAMES:
        workspace.generate("demo/module", "1.0.0", f"src/{name}.py", {"name": name})
    workspace.add(V2)
    for name in NAMES[::3]:
        workspace.write(
            f"src/{name}.py", workspace.read(f"src/{name}.py").replace("def main():\n", "def main():\n    setup()\n")
        )
    workspace.write("src/mod1.py", workspace.read("src/mod1.py").replace("return 1", "return 7"))
    workspace.write("src/mod2.py.template-answers.yml", "generations: [\n")
    return workspace


def _outcome(upgrade) -> tuple:
    # The upgrade time may fall in another second in the other run.
    change = upgrade.answer_change and tuple(
        re.sub(r"_upgraded_at: .*", "", text or "")
        for text in (upgrade.answer_change.old_text, upgrade.answer_change.new_text)
    )
    return (
        upgrade.answer_file,
        upgrade.status,
        upgrade.message,
        change,
        {path: (update.action, update.new_text, len(update.conflicts)) for path, update in upgrade.updates.items()},
        [(g.new.version, g.new.answers, g.new.files, g.template.id) for g in upgrade.generations],
    )


def test_workers_prepare_what_one_process_prepares(ws):
    answer_files = [path.with_name(path.name + ".template-answers.yml") for path in generated_files(ws.root)]
    alone = [_outcome(upgrade) for upgrade in plan_each(ws.upgrader(), answer_files, None, workers=1)]
    upgrader = ws.upgrader()
    together = list(plan_each(upgrader, answer_files, None, workers=3))

    assert [_outcome(upgrade) for upgrade in together] == alone
    statuses = [outcome[1] for outcome in alone]
    assert statuses.count("conflicted") == 1 and statuses.count("failed") == 1 and statuses.count("upgraded") == 10
    # Results refer to the parent's own template objects again, not to copies.
    assert all(g.template is upgrader.catalog.get("demo/module", "2.0.0") for u in together for g in u.generations)


def test_workers_read_the_store_through_their_own_connection(ws):
    store = Store(ws.root / ".scion" / "scion.db")
    store.add_dismissal(str(ws.root / "src/mod0.py"), "demo/module", "2.0.0")
    result = upgrade_many(ws.upgrader(store, honour_skips=True), generated_files(ws.root), workers=2)

    assert result.counts["skipped"] == 1 and "skipped for this file" in result.files[0].message
    assert (result.counts["upgraded"], result.counts["conflicted"], result.counts["failed"]) == (9, 1, 1)
    # The parent's connection still works after the workers are gone.
    assert len(store.upgrades(str(ws.root / "src/mod3.py"))) == 1


def test_asking_or_a_memory_store_keeps_the_batch_in_one_process(ws, monkeypatch):
    import multiprocessing  # parallel.py imports it only when it forks

    monkeypatch.setattr(multiprocessing, "get_context", lambda *args: pytest.fail("no workers expected"))
    answer_files = [path.with_name(path.name + ".template-answers.yml") for path in generated_files(ws.root)]
    list(plan_each(ws.upgrader(ask=lambda params: {}), answer_files, None, workers=4))
    list(plan_each(ws.upgrader(Store(":memory:")), answer_files, None, workers=4))


def test_small_batches_use_one_process(monkeypatch):
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    assert default_workers(parallel.PARALLEL_MIN_FILES - 1) == 1
    assert default_workers(parallel.PARALLEL_MIN_FILES) == 4


def test_large_batches_use_one_process_per_usable_core_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert default_workers(10_000) == 1
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert default_workers(10_000) == parallel.MAX_WORKERS


def test_other_systems_prepare_in_one_process(monkeypatch):
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert default_workers(10_000) == 1


def test_workers_go_only_to_idle_cores(monkeypatch):
    """A worker on a busy core made the batch slower (0.98 s against 0.60 s in one process)."""
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # the other core is busy
    assert default_workers(10_000) == 1
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.2, 1.0, 1.0))
    assert default_workers(10_000) == 2
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    assert default_workers(10_000) == 3


class _Sample:
    def __init__(self, free):
        self.free = free

    def free_cores(self, cores):
        return self.free


def test_a_sample_of_the_other_cores_decides_before_the_load_average(monkeypatch):
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (2.0, 2.0, 2.0))  # a minute ago: busy
    assert default_workers(10_000, _Sample(1.9)) == 2  # now: the other core is idle
    assert default_workers(10_000, _Sample(1.1)) == 1  # now: the other core is busy
    assert default_workers(10_000, _Sample(None)) == 1  # too short to tell: the load average


def test_the_core_sampler_reads_this_machine():
    sample = parallel.CoreSampler()
    deadline = parallel.time.monotonic() + 0.2
    while parallel.time.monotonic() < deadline:
        pass
    free = sample.free_cores(len(parallel.os.sched_getaffinity(0)))
    assert free is None or 0.0 <= free <= len(parallel.os.sched_getaffinity(0)) + 1
