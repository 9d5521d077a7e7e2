"""Template self-improvement: analyse weak template versions, build candidates, validate, deploy the best.

A version is analysed when it is the newest of its template, has at least
`min_decided` decided generations (this instance's, plus its teammates' pulled
from the team hub with their code: `team_generations`), and either a success rate below
`improve_below` or an edit rate (the share of its kept generations whose users
changed the code, the teammates' counted too) of at least `improve_edited_above`:
code that is kept but edited the same way every time is evidence too. The
answers linked to rejections count the teammates' generations shared with
their answers (store.answer_verdicts). Candidates are the folded
common edits and, with an LLM configured, the LLM's rewrite; each is validated
in the isolated render process, and the one that replays history closest to
what users kept is compared with the current version generation by generation
(server/evolution/margin.py): a certain lead is deployed as a new version, an
uncertain one goes to an A/B trial on new generations (server/evolution/trials.py,
which also ends the running trials at the start of every run), or, with trials
off, is reported and left for more evidence. A version whose evolved
successor was rolled back is left alone until more generations have been
decided than the rolled-back one was based on.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.errors import ScionError
from server.common.progress import Progress, ProgressCallback
from server.evolution.analysis import EditAnalysis, analyse_edits, history_from_rows, rejection_answers
from server.evolution.candidates import TemplateCandidate, propose_with_llm
from server.evolution.deploy import deploy, next_version
from server.evolution.folding import describe, edits_to_fold, fold
from server.evolution.llm import LlmConfig, LlmUnavailable
from server.evolution.margin import CERTAIN, advantage
from server.evolution.trials import review_trials, start_trial
from server.evolution.validate import Validation, current_distances, mean, validate_candidate
from server.templates.model import Template
from server.templates.render import source_files

if TYPE_CHECKING:
    from server.common.config import EvolutionSettings
    from server.store import Store
    from server.templates.catalog import Catalog

log = logging.getLogger(__name__)

MAX_REPORTED_EDITS = 5


def run_improvement(
    store: Store,
    catalog: Catalog,
    workspace: Path | None,
    evolution_settings: EvolutionSettings,
    llm_config: LlmConfig | None,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Improve every template version that qualifies; return a report of what was analysed and deployed."""
    report: dict[str, list[Any]] = {"analysed": [], "deployed": [], "skipped": [], "dropped": [], "trials": []}
    trials = review_trials(store, workspace, dry_run)
    report["deployed"] += [
        {"template_id": t["template_id"], "version": t["version"], "parent": t["parent"]} for t in trials["deployed"]
    ]
    report["dropped"] = trials["dropped"]
    report["trials"] = trials["running"] + trials["deployed"] + trials["dropped"]
    if trials["deployed"] or trials["dropped"]:
        catalog.reload()
    targets = _targets(store, catalog, evolution_settings, report["skipped"])
    for index, (template, totals) in enumerate(targets):
        if progress is not None:
            progress(Progress(f"Improving {template.id} {template.version}", index, len(targets)))
        try:
            if workspace is None:
                raise ScionError("no workspace folder to deploy an improved version into")
            entry = improve_version(
                store, catalog, workspace, template, totals, llm_config, dry_run, evolution_settings.trial_share
            )
        except ScionError as error:
            log.warning("improving %s %s failed: %s", template.id, template.version, error)
            entry = {"template_id": template.id, "version": template.version, "error": str(error)}
        report["analysed"].append(entry)
        if entry.get("trial"):
            report["trials"].append(entry["trial"])
        if entry.get("deployed"):
            report["deployed"].append(
                {"template_id": template.id, "version": entry["deployed"], "parent": template.version}
            )
    if report["deployed"]:
        catalog.reload()
    if progress is not None:
        progress(Progress("Template improvement done", len(targets), len(targets)))
    return report


def _targets(
    store: Store, catalog: Catalog, settings: EvolutionSettings, skipped: list[Any]
) -> list[tuple[Template, dict[str, Any]]]:
    targets = []
    for totals in with_team_evidence(store.success_rates(), store.team_generation_totals()):
        template_id, version = totals["template_id"], totals["version"]
        if totals["decided"] < settings.min_decided or not _worth_analysing(totals, settings):
            continue
        why = _reason_to_skip(store, catalog, template_id, version, totals["decided"])
        if why:
            skipped.append({"template_id": template_id, "version": version, "reason": why})
            continue
        targets.append((catalog.get(template_id, version), totals))
    return targets


def with_team_evidence(
    rates: list[dict[str, Any]], team: dict[tuple[str, str], tuple[int, int, int]]
) -> list[dict[str, Any]]:
    """This workspace's totals per version plus the teammates' decided generations pulled with their code.

    A version the team rejects qualifies here even when this instance decided
    few of its generations itself: the evolved version is then deployed to the
    whole team through the hub (server/hub/templates.py).
    """
    by_version = {(row["template_id"], row["version"]): dict(row) for row in rates}
    for (template_id, version), (accepted, rejected, edited) in team.items():
        empty = {"template_id": template_id, "version": version, "decided": 0, "accepted": 0, "rejected": 0}
        row = by_version.setdefault((template_id, version), {**empty, "undecided": 0, "rate": None, "edited": 0})
        row["accepted"] += accepted
        row["rejected"] += rejected
        row["decided"] += accepted + rejected
        row["edited"] = (row.get("edited") or 0) + edited
        row["team_decided"] = accepted + rejected
        row["team_edited"] = edited
        row["rate"] = row["accepted"] / row["decided"] if row["decided"] else None
        row["edit_rate"] = row["edited"] / row["accepted"] if row["accepted"] else None
    return list(by_version.values())


def _worth_analysing(totals: dict[str, Any], settings: EvolutionSettings) -> bool:
    """Rejected too often, or kept but edited too often."""
    rate, edit_rate = totals["rate"], totals.get("edit_rate")
    if rate is not None and rate < settings.improve_below:
        return True
    return edit_rate is not None and edit_rate >= settings.improve_edited_above


def _reason_to_skip(store: Store, catalog: Catalog, template_id: str, version: str, decided: int) -> str | None:
    try:
        newest = catalog.get(template_id).version
        catalog.get(template_id, version)
    except ScionError:
        return "the template version is no longer in the catalog"
    if newest != version:
        return f"a newer version ({newest}) exists"
    trial = store.running_trial(template_id)
    if trial is not None:
        return f"its candidate {trial['version']} is on trial"
    for deployment in store.deployments(template_id):
        based_on = (deployment.get("evidence") or {}).get("decided", 0)
        if deployment["parent_version"] == version and deployment["rolled_back"] and decided <= based_on:
            return f"its evolved version {deployment['version']} was rolled back; waiting for new evidence"
    return None


def improve_version(
    store: Store,
    catalog: Catalog,
    workspace: Path,
    template: Template,
    totals: dict[str, Any],
    llm_config: LlmConfig | None,
    dry_run: bool,
    trial_share: float = 0.0,
) -> dict[str, Any]:
    """Analyse one version, build and validate candidates, and deploy the winner unless `dry_run`.

    A winner whose lead is not certain goes to an A/B trial when `trial_share` > 0.
    """
    rows = store.decided_generations(template.id, template.version)
    rows += store.team_decided_generations(template.id, template.version)  # teammates' (pulled from the hub)
    history = history_from_rows(rows, workspace)
    decided = len(history)
    analysis = analyse_edits(template, history)
    evidence: dict[str, Any] = {
        "decided": decided,
        "team_decided": totals.get("team_decided", 0),
        "accepted": totals["accepted"],
        "success_rate": totals["rate"],
        "edit_rate": totals.get("edit_rate"),
        "rejection_answers": rejection_answers(store.answer_verdicts(template.id, template.version), totals["rate"]),
    }
    baseline_distances = current_distances(template, history)
    baseline = mean(baseline_distances)
    entry: dict[str, Any] = {
        "template_id": template.id,
        "version": template.version,
        **evidence,
        "common_edits": [describe(e) for e in analysis.edits[:MAX_REPORTED_EDITS]],
        "traced": analysis.traced,
        "replay_before": baseline,
        "candidates": [],
        "deployed": None,
    }
    with tempfile.TemporaryDirectory(prefix="scion-improve-") as scratch:
        candidates = _candidates(template, analysis, decided, evidence, llm_config, Path(scratch), entry)
        results = [
            (candidate, validate_candidate(candidate.folder, template, history, baseline)) for candidate in candidates
        ]
        entry["candidates"] = [_describe_result(candidate, result) for candidate, result in results]
        passing = [(candidate, result) for candidate, result in results if result.ok]
        if not passing:
            return entry
        winner, result = min(passing, key=lambda pair: _score(pair[1]))
        lead = advantage(baseline_distances, result.distances)
        entry["winner"] = winner.kind
        entry["replay_after"] = result.score
        entry["advantage"] = lead.as_json()
        deployed_evidence = {
            **evidence,
            "replay_before": baseline,
            "replay_after": result.score,
            "candidate": winner.kind,
            "advantage": lead.as_json(),
        }
        versions = _used_versions(store, catalog, template.id)
        if lead.verdict != CERTAIN:
            entry["undecided"] = (
                f"the {winner.kind} candidate replays closer ({baseline:.3f} -> {result.score:.3f}) "
                "but not by a margin the evidence supports yet"
            )
            if trial_share > 0 and not dry_run:
                version = next_version(versions)
                start_trial(
                    workspace, store, template, winner.folder, version, trial_share, winner.changes, deployed_evidence
                )
                entry["trial"] = {
                    "template_id": template.id,
                    "version": version,
                    "parent": template.version,
                    "verdict": "started",
                    "share": trial_share,
                }
            return entry
        if not dry_run:
            entry["deployed"] = deploy(
                workspace, store, template, winner.folder, versions, winner.changes, deployed_evidence
            )
    return entry


def _used_versions(store: Store, catalog: Catalog, template_id: str) -> list[str]:
    """Every version the template has had here: in the catalog, deployed (even if rolled back), on trial."""
    used = set(catalog.versions(template_id))
    used |= {row["version"] for row in store.deployments(template_id)}
    used |= {row["version"] for row in store.trials(template_id)}
    return sorted(used)


def _candidates(
    template: Template,
    analysis: EditAnalysis,
    decided: int,
    evidence: dict[str, Any],
    llm_config: LlmConfig | None,
    scratch: Path,
    entry: dict[str, Any],
) -> list[TemplateCandidate]:
    candidates = []
    folded = fold(template, edits_to_fold(analysis), scratch)
    if folded is not None:
        candidates.append(folded)
    if llm_config is not None:
        try:
            candidates.append(
                propose_with_llm(llm_config, template, _main_source(template), evidence, analysis, scratch)
            )
        except LlmUnavailable as error:
            entry["llm"] = str(error)
    return candidates


def _score(result: Validation) -> float:
    """The replay score of a candidate that passed (every passing candidate was replayed)."""
    if result.score is None:
        raise ValueError("a passing candidate without a replay score")
    return result.score


def _main_source(template: Template) -> str:
    return template.primary or source_files(template)[0]


def _describe_result(candidate: TemplateCandidate, result: Validation) -> dict[str, Any]:
    return {
        "kind": candidate.kind,
        "ok": result.ok,
        "score": result.score,
        "reasons": result.reasons,
        "changes": candidate.changes,
    }
