"""A batch prepared in several processes gives exactly what one process gives."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest

from server.common.cpu_sample import MIN_SAMPLE, CpuReading, CpuSample, allowed_cpus, free_cores, read_cpu
from server.store import Store
from server.upgrades import parallel, workers
from server.upgrades.batch import generated_files, plan_batch, upgrade_many
from server.upgrades.parallel import plan_each
from server.upgrades.workers import sampled_workers, workers_for
from tests.conftest import scion_process
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


def _readings(*readings):
    """A `read` for CpuSample that returns these readings in turn, then the last one again."""
    queue = list(readings)
    return lambda: queue.pop(0) if len(queue) > 1 else queue[0]


def _sample(end_idle: int, *, ticks: int = 12, steps_before_long: int = 0) -> CpuSample:
    """A sample of 2 cores over 60 ms in which this process was busy all along and the cores idled `end_idle` ticks."""
    calls = iter(range(10_000))
    start = CpuReading(idle=1000, total=5000, wall=10.0, own=1.0)
    end = CpuReading(idle=1000 + end_idle, total=5000 + ticks, wall=10.06, own=1.06)
    return CpuSample(_readings(start, end), cores=2, clock=lambda: 10.0 if next(calls) < steps_before_long else 10.06)


@pytest.fixture
def small_batches(monkeypatch):
    """Workers for batches of 4 files or more, so that the twelve-file workspace is a large batch."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 4)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 4)
    monkeypatch.setattr(workers.sys, "platform", "linux")


def test_the_parent_plans_while_the_sample_is_short_then_forks_onto_the_idle_core(ws, small_batches, caplog):
    answer_files = [path.with_name(path.name + ".template-answers.yml") for path in generated_files(ws.root)]
    alone = [_outcome(upgrade) for upgrade in plan_each(ws.upgrader(), answer_files, None, workers=1)]
    caplog.set_level(logging.INFO, logger="scion.upgrades.workers")

    # The other core idled half of the sample's ticks (6 of 12): it is free.
    sampled = list(plan_each(ws.upgrader(), answer_files, None, workers=_sample(6, steps_before_long=4)))

    assert [_outcome(upgrade) for upgrade in sampled] == alone
    # Four files were planned while the sample grew (the fifth look found it long enough); two workers did the rest.
    assert [record.getMessage() for record in caplog.records] == [
        "8 files: 2 process(es), 2.00 of 2 cores free (sampled)"
    ]


def test_a_busy_other_core_keeps_the_batch_in_one_process(ws, small_batches, monkeypatch, caplog):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_context", lambda *args: pytest.fail("no workers expected"))
    caplog.set_level(logging.INFO, logger="scion.upgrades.workers")
    answer_files = [path.with_name(path.name + ".template-answers.yml") for path in generated_files(ws.root)]

    plans = list(plan_each(ws.upgrader(), answer_files, None, workers=_sample(0)))

    assert len(plans) == len(answer_files)
    assert [record.getMessage() for record in caplog.records] == [
        "12 files: 1 process(es), 1.00 of 2 cores free (sampled)"
    ]


def test_asking_needs_no_sample(ws, small_batches, caplog):
    caplog.set_level(logging.INFO, logger="scion.upgrades.workers")
    answer_files = [path.with_name(path.name + ".template-answers.yml") for path in generated_files(ws.root)]
    sample = _sample(6, steps_before_long=10_000)  # never long enough: a wait would plan every file first
    assert len(list(plan_each(ws.upgrader(ask=lambda params: {}), answer_files, None, workers=sample))) == 12
    assert not caplog.records


def test_free_cores_count_idle_ticks_and_this_process():
    start = CpuReading(idle=100, total=500, wall=1.0, own=0.5)
    # 2 cores over 60 ms: 12 ticks; this process ran all along.
    other_idle = CpuReading(idle=106, total=512, wall=1.06, own=0.56)
    other_busy = CpuReading(idle=100, total=512, wall=1.06, own=0.56)
    other_half = CpuReading(idle=103, total=512, wall=1.06, own=0.56)
    assert free_cores(start, other_idle, 2) == pytest.approx(2.0)
    assert free_cores(start, other_busy, 2) == pytest.approx(1.0)
    assert free_cores(start, other_half, 2) == pytest.approx(1.5)
    # This process waiting (on the disk, say) while both cores idled: both free.
    assert free_cores(start, CpuReading(112, 512, 1.06, 0.5), 2) == pytest.approx(2.0)
    # Fewer than 5 ticks a core: noise.
    assert free_cores(start, CpuReading(104, 508, 1.04, 0.54), 2) is None


def test_workers_go_only_to_cores_free_enough():
    assert workers_for(10_000, 2, 2.0) == 2
    assert workers_for(10_000, 2, 1.75) == 2
    assert workers_for(10_000, 2, 1.5) == 1  # half a core: a worker there costs more than it gives
    assert workers_for(10_000, 2, 1.0) == 1
    assert workers_for(10_000, 8, 3.7) == 3  # the fourth core, 0.7 free, is not free enough
    assert workers_for(10_000, 64, 64.0) == workers.MAX_WORKERS
    assert workers_for(workers.PARALLEL_MIN_FILES - 1, 8, 8.0) == 1


def test_no_sample_falls_back_to_the_load_average(monkeypatch):
    monkeypatch.setattr(workers.sys, "platform", "linux")
    no_proc = CpuSample(lambda: None, cores=2)
    assert no_proc.long_enough()  # nothing to wait for
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (0.2, 1.0, 1.0))
    assert sampled_workers(10_000, no_proc) == 2
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert sampled_workers(10_000, no_proc) == 1


def test_a_sample_decides_before_the_load_average(monkeypatch):
    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (2.0, 2.0, 2.0))  # a minute ago: busy
    assert sampled_workers(10_000, _sample(6)) == 2  # now: the other core is idle
    monkeypatch.setattr(workers.os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # a minute ago: idle
    assert sampled_workers(10_000, _sample(0)) == 1  # now: the other core is busy


def test_small_batches_and_other_systems_use_one_process(monkeypatch):
    monkeypatch.setattr(workers.sys, "platform", "linux")
    assert sampled_workers(workers.PARALLEL_MIN_FILES - 1, _sample(6)) == 1
    assert sampled_workers(workers.PARALLEL_MIN_FILES, _sample(6)) == 2
    monkeypatch.setattr(workers.sys, "platform", "darwin")
    assert sampled_workers(10_000, _sample(6)) == 1


def test_the_sample_reads_the_cores_this_process_may_run_on():
    cpus = sorted(allowed_cpus())
    everything, first = read_cpu(cpus), read_cpu(cpus[:1])
    if everything is None:
        pytest.skip("no /proc/stat here")
    assert first is not None and 0 <= first.idle <= first.total
    # One core's ticks are its share of all the allowed cores' (read a moment apart: within a few ticks).
    assert first.total <= everything.total + 10
    if len(cpus) > 1:
        assert first.total < everything.total
    sample = CpuSample()
    deadline = time.monotonic() + MIN_SAMPLE
    while not sample.long_enough():
        assert time.monotonic() < deadline + 1
    free = sample.free_cores()
    assert free is None or 0.0 <= free <= sample.cores


def test_a_large_batch_through_the_cli_process_is_what_one_process_plans(tmp_path):
    """Whatever the sample says on this machine now, the CLI upgrades a large batch as one process would."""
    workspace = Workspace(tmp_path / "ws")
    workspace.add(V1)
    names = [f"mod{index}" for index in range(workers.PARALLEL_MIN_FILES + 20)]
    for name in names:
        workspace.generate("demo/module", "1.0.0", f"src/{name}.py", {"name": name})
    workspace.add(V2)
    for name in names[::7]:  # some edited by the user: merged
        workspace.write(
            f"src/{name}.py", workspace.read(f"src/{name}.py").replace("def main():\n", "def main():\n    setup()\n")
        )
    planned = plan_batch(workspace.upgrader(), generated_files(workspace.root), workers=1)
    expected = {path: update.new_text for plan in planned.files for path, update in plan.updates.items()}

    done = scion_process("upgrade", "--all", "--defaults", "--json", "--workspace", str(workspace.root), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["upgraded"] == len(names)
    assert len(planned.files) == len(names) and all(plan.status == "upgraded" for plan in planned.files)
    # Every file the plans touch holds what one process planned (None: 2.0.0 dropped it).
    assert all((path.read_text() if path.exists() else None) == text for path, text in expected.items())
