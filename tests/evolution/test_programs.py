"""Learned programs on disk and in the pattern library: the DSL round trip, export, and imports
that are validated again (a tampered library entry is rejected, never run unchecked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.common.errors import ScionError
from server.evolution.dsl import CASES
from server.evolution.engine import LearnedTasks
from server.evolution.programs import (
    ProgramFormatError,
    decode_program,
    encode_program,
    export_library,
    import_library,
    program_path,
    source_digest,
)
from server.evolution.stages import StageThresholds
from server.evolution.synthesis import synthesize
from server.store import Store

from .contexts import examples_for, features_for
from .conventions import CONVENTIONS

TASK = "elixir/phoenix-context:module"
SMALL = StageThresholds(min_executions=3, min_kept_rate=0.75, min_code_answers=3)
ELIXIR = [
    "lib/my_app/accounts/user.ex",
    "lib/shop/cart.ex",
    "lib/my_app/web/router.ex",
    "lib/billing/invoices/line_item.ex",
    "lib/my_app/orders/order.ex",
]


def elixir_module(path: str) -> str:
    parts = path.removesuffix(".ex").split("/")[1:]
    return ".".join(CASES["pascal"](part) for part in parts)


@pytest.mark.parametrize("convention", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_every_found_program_survives_the_json_round_trip(convention):
    _, language, training, unseen = convention
    for program in synthesize(examples_for(training, language))[:5]:
        again = decode_program(json.loads(json.dumps(encode_program(program))))
        assert again == program
        for features, _ in examples_for(unseen, language):
            assert again.evaluate(features) == program.evaluate(features)


@pytest.mark.parametrize(
    "data",
    [
        {"node": "Feature", "name": "__class__"},
        {"node": "Case", "case": "eval", "arg": {"node": "Feature", "name": "stem"}},
        {"node": "Exec", "code": "import os"},
        {"node": "AddSuffix", "text": {"not": "text"}, "arg": {"node": "Feature", "name": "stem"}},
        {"node": "Join", "separator": "."},
        "stem",
    ],
)
def test_decoding_refuses_anything_outside_the_dsl(data):
    with pytest.raises(ProgramFormatError):
        decode_program(data)


def test_program_paths_stay_inside_the_learned_folder(tmp_path):
    assert (
        program_path(tmp_path, "python/dataclass:class_name", 3)
        == tmp_path / ".scion/learned/python/dataclass/class_name/v3.py"
    )
    escaped = program_path(tmp_path, "../../etc:passwd", 1)
    assert escaped.resolve().is_relative_to((tmp_path / ".scion" / "learned").resolve())


def learned_workspace(tmp_path: Path, name: str) -> tuple[Store, Path]:
    workspace = tmp_path / name
    store = Store(workspace / ".scion" / "scion.db")
    for path in ELIXIR[:4]:
        store.record_execution(TASK, features_for(path, "elixir"), elixir_module(path), "user", kept=True)
    LearnedTasks(store, workspace, SMALL).run()
    return store, workspace


@pytest.fixture
def library(tmp_path) -> Path:
    store, _ = learned_workspace(tmp_path, "source")
    path = tmp_path / "patterns.json"
    with store:
        assert export_library(store, path) == 1
    return path


def test_export_holds_the_source_its_digest_and_examples_without_private_features(library):
    (entry,) = json.loads(library.read_text())["programs"]
    assert entry["task"] == TASK and entry["sha256"] == source_digest(entry["source"])
    assert len(entry["examples"]) == 4
    assert all("path" not in e["ctx"] and "identifiers" not in e["ctx"] for e in entry["examples"])
    assert entry["provenance"]["dsl"]


def test_import_validates_then_saves_and_answers(library, tmp_path):
    workspace = tmp_path / "target"
    with Store(workspace / ".scion" / "scion.db") as store:
        report = import_library(store, workspace, library, 0.9)
        assert report.rejected == [] and report.accepted[0]["version"] == 1
        saved = store.active_program(TASK)
        assert saved["provenance"]["origin"] == "import"
        assert Path(report.accepted[0]["path"]).read_text() == saved["source"]
        answer = LearnedTasks(store, workspace, SMALL).code_answer(TASK, features_for(ELIXIR[4], "elixir"))
        assert answer.value == "MyApp.Orders.Order"
        assert not answer.settled  # an imported program starts in llm_only and earns its stage here


def tamper(library: Path, change) -> Path:
    data = json.loads(library.read_text())
    change(data["programs"][0])
    library.write_text(json.dumps(data))
    return library


def malicious_source(entry: dict) -> None:
    entry["source"] = entry["source"].replace(
        "def infer(ctx: dict) -> str:", "import os\n\ndef infer(ctx: dict) -> str:\n    os.system('touch /tmp/pwned')"
    )
    entry["sha256"] = source_digest(entry["source"])


def wrong_answers(entry: dict) -> None:
    head, _, body = entry["source"].rpartition("    return ")  # the return of infer() itself
    entry["source"] = head + "    return 'Evil' + " + body
    entry["sha256"] = source_digest(entry["source"])


def swapped_dsl(entry: dict) -> None:
    entry["provenance"]["dsl"] = [{"node": "Const", "text": "Evil"}]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda entry: entry.update(source=entry["source"] + "\n# edited\n"), "does not match its sha256"),
        (malicious_source, "breaks the sandbox rules"),
        (wrong_answers, "does not give its own examples' answers"),
        (swapped_dsl, "its DSL program does not give its own examples' answers"),
        (lambda entry: entry["provenance"].update(dsl=[{"node": "Exec"}]), "bad DSL"),
        (lambda entry: entry.update(examples=[]), "no examples"),
    ],
    ids=["digest", "import-os", "wrong-answers", "swapped-dsl", "bad-dsl", "no-examples"],
)
def test_a_tampered_entry_is_rejected_and_nothing_is_saved(library, tmp_path, change, reason):
    tamper(library, change)
    workspace = tmp_path / "target"
    with Store(workspace / ".scion" / "scion.db") as store:
        report = import_library(store, workspace, library, 0.9)
        assert report.accepted == []
        assert reason in report.rejected[0]["reason"]
        assert store.programs() == []
    assert not (workspace / ".scion" / "learned").exists()


def test_import_is_checked_against_this_workspaces_kept_answers(library, tmp_path):
    workspace = tmp_path / "target"
    with Store(workspace / ".scion" / "scion.db") as store:
        # Here modules are named from the last folder only: the imported convention does not hold.
        for path in ELIXIR[:3]:
            store.record_execution(TASK, features_for(path, "elixir"), "X" + elixir_module(path), "user", kept=True)
        report = import_library(store, workspace, library, 0.9)
        assert "gets 0 of 3 of this workspace's kept answers right" in report.rejected[0]["reason"]


def test_not_a_library_is_a_clear_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format": "something else"}')
    with Store(":memory:") as store, pytest.raises(ScionError, match="not a Scion pattern library"):
        import_library(store, tmp_path, path, 0.9)


def test_cli_evolve_status_export_and_import(tmp_path, capsys):
    from server.cli import main

    source = tmp_path / "source"
    with Store(source / ".scion" / "scion.db") as store:
        for path in ELIXIR[:4]:
            store.record_execution(TASK, features_for(path, "elixir"), elixir_module(path), "user", kept=True)
    assert main(["evolve", "--workspace", str(source), "--dry-run", "--min-executions", "3"]) == 0
    assert "(dry run) 1 new program(s), 1 promotion(s)" in capsys.readouterr().out
    assert main(["evolve", "--workspace", str(source), "--min-executions", "3"]) == 0
    assert main(["evolve", "status", "--workspace", str(source), "--json"]) == 0
    capsys.readouterr()
    assert main(["evolve", "status", "--workspace", str(source), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["tasks"]
    assert row["stage"] == "hybrid" and row["program"]["version"] == 1
    library = tmp_path / "lib.json"
    assert main(["learned", "export", str(library), "--workspace", str(source)]) == 0
    target = tmp_path / "target"
    (target / ".scion").mkdir(parents=True)
    assert main(["learned", "import", str(library), "--workspace", str(target)]) == 0
    assert "imported elixir/phoenix-context:module as v1" in capsys.readouterr().out
    tamper(library, malicious_source)
    assert main(["learned", "import", str(library), "--workspace", str(target)]) == 1
    assert "breaks the sandbox rules" in capsys.readouterr().out
