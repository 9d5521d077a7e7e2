"""A/B trials: a candidate whose lead is not yet certain is served to a share of new generations first.

When template improvement finds a valid candidate whose replay lead is
`uncertain` (server/evolution/margin.py), it is written as the next version
under `.scion/trials/<id>/<version>/` (outside every catalog root, so nothing
offers it or upgrades to it) and a trial is recorded. While it runs, a new
generation of that template without an explicit version gets the candidate
with probability `trialShare` (`serve`), the current newest version otherwise;
the generation records the version it rendered, so verdicts land in the right
arm. Every evolution run reviews the running trials (`review_trials`) with
the sequential test of server/evolution/sequential.py on the kept rates of
both arms since the trial began (this instance's verdicts and the teammates'
pulled from the team hub, `arm`: a teammate serving the same candidate
version, evolved from the same team evidence, adds to the same arms): a win moves the folder into the workspace
template root and records a deployment; a loss moves it to the withdrawn
folder (`.scion/rolled-back/`), so files generated from it are offered a
merge back. Trials end by themselves; every decision is kept in the store.
"""

from __future__ import annotations

import logging
import random
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.errors import ScionError
from server.evolution.deploy import build_version, changelog_entry, workspace_template_root
from server.evolution.sequential import CONTINUE, DEPLOY, Arm, decide
from server.templates.catalog import Catalog
from server.templates.model import Template
from server.templates.withdrawn import withdrawn_root

if TYPE_CHECKING:
    from server.store import Store

log = logging.getLogger(__name__)

TRIALS_FOLDER = Path(".scion") / "trials"


def trials_root(workspace: Path) -> Path:
    return Path(workspace) / TRIALS_FOLDER


def start_trial(
    workspace: Path,
    store: Store,
    template: Template,
    candidate_folder: Path,
    version: str,
    share: float,
    changes: list[str],
    evidence: dict[str, Any],
) -> None:
    """Write the candidate as `version` under the trials folder and record the running trial."""
    folder = trials_root(workspace) / template.id / version
    build_version(candidate_folder, folder, version, template.version, changes, evidence)
    store.start_trial(template.id, version, template.version, share, changes, evidence)


def serve(
    store: Store | None, workspace: Path | None, template: Template, rng: random.Random | None = None
) -> Template:
    """The version a new generation of `template` (the newest, no version asked for) renders.

    The trial's candidate with the trial's share, else `template`. A trial whose
    parent is no longer the newest version, or whose folder is gone, is not served.
    """
    if store is None or workspace is None:
        return template
    trial = store.running_trial(template.id)
    if trial is None or trial["parent_version"] != template.version:
        return template
    if (rng or random).random() >= trial["share"]:
        return template
    try:
        return Catalog([(trials_root(workspace), "workspace")]).get(template.id, trial["version"])
    except ScionError as error:
        log.warning("trial %s %s cannot be served: %s", template.id, trial["version"], error)
        return template


def review_trials(store: Store, workspace: Path | None, dry_run: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Decide every running trial that has the evidence; return what was deployed, dropped and still runs."""
    report: dict[str, list[dict[str, Any]]] = {"deployed": [], "dropped": [], "running": []}
    for trial in store.trials():
        if trial["state"] != "running":
            continue
        template_id, version, parent = trial["template_id"], trial["version"], trial["parent_version"]
        candidate = arm(store, template_id, version, trial["started_at"])
        control = arm(store, template_id, parent, trial["started_at"])
        decision = decide(candidate, control)
        entry = {
            "template_id": template_id,
            "version": version,
            "parent": parent,
            "trial": {"kept": candidate.kept, "decided": candidate.decided},
            "control": {"kept": control.kept, "decided": control.decided},
            **decision.as_json(),
        }
        if decision.verdict == CONTINUE or dry_run or workspace is None:
            report["running"].append(entry)
            continue
        if decision.verdict == DEPLOY:
            _promote(workspace, store, trial, entry)
            report["deployed"].append(entry)
        else:
            _drop(workspace, trial)
            report["dropped"].append(entry)
        store.end_trial(template_id, version, "deployed" if decision.verdict == DEPLOY else "dropped", entry)
    return report


def arm(store: Store, template_id: str, version: str, since: str) -> Arm:
    """The verdicts on one version since `since`: this instance's plus its teammates' (never counted twice:
    the teammates' table holds no generation of this instance)."""
    kept, decided = store.arm_counts(template_id, version, since)
    team_kept, team_decided = store.team_arm_counts(template_id, version, since)
    return Arm(kept + team_kept, decided + team_decided)


def _promote(workspace: Path, store: Store, trial: dict[str, Any], decision: dict[str, Any]) -> None:
    template_id, version = trial["template_id"], trial["version"]
    source = trials_root(workspace) / template_id / version
    destination = workspace_template_root(workspace) / template_id / version
    if destination.exists():
        raise ScionError(f"cannot deploy the trial {template_id} {version}: {destination} already exists")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source.rename(destination)
    evidence = {**trial["evidence"], "trial": decision}
    changelog = changelog_entry(trial["parent_version"], trial["changes"], trial["evidence"])
    store.record_deployment(template_id, version, trial["parent_version"], changelog, evidence)


def _drop(workspace: Path, trial: dict[str, Any]) -> None:
    template_id, version = trial["template_id"], trial["version"]
    source = trials_root(workspace) / template_id / version
    kept = withdrawn_root(workspace) / template_id / version
    if kept.exists():
        shutil.rmtree(kept)
    kept.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.move(str(source), str(kept))


def trial_rows(store: Store) -> list[dict[str, Any]]:
    """Every trial, newest first, with each arm's verdicts (live for a running one) and its decision so far."""
    rows = []
    for trial in reversed(store.trials()):
        candidate = arm(store, trial["template_id"], trial["version"], trial["started_at"])
        control = arm(store, trial["template_id"], trial["parent_version"], trial["started_at"])
        decision = decide(candidate, control).as_json() if trial["state"] == "running" else trial["decision"]
        rows.append(
            {
                "templateId": trial["template_id"],
                "version": trial["version"],
                "parent": trial["parent_version"],
                "share": trial["share"],
                "state": trial["state"],
                "trial": {"kept": candidate.kept, "decided": candidate.decided},
                "control": {"kept": control.kept, "decided": control.decided},
                "probabilityBetter": decision.get("probability_better"),
                "reason": decision.get("reason", ""),
                "changes": trial["changes"],
                "startedAt": trial["started_at"],
                "endedAt": trial["ended_at"],
            }
        )
    return rows
