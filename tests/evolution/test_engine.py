"""The learned-task engine over a real store: synthesis from recorded answers, stages up and down,
abstaining, the LLM teacher and the LLM code path."""

from __future__ import annotations

import functools
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from server.evolution import engine as engine_module
from server.evolution.dsl import CASES
from server.evolution.engine import LearnedTasks
from server.evolution.llm import LlmConfig, LlmUnavailable, ask_answer
from server.evolution.stages import CODE_FIRST, CODE_ONLY, HYBRID, LLM_ONLY, StageThresholds
from server.evolution.teacher import LlmTeacher
from server.store import Store
from server.templates.model import Question

from .contexts import features_for

TASK = "python/dataclass:class_name"
SMALL = StageThresholds(min_executions=4, min_kept_rate=0.75, min_code_answers=4)
PATHS = [
    "shop/order_item.py",
    "app/user.py",
    "net/http_client.py",
    "billing/invoice_line.py",
    "core/retry_policy.py",
    "web/session_store.py",
    "api/rate_limit.py",
    "db/connection_pool.py",
    "ui/main_window.py",
    "io/file_reader.py",
    "auth/token_cache.py",
    "jobs/email_sender.py",
    "geo/map_tile.py",
    "cli/arg_parser.py",
    "ml/feature_set.py",
    "os/proc_table.py",
]


def convention(path: str) -> str:
    return CASES["pascal"](features_for(path)["stem"]) + "Model"


@pytest.fixture
def store():
    with Store(":memory:") as opened:
        yield opened


@pytest.fixture
def engine(store, tmp_path: Path) -> LearnedTasks:
    return LearnedTasks(store, tmp_path, SMALL)


def answer(store: Store, path: str, producer: str = "user", kept: bool | None = True, value: str | None = None) -> None:
    store.record_execution(TASK, features_for(path), value or convention(path), producer, kept=kept)


def test_a_program_is_synthesised_from_kept_answers_and_saved(engine, store, tmp_path):
    for path in PATHS[:4]:
        answer(store, path)
    answer(store, "misc/ignored_thing.py", kept=False, value="Whatever")
    report = engine.run()
    (task,) = report.tasks
    assert task.new_program["program"] == "pascal(stem) + 'Model'"
    assert task.new_program["held_out_accuracy"] == 1.0
    source_file = tmp_path / ".scion" / "learned" / "python" / "dataclass" / "class_name" / "v1.py"
    assert Path(task.new_program["path"]) == source_file
    text = source_file.read_text()
    assert "Learned program for task: python/dataclass:class_name" in text and "Examples: 4" in text
    saved = store.active_program(TASK)
    assert saved["version"] == 1 and saved["source"] == text
    assert saved["provenance"]["origin"] == "synthesis" and saved["provenance"]["dsl"]
    found = engine.code_answer(TASK, features_for("geo/map_tile.py"))
    assert found.value == "MapTileModel" and found.version == 1


def test_too_few_or_contradictory_answers_give_no_program(engine, store):
    answer(store, PATHS[0])
    answer(store, PATHS[1])
    assert engine.run().tasks[0].new_program is None
    answer(store, PATHS[2], value="Nonsense")
    answer(store, PATHS[2], value="OtherNonsense")
    report = engine.run()
    assert report.tasks[0].new_program is None and store.active_program(TASK) is None
    assert store.get_stage(TASK) == LLM_ONLY


def test_stages_go_up_one_step_per_run_and_down_when_code_is_corrected(engine, store):
    for path in PATHS[:4]:
        answer(store, path)
    assert engine.run().tasks[0].new_stage == HYBRID
    assert engine.code_answer(TASK, features_for(PATHS[8])).settled  # 4 examples: confidence 0.8 >= 0.8

    for path in PATHS[4:8]:
        answer(store, path, producer="code")
    report = engine.run().tasks[0]
    assert report.new_stage == CODE_FIRST
    assert "code answers kept 100% of 4" in report.reason

    for path in PATHS[8:12]:
        answer(store, path, producer="code")
    assert engine.run().tasks[0].new_stage == CODE_ONLY
    assert engine.run().tasks[0].new_stage is None  # nothing new: stays

    for path in PATHS[12:16]:  # the user renames every class the program named
        answer(store, path, producer="code", kept=False)
    report = engine.run().tasks[0]
    assert (report.stage, report.new_stage) == (CODE_ONLY, CODE_FIRST)
    assert report.reason == "code answers kept 0% of 4 (below 75%)"
    transitions = [(t["from_stage"], t["to_stage"]) for t in store.transitions(TASK)]
    assert transitions == [(LLM_ONLY, HYBRID), (HYBRID, CODE_FIRST), (CODE_FIRST, CODE_ONLY), (CODE_ONLY, CODE_FIRST)]
    assert all(t["reason"] for t in store.transitions(TASK))


def test_a_changed_convention_is_learned_again_from_the_answers_since_the_change(engine, store):
    for path in PATHS[:4]:
        answer(store, path)
    engine.run()
    # The convention changes: the user now answers with a "Record" suffix.
    for path in PATHS[4:8]:
        answer(store, path, value=CASES["pascal"](features_for(path)["stem"]) + "Record")
    report = engine.run().tasks[0]
    assert any("got 4 of 4 recent kept answers wrong" in note for note in report.notes)
    # No program fits both conventions; the answers since the change point are the current one.
    assert report.new_program["program"] == "pascal(stem) + 'Record'"
    first_record = store.executions(TASK)[4]["id"]
    assert store.active_program(TASK)["provenance"]["convention_from"] == first_record
    moves = [(t["from_stage"], t["to_stage"], t["reason"]) for t in store.transitions(TASK)]
    assert [m[:2] for m in moves] == [(LLM_ONLY, HYBRID), (HYBRID, LLM_ONLY), (LLM_ONLY, HYBRID)]
    assert moves[1][2].startswith("drift:")
    # Re-learning needed as many answers as learning: the four since the change point.
    assert "4 executions, 100% kept" in moves[2][2]
    assert engine.code_answer(TASK, features_for(PATHS[12])).value == CASES["pascal"]("map_tile") + "Record"


def test_drift_with_too_few_new_answers_hands_the_task_back_to_the_teacher(engine, store):
    for path in PATHS[:4]:
        answer(store, path)
    engine.run()
    answer(store, PATHS[4], value="Entity" + CASES["pascal"](features_for(PATHS[4])["stem"]))
    report = engine.run().tasks[0]
    assert report.new_program is None and (report.stage, report.new_stage) == (HYBRID, LLM_ONLY)
    assert report.reason.startswith("drift:")
    assert engine.code_answer(TASK, features_for(PATHS[12])) is None  # refuted: it abstains


def test_rejected_code_answers_in_a_row_lower_confidence(engine, store):
    for path in PATHS[:4]:
        answer(store, path)
    engine.run()
    before = engine.code_answer(TASK, features_for(PATHS[12]))
    assert before.settled
    for path in PATHS[4:6]:
        store.record_execution(TASK, features_for(path), convention(path), "code", program_version=1, kept=False)
    engine.forget_models()
    after = engine.code_answer(TASK, features_for(PATHS[12]))
    assert after.value == before.value and after.confidence == pytest.approx(before.confidence / 4, abs=1e-3)
    assert not after.settled
    answer(store, PATHS[6], producer="code")  # one kept answer ends the run
    store.record_execution(TASK, features_for(PATHS[7]), convention(PATHS[7]), "code", program_version=1, kept=True)
    engine.forget_models()
    assert engine.code_answer(TASK, features_for(PATHS[12])).confidence >= before.confidence  # more support


def test_a_new_version_replaces_a_program_that_recent_answers_refute(engine, store):
    for path in ["order/order.py", "user/user.py", "cart/cart.py"]:
        answer(store, path, value=CASES["pascal"](features_for(path)["folder"]))
    engine.run()
    first = store.active_program(TASK)
    # stem == folder in every example: stem- and folder-based programs both fit, so a new input abstains.
    assert engine.code_answer(TASK, features_for("shop/basket.py")) is None
    answer(store, "shop/basket.py", value="Shop")
    report = engine.run().tasks[0]
    assert store.active_program(TASK)["version"] == first["version"] + (1 if report.new_program else 0)
    assert engine.code_answer(TASK, features_for("billing/invoice.py")).value == "Billing"


def test_dry_run_decides_but_saves_nothing(engine, store, tmp_path):
    for path in PATHS[:4]:
        answer(store, path)
    report = engine.run(dry_run=True).tasks[0]
    assert report.new_program["program"] == "pascal(stem) + 'Model'" and report.new_stage == HYBRID
    assert store.active_program(TASK) is None and store.get_stage(TASK) == LLM_ONLY
    assert not (tmp_path / ".scion" / "learned").exists()


def test_synthesis_runs_in_a_process_pool(store, tmp_path):
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        engine = LearnedTasks(store, tmp_path, SMALL, executor=pool)
        for path in PATHS[:4]:
            answer(store, path)
        assert engine.run().tasks[0].new_program["program"] == "pascal(stem) + 'Model'"


def test_run_stops_between_tasks_when_asked(engine, store):
    answer(store, PATHS[0])
    report = engine.run(should_stop=lambda: True)
    assert report.cancelled and report.tasks == []


# -- the LLM code path --------------------------------------------------------

LLM = LlmConfig(model="gpt-4o-mini")


def llm_writes(monkeypatch, source: str | None) -> list:
    calls = []

    def write_program(config, task, examples):
        calls.append(examples)
        if source is None:
            raise LlmUnavailable("LLM mock did not answer within 1 s")
        return source

    monkeypatch.setattr(engine_module, "write_program", write_program)
    return calls


def test_llm_program_wins_when_synthesis_finds_nothing(monkeypatch, store, tmp_path):
    # A convention outside the DSL: the stem reversed.
    source = "def infer(ctx: dict) -> str:\n    return ctx['stem'][::-1]\n"
    calls = llm_writes(monkeypatch, source)
    engine = LearnedTasks(store, tmp_path, SMALL, LLM)
    for path in PATHS[:6]:
        answer(store, path, value=features_for(path)["stem"][::-1])
    report = engine.run().tasks[0]
    assert calls and report.new_program["origin"] == "llm"
    assert report.new_program["held_out_accuracy"] == 1.0
    saved = store.active_program(TASK)
    assert "written by the LLM" in saved["source"] and saved["provenance"]["dsl"] == []
    found = engine.code_answer(TASK, features_for("geo/map_tile.py"))
    assert found.value == "elit_pam"  # answered through the sandbox


def test_synthesis_wins_a_tie_and_a_broken_llm_program_is_rejected_unrun(monkeypatch, store, tmp_path):
    llm_writes(monkeypatch, "import os\n\ndef infer(ctx):\n    return os.getcwd()\n")
    engine = LearnedTasks(store, tmp_path, SMALL, LLM)
    for path in PATHS[:4]:
        answer(store, path)
    report = engine.run().tasks[0]
    assert report.new_program["origin"] == "synthesis"
    rejected = next(c for c in report.new_program["candidates"] if c["origin"] == "llm")["rejected"]
    assert "import 'os' is not allowed" in rejected


def test_llm_failure_falls_back_to_synthesis(monkeypatch, store, tmp_path):
    llm_writes(monkeypatch, None)
    engine = LearnedTasks(store, tmp_path, SMALL, LLM)
    for path in PATHS[:4]:
        answer(store, path)
    report = engine.run().tasks[0]
    assert report.new_program["origin"] == "synthesis"
    assert any("did not answer within" in note for note in report.notes)


# -- abstaining hands the question to the teacher -------------------------------


class Template:
    id = "python/dataclass"
    title = "Python dataclass"


def test_abstaining_code_hands_over_to_the_llm_teacher(engine, store):
    pytest.importorskip("litellm")
    for path in ["order/order.py", "user/user.py", "cart/cart.py"]:
        answer(store, path, value=CASES["pascal"](features_for(path)["stem"]))
    engine.run()
    new_input = features_for("shop/basket.py")
    assert engine.code_answer(TASK, new_input) is None
    teacher = LlmTeacher(LLM, ask=functools.partial(ask_answer, mock_response="`Basket`"))
    question = Question(name="class_name", help="Name of the class")
    assert teacher.answer(Template(), question, {}, new_input) == "Basket"
    assert teacher.health.answered == 1


def test_teacher_failure_falls_back_and_pauses():
    now = [0.0]
    calls = []

    def unreachable(config, title, question, features):
        calls.append(question)
        raise LlmUnavailable("LLM mock did not answer within 1 s")

    teacher = LlmTeacher(LLM, ask=unreachable, clock=lambda: now[0])
    question = Question(name="class_name")
    assert teacher.answer(Template(), question, {}, features_for("a/b.py")) is None
    assert teacher.answer(Template(), question, {}, features_for("a/c.py")) is None
    assert len(calls) == 1 and teacher.health.failed == 1  # paused after the first failure
    now[0] += 3600
    teacher.answer(Template(), question, {}, features_for("a/d.py"))
    assert len(calls) == 2


def test_teacher_leaves_booleans_and_secrets_alone():
    teacher = LlmTeacher(LLM, ask=lambda *args: pytest.fail("asked"))
    assert teacher.answer(Template(), Question(name="frozen", type="bool"), {}, {}) is None
    assert teacher.answer(Template(), Question(name="token", secret=True), {}, {}) is None


# -- the same paths through litellm and a local OpenAI-compatible server ----------------


@pytest.fixture
def local_llm(stub_server):
    pytest.importorskip("litellm")

    def start(reply: str, delay_s: float = 0.0, timeout_s: float = 10.0) -> LlmConfig:
        api_base, _ = stub_server(reply=reply, delay_s=delay_s)
        return LlmConfig("hosted_vllm/stub", api_base, timeout_s=timeout_s)

    return start


def test_llm_written_program_through_a_local_server(local_llm, store, tmp_path):
    config = local_llm("```python\ndef infer(ctx: dict) -> str:\n    return ctx['stem'][::-1]\n```")
    engine = LearnedTasks(store, tmp_path, SMALL, config)
    for path in PATHS[:6]:
        answer(store, path, value=features_for(path)["stem"][::-1])
    report = engine.run().tasks[0]
    assert report.new_program["origin"] == "llm"
    assert engine.code_answer(TASK, features_for("geo/map_tile.py")).value == "elit_pam"


def test_teacher_through_a_local_server_and_its_timeout(local_llm):
    question = Question(name="class_name", help="Name of the class")
    teacher = LlmTeacher(local_llm("'OrderItem'"))
    assert teacher.answer(Template(), question, {}, features_for("shop/order_item.py")) == "OrderItem"
    slow = LlmTeacher(local_llm("'Late'", delay_s=5, timeout_s=0.5))
    started = time.monotonic()
    assert slow.answer(Template(), question, {}, features_for("shop/order_item.py")) is None
    assert time.monotonic() - started < 4
    assert "did not answer within 0.5 s" in slow.health.last_error
