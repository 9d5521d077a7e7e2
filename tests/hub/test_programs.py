"""Learned programs across a team: one instance decides and publishes, every other one checks before using."""

from __future__ import annotations

import psycopg

from server.evolution.engine import LearnedTasks
from server.evolution.programs import source_digest
from server.evolution.stages import StageThresholds
from server.hub.client import connected
from server.hub.sync import HubLink, SyncOptions
from server.store import Store
from server.store.outbox import Sharing
from server.templates.filters import pascal
from tests.hub.conftest import member_url
from tests.hub.test_sync import TASK, teach

THRESHOLDS = StageThresholds(min_executions=4, min_kept_rate=0.75, min_code_answers=1)
STEMS = ["order_item", "user", "http_client", "invoice_line", "email_sender"]


def promoted_at_ann(tmp_path, team) -> Store:
    """Ann's store after her engine learned pascal(stem) + 'Model' and promoted the task, and a sync."""
    store = Store(tmp_path / "ann.db")
    store.sharing = Sharing("ann-laptop")
    for number, stem in enumerate(STEMS):
        teach(store, f"a{number}", stem, pascal(stem) + "Model")
    LearnedTasks(store, tmp_path / "ann", THRESHOLDS, synthesis_budget_s=2.0).run()
    assert store.get_stage(TASK) == "hybrid"
    result = HubLink(member_url(team, "ann"), "ann-laptop", SyncOptions(workspace=tmp_path / "ann")).sync(store)
    assert result.programs.published == [TASK]
    return store


def test_a_promoted_program_is_published_once_and_adopted_after_checks(team, tmp_path):
    ann = promoted_at_ann(tmp_path, team)
    again = HubLink(member_url(team, "ann"), "ann-laptop").sync(ann)
    assert again.programs.published == []  # the hub has it: nothing is published twice
    with Store(tmp_path / "bob.db") as bob:
        bob.sharing = Sharing("bob-laptop")
        result = HubLink(member_url(team, "bob"), "bob-laptop", SyncOptions(workspace=tmp_path / "bob")).sync(bob)
        assert result.programs.adopted == [TASK] and result.programs.rejected == []
        program = bob.active_program(TASK)
        assert program["provenance"]["hub"] == {"version": 1, "published_by": "ann-laptop", "stage": "hybrid"}
        assert source_digest(program["source"]) == source_digest(ann.active_program(TASK)["source"])
        assert bob.get_stage(TASK) == "hybrid"
        assert "promoted by the team" in bob.transitions(TASK)[-1]["reason"]
        assert (tmp_path / "bob" / ".scion" / "learned").is_dir()
        answer = LearnedTasks(bob, tmp_path / "bob", THRESHOLDS).code_answer(TASK, {"stem": "map_tile"})
        assert answer is not None and answer.value == "MapTileModel" and answer.settled
    ann.close()


def test_a_program_that_breaks_the_sandbox_rules_is_never_used(team, tmp_path):
    with connected(member_url(team, "ann"), "ann-laptop") as ann:
        source = "import os\n\ndef infer(ctx):\n    return os.getcwd()\n"
        entry = {
            "task": TASK,
            "source": source,
            "sha256": source_digest(source),
            "examples": [{"ctx": {"stem": "user"}, "answer": "UserModel"}],
        }
        assert ann.publish_program(entry, "code_only") == "published"
    with Store(tmp_path / "bob.db") as bob:
        bob.sharing = Sharing("bob-laptop")
        result = HubLink(member_url(team, "bob"), "bob-laptop").sync(bob)
        assert result.programs.adopted == []
        assert "sandbox rules" in result.programs.rejected[0]["reason"]
        assert bob.active_program(TASK) is None and bob.get_stage(TASK) == "llm_only"


def test_only_the_holder_of_the_tasks_lock_decides(team, tmp_path):
    source = "def infer(ctx):\n    return ctx['stem']\n"
    entry = {"task": TASK, "source": source, "sha256": source_digest(source), "examples": []}
    with connected(member_url(team, "ann"), "ann-laptop") as ann, psycopg.connect(team) as other:
        key = f"scion:shop:program:{TASK}"
        other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        assert ann.publish_program(entry, "hybrid") == "busy"
        other.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        assert ann.publish_program(entry, "hybrid") == "published"
        assert ann.publish_program(entry, "hybrid") == "present"
        assert ann.publish_program(entry, "code_first") == "published"  # a later stage is a new decision
        versions = ann.conn.execute("SELECT version, stage FROM scion_hub.programs ORDER BY version").fetchall()
    assert versions == [(1, "hybrid"), (2, "code_first")]
