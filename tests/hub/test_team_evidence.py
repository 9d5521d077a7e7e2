"""Team evidence reaches every decision: edit rates, answers linked to rejections, A/B trial verdicts.

Two instances (Ann and Bob), each with its own SQLite store, one real hub
(PostgreSQL). Each decision is one neither instance could make alone; the
teammate's rows count only at the share level they were shared at, and this
instance's own rows coming back from the hub never count twice.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.common.config import EvolutionSettings
from server.evolution.improve import run_improvement, with_team_evidence
from server.evolution.trials import review_trials, start_trial, trial_rows
from server.hub.admin import add_member
from server.hub.sync import HubLink, SyncOptions
from server.store import Store
from server.store.learning import task_name
from server.store.outbox import Sharing
from server.templates.catalog import BUILTIN_ROOT
from tests.evolution.test_improve import NAMES, TEMPLATE, render_block, with_future_import
from tests.hub.conftest import member_url
from tests.hub.test_team_improvement import catalog_of, workspace_of

# Kept every time (a success rate of 1.0), but edited: only the edit rate can make it worth improving.
EDITED_ONLY = EvolutionSettings(min_decided=10, improve_below=0.5, improve_edited_above=0.6)


class Pair:
    """Ann's and Bob's stores, workspaces and links to one hub."""

    def __init__(self, hub: str, root: Path, ann_share: str, bob_share: str) -> None:
        self.ann_ws, self.bob_ws = workspace_of(root / "ann"), workspace_of(root / "bob")
        self.ann = Store(root / "ann.db")
        self.bob = Store(root / "bob.db")
        self.ann.sharing = Sharing("ann-laptop", ann_share, self.ann_ws)
        self.bob.sharing = Sharing("bob-laptop", bob_share, self.bob_ws)
        self.ann_link = HubLink(member_url(hub, "ann"), "ann-laptop", SyncOptions(workspace=self.ann_ws))
        self.bob_link = HubLink(member_url(hub, "bob"), "bob-laptop", SyncOptions(workspace=self.bob_ws))

    def sync(self) -> None:
        for link, store in ((self.ann_link, self.ann), (self.bob_link, self.bob), (self.ann_link, self.ann)):
            link.sync(store)

    def close(self) -> None:
        for closing in (self.ann_link, self.bob_link, self.ann, self.bob):
            closing.close()


@pytest.fixture
def pair(hub, tmp_path) -> Iterator[callable]:
    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    made: list[Pair] = []

    def make(ann_share: str = "code", bob_share: str = "code") -> Pair:
        made.append(Pair(hub, tmp_path, ann_share, bob_share))
        return made[-1]

    yield make
    for each in made:
        each.close()


def kept_with_an_edit(store: Store, workspace: Path, names: list[str], version: str = "1.1.0") -> None:
    """Accepted generations whose users all added `from __future__ import annotations`."""
    for name in names:
        block, answers = render_block(catalog_of(workspace), name, version)
        generation = store.record_generation(
            TEMPLATE, version, f"src/{name.lower()}.py", "insert", answers, rendered_text=block, status="applied"
        )
        store.decide(generation, "accepted", 0.9, with_future_import(block, name))


def totals_of(store: Store) -> dict:
    [row] = [
        r for r in with_team_evidence(store.success_rates(), store.team_generation_totals()) if r["version"] == "1.1.0"
    ]
    return row


def test_an_edit_rate_from_both_instances_makes_a_kept_version_worth_improving(pair):
    team = pair("code", "code")
    kept_with_an_edit(team.ann, team.ann_ws, NAMES[:6])
    kept_with_an_edit(team.bob, team.bob_ws, NAMES[6:12])
    alone = run_improvement(team.ann, catalog_of(team.ann_ws), team.ann_ws, EDITED_ONLY, None, dry_run=True)
    assert alone["analysed"] == []  # six decided here, every one kept: nothing to go on alone

    team.sync()

    totals = totals_of(team.ann)
    assert (totals["accepted"], totals["edited"], totals["team_edited"], totals["rate"]) == (12, 12, 6, 1.0)
    assert totals["edit_rate"] == 1.0
    report = run_improvement(team.ann, catalog_of(team.ann_ws), team.ann_ws, EDITED_ONLY, None)
    [entry] = report["analysed"]
    assert (entry["decided"], entry["team_decided"], entry["edit_rate"]) == (12, 6, 1.0)
    assert entry["deployed"] == "1.2.0", entry


def test_edits_shared_without_their_code_are_not_counted(pair):
    team = pair("code", "answers")  # Bob shares his answers, not his code: his edits cannot be seen
    kept_with_an_edit(team.ann, team.ann_ws, NAMES[:6])
    kept_with_an_edit(team.bob, team.bob_ws, NAMES[6:12])

    team.sync()

    totals = totals_of(team.ann)
    assert (totals["accepted"], totals["edited"], totals.get("team_edited", 0)) == (6, 6, 0)
    assert run_improvement(team.ann, catalog_of(team.ann_ws), team.ann_ws, EDITED_ONLY, None)["analysed"] == []
    assert team.ann.team_arm_counts(TEMPLATE, "1.1.0", "") == (6, 6)  # the verdicts were shared, and count


def answered(store: Store, name: str, frozen: bool, verdict: str, corrected: bool = False) -> None:
    """A generation with answers {class_name, frozen}; `corrected`: kept, but its user renamed the class."""
    answers = {"class_name": name, "frozen": frozen}
    generation = store.record_generation(
        TEMPLATE,
        "1.1.0",
        f"src/{name.lower()}.py",
        "insert",
        answers,
        rendered_text=f"class {name}:\n",
        status="applied",
    )
    for question, value in answers.items():
        store.record_execution(task_name(TEMPLATE, question), {}, value, "user", generation_id=generation)
    store.decide(generation, verdict, 0.9, f"class {name}Renamed:\n" if corrected else f"class {name}:\n")
    store.mark_execution_kept(generation, None, verdict == "accepted")
    if corrected:
        store.mark_execution_kept(generation, task_name(TEMPLATE, "class_name"), False)


def verdict_of(store: Store, question: str, value: object) -> tuple[int, int]:
    [row] = [r for r in store.answer_verdicts(TEMPLATE, "1.1.0") if (r["question"], r["value"]) == (question, value)]
    return row["decided"], row["accepted"]


def test_answers_linked_to_rejections_count_the_teammates_answers(pair):
    team = pair("answers", "answers")
    for index in range(3):
        answered(team.ann, f"A{index}", True, "rejected")
        answered(team.bob, f"B{index}", True, "rejected")
        answered(team.bob, f"C{index}", False, "accepted")
    answered(team.ann, "Corrected", False, "accepted", corrected=True)

    team.sync()

    assert verdict_of(team.ann, "frozen", True) == (6, 0)  # three of Ann's rejections, three of Bob's
    assert verdict_of(team.ann, "frozen", False) == (4, 4)  # Bob's three kept, and Ann's kept one
    # Ann kept that generation but renamed the class it was settled with: a rejection of that answer.
    assert verdict_of(team.ann, "class_name", "Corrected") == (1, 0)
    assert verdict_of(team.bob, "class_name", "Corrected") == (1, 0)  # the same, seen from Bob's side


def test_answers_shared_at_stats_level_are_not_counted(pair):
    team = pair("answers", "stats")
    answered(team.ann, "A", True, "rejected")
    answered(team.bob, "B", True, "rejected")

    team.sync()

    assert verdict_of(team.ann, "frozen", True) == (1, 0)  # Bob's answers never left his machine
    assert verdict_of(team.bob, "frozen", True) == (2, 0)  # Ann shared hers


def candidate_on_trial(store: Store, workspace: Path) -> None:
    """The same candidate 1.2.0 on trial in a workspace (each instance evolved it from the same team evidence)."""
    candidate = workspace / "candidate"
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", candidate)
    [source] = (candidate / "files").iterdir()
    source.write_text("from __future__ import annotations\n" + source.read_text())
    template = catalog_of(workspace).get(TEMPLATE, "1.1.0")
    start_trial(workspace, store, template, candidate, "1.2.0", 0.5, ["the future import"], {})
    shutil.rmtree(candidate)


def verdicts(store: Store, version: str, kept: int, rejected: int) -> None:
    for index in range(kept + rejected):
        generation = store.record_generation(
            TEMPLATE, version, f"src/m{version}_{index}.py", "insert", {}, rendered_text="x = 1\n", status="applied"
        )
        store.decide(generation, "accepted" if index < kept else "rejected", 0.9, "x = 1\n" if index < kept else "")


def test_a_trial_is_decided_by_the_verdicts_of_two_instances_neither_has_enough_of_alone(pair):
    team = pair("code", "stats")  # verdicts are shared at every level
    for store, workspace in ((team.ann, team.ann_ws), (team.bob, team.bob_ws)):
        candidate_on_trial(store, workspace)  # the arms count the verdicts since the trial began
    for store in (team.ann, team.bob):
        verdicts(store, "1.2.0", kept=12, rejected=0)
        verdicts(store, "1.1.0", kept=4, rejected=8)
    [alone] = review_trials(team.ann, team.ann_ws, dry_run=True)["running"]
    assert (alone["trial"], alone["verdict"]) == ({"kept": 12, "decided": 12}, "continue")  # 20 needed per arm

    team.sync()

    [row] = trial_rows(team.ann)
    assert (row["trial"], row["control"]) == ({"kept": 24, "decided": 24}, {"kept": 8, "decided": 24})
    for store, workspace in ((team.ann, team.ann_ws), (team.bob, team.bob_ws)):
        report = review_trials(store, workspace)
        assert len(report["deployed"]) == 1, report
        [deployed] = report["deployed"]
        assert (deployed["version"], deployed["verdict"]) == ("1.2.0", "deploy")
        assert (workspace / ".scion" / "templates" / TEMPLATE / "1.2.0" / "template.yml").is_file()


def test_own_rows_coming_back_from_the_hub_are_not_counted_twice(pair, hub):
    team = pair("code", "code")
    verdicts(team.ann, "1.1.0", kept=3, rejected=1)
    team.sync()
    assert team.ann.team_arm_counts(TEMPLATE, "1.1.0", "") == (0, 0)  # the hub leaves Ann's own id out

    # The same database under a new instance id (a reinstalled machine): its old rows are teammates' now.
    team.ann.sharing = Sharing("ann-desktop", "code", team.ann_ws)
    renamed = HubLink(member_url(hub, "ann"), "ann-desktop", SyncOptions(workspace=team.ann_ws))
    try:
        renamed.sync(team.ann)
    finally:
        renamed.close()
    assert team.ann.team_arm_counts(TEMPLATE, "1.1.0", "") == (0, 0)  # they are in its own table already
    assert team.bob.team_arm_counts(TEMPLATE, "1.1.0", "") == (3, 4)


def test_a_pull_is_bounded_to_the_newest_rows_in_pages(pair, hub):
    from tests.hub.test_sync import teach

    team = pair("code", "answers")
    for index in range(25):
        teach(team.bob, f"g{index:02}", f"m{index}", f"M{index}Model")
    team.bob_link.sync(team.bob)
    capped = HubLink(member_url(hub, "ann"), "ann-laptop", SyncOptions(workspace=team.ann_ws, page=4, max_rows=10))
    try:
        capped.sync(team.ann)  # a new member: 25 of each waiting, 10 pulled (the newest), 4 at a time
        pulled = team.ann._rows("SELECT id FROM team_generations ORDER BY id")
        assert [row["id"] for row in pulled] == [f"g{index:02}" for index in range(15, 25)]
        executions = team.ann._rows("SELECT generation_id FROM task_executions WHERE origin = 'bob-laptop'")
        assert sorted(row["generation_id"] for row in executions) == [f"g{index:02}" for index in range(15, 25)]

        for index in range(25, 28):
            teach(team.bob, f"g{index:02}", f"m{index}", f"M{index}Model")
        team.bob_link.sync(team.bob)
        capped.sync(team.ann)  # the next sync takes what came since
        assert team.ann._scalar("SELECT count(*) FROM team_generations WHERE id >= 'g25'") == 3
        assert team.ann._scalar("SELECT count(*) FROM task_executions WHERE generation_id >= 'g25'") == 3
    finally:
        capped.close()
