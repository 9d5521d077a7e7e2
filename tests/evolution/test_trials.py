"""A/B trials: a candidate whose lead is uncertain is served to a share of new generations, then deployed or
dropped by the sequential test on kept rates, by itself."""

from __future__ import annotations

import json
import random

from server.common.config import EvolutionSettings
from server.evolution.improve import run_improvement
from server.evolution.sequential import DEPLOY, DROP, Arm, decide, probability_better
from server.evolution.trials import serve, trials_root
from server.store import Store
from server.templates.answers import resolve_answers
from server.templates.render import render_template

from .test_improve import TEMPLATE, catalog_of, render_block, seed
from .test_improve import workspace as workspace  # the fixture: 1.1.0 pinned in the workspace

FUTURE = "from __future__ import annotations\n"


def trial_settings():
    return EvolutionSettings(min_decided=10, improve_below=0.8, trial_share=0.2)


def start_a_trial(workspace):
    """8 of 12 users add the import, 4 keep the block as it is: a lead, but not a certain one."""
    store, catalog = Store(workspace / ".scion" / "scion.db"), catalog_of(workspace)
    seed(store, catalog, edited=8, accepted=12)
    report = run_improvement(store, catalog, workspace, trial_settings(), None)
    return store, catalog, report


def verdicts(store, version: str, kept: int, rejected: int) -> None:
    for index in range(kept + rejected):
        generation = store.record_generation(TEMPLATE, version, f"src/m{index}.py", "insert", {}, status="applied")
        store.decide(generation, "accepted" if index < kept else "rejected", 0.9, "")


def test_an_uncertain_candidate_goes_to_a_trial_instead_of_being_deployed(workspace):
    store, catalog, report = start_a_trial(workspace)

    [entry] = report["analysed"]
    assert entry["advantage"]["verdict"] == "uncertain" and entry["deployed"] is None
    assert entry["trial"]["version"] == "1.2.0" and report["trials"] == [entry["trial"]]
    assert catalog.get(TEMPLATE).version == "1.1.0"  # nothing offers or upgrades to a candidate on trial
    assert (trials_root(workspace) / TEMPLATE / "1.2.0" / "template.yml").is_file()
    [trial] = store.trials(TEMPLATE)
    assert (trial["state"], trial["parent_version"], trial["share"]) == ("running", "1.1.0", 0.2)


def test_the_trial_is_served_to_its_share_of_new_generations(workspace):
    store, catalog, _ = start_a_trial(workspace)
    rng = random.Random(3)

    served = [serve(store, workspace, catalog.get(TEMPLATE), rng).version for _ in range(1000)]

    assert 150 < served.count("1.2.0") < 250 and served.count("1.1.0") == 1000 - served.count("1.2.0")
    candidate = serve(store, workspace, catalog.get(TEMPLATE), _Always())
    assert candidate.version == "1.2.0"
    features = {"stem": "voucher", "place": "module", "language": "python", "identifiers": []}
    answers = resolve_answers(candidate, features, {"class_name": "Voucher"}).answers
    assert render_template(candidate, answers, features).primary.text.startswith(FUTURE)


class _Always(random.Random):
    """A draw that always falls inside the trial's share."""

    def random(self) -> float:
        return 0.0


def test_a_trial_kept_more_often_is_deployed_by_the_next_run(workspace):
    store, catalog, _ = start_a_trial(workspace)
    verdicts(store, "1.2.0", kept=38, rejected=2)
    verdicts(store, "1.1.0", kept=20, rejected=20)

    report = run_improvement(store, catalog, workspace, trial_settings(), None)

    assert [d["version"] for d in report["deployed"]] == ["1.2.0"]
    assert catalog.get(TEMPLATE).version == "1.2.0"
    [trial] = store.trials(TEMPLATE)
    assert trial["state"] == "deployed" and trial["decision"]["verdict"] == DEPLOY
    [deployment] = store.deployments(TEMPLATE)
    assert deployment["evidence"]["trial"]["trial"] == {"kept": 38, "decided": 40}
    block, _ = render_block(catalog, "Voucher")
    assert block.startswith(FUTURE)


def test_a_trial_kept_less_often_is_dropped_to_the_withdrawn_versions(workspace):
    store, catalog, _ = start_a_trial(workspace)
    verdicts(store, "1.2.0", kept=5, rejected=25)
    verdicts(store, "1.1.0", kept=30, rejected=10)

    report = run_improvement(store, catalog, workspace, trial_settings(), None)

    assert [d["version"] for d in report["dropped"]] == ["1.2.0"] and report["deployed"] == []
    assert catalog.get(TEMPLATE).version == "1.1.0"
    assert not (trials_root(workspace) / TEMPLATE / "1.2.0").exists()
    assert (workspace / ".scion" / "rolled-back" / TEMPLATE / "1.2.0" / "template.yml").is_file()
    assert store.trials(TEMPLATE)[0]["decision"]["verdict"] == DROP


def test_the_sequential_test_waits_for_evidence_and_is_exact():
    assert decide(Arm(20, 20), Arm(0, 19)).verdict == "continue"
    assert decide(Arm(40, 40), Arm(20, 40)).verdict == DEPLOY
    assert decide(Arm(10, 40), Arm(30, 40)).verdict == DROP
    assert decide(Arm(30, 40), Arm(31, 40)).verdict == "continue"
    assert abs(probability_better(Arm(5, 10), Arm(5, 10)) - 0.5) < 1e-9
    assert abs(probability_better(Arm(30, 50), Arm(100, 200)) - 0.8949) < 1e-3  # checked by Monte Carlo


def test_trials_are_shown_by_evolve_status_and_the_html_report(workspace, capsys):
    from server.cli import main

    store, _, _ = start_a_trial(workspace)
    verdicts(store, "1.2.0", kept=3, rejected=1)
    store.close()

    assert main(["evolve", "status", "--workspace", str(workspace)]) == 0
    text = capsys.readouterr().out
    assert "A/B trials of template versions" in text
    assert "python/dataclass  1.2.0      1.1.0   20%    running  3/4 (75%)" in text
    assert main(["evolve", "status", "--workspace", str(workspace), "--json"]) == 0
    [trial] = json.loads(capsys.readouterr().out)["trials"]
    assert (trial["version"], trial["state"], trial["trial"]) == ("1.2.0", "running", {"kept": 3, "decided": 4})
    report = workspace / "report.html"
    assert main(["stats", "--workspace", str(workspace), "--html", str(report)]) == 0
    html = report.read_text()
    assert "A/B trials of candidate versions" in html and "3 of 4 (75%)" in html


def test_evolve_prints_tables_not_a_python_dict(workspace, capsys):
    from server.cli import main

    with Store(workspace / ".scion" / "scion.db") as store:
        seed(store, catalog_of(workspace), edited=12, accepted=12)

    assert main(["evolve", "--workspace", str(workspace)]) == 0

    out = capsys.readouterr().out
    assert "{'" not in out
    assert "Template versions analysed" in out
    assert "python/dataclass  1.1.0    12       100%     100%" in out and "deployed 1.2.0" in out
