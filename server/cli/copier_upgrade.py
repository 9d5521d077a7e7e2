"""`scion upgrade` and `scion check` for copier projects (a copier answers file in the workspace).

The plans and the merge are in server/copier/update.py; this module finds the
projects, prints what changed and returns the exit code's part: 1 when
conflicts remain or a project could not be upgraded (the CLI's "findings").
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.cli.output import warn
from server.common.errors import ScionError

if TYPE_CHECKING:
    from server.cli.common import Where


@dataclass(frozen=True)
class CopierRun:
    """What `scion upgrade` was asked for, as far as copier projects go."""

    to_version: str | None = None
    dry_run: bool = False
    defaults: bool = False
    trust: bool = False
    skip_tasks: bool = False
    answers: dict[str, str] = field(default_factory=dict)


def copier_answers_files(workspace: Path, paths: list[Path]) -> list[Path]:
    from server.copier.project import ANSWERS_NAME, find_projects

    if paths:
        return [path.expanduser().absolute() for path in paths if ANSWERS_NAME.match(path.name)]
    return find_projects(workspace)


def upgrade_copier_projects(
    where: Where, workspace: Path, paths: list[Path], run: CopierRun
) -> tuple[list[dict[str, Any]], int]:
    answers_files = copier_answers_files(workspace, paths)
    if not answers_files:
        return [], 0
    # Only now: a workspace without copier projects (most) need not load copier's update machinery.
    from server.cli.copier_generate import ask_on_terminal, trusted_sources
    from server.cli.output import note
    from server.cli.prompt import can_ask
    from server.copier.project import read_project
    from server.copier.trust import is_trusted
    from server.copier.update import UpgradeRequest, apply_upgrade, plan_upgrade
    from server.copier.user_settings import load_copier_settings

    trusted = trusted_sources(where, workspace)
    settings_defaults = load_copier_settings().defaults  # copier's own settings.yml: they answer new questions
    interactive = not run.defaults and can_ask()
    results: list[dict[str, Any]] = []
    exit_code = 0
    for answers_file in answers_files:
        shown = _relative(answers_file, workspace)
        try:
            project = read_project(answers_file)
            request = UpgradeRequest(
                to_ref=run.to_version,
                data=run.answers,
                defaults=run.defaults,
                trusted=run.trust or is_trusted(project.src, trusted),
                skip_tasks=run.skip_tasks,
                settings_defaults=settings_defaults,
            )
            upgrade = plan_upgrade(project, request, ask_on_terminal if interactive else None)
            if not run.dry_run:
                apply_upgrade(upgrade, request, note)
        except ScionError as error:
            warn(f"{shown}: cannot upgrade it: {error}")
            results.append({"answersFile": shown, "status": "failed", "message": str(error)})
            exit_code = 1
            continue
        if upgrade.conflicted:
            exit_code = max(exit_code, 1)
        results.append(
            {
                "answersFile": shown,
                "status": upgrade.status,
                "from": upgrade.from_commit,
                "to": upgrade.to_commit,
                "changes": [
                    {"path": c.path, "action": c.action, "conflicts": c.conflicts, "note": c.note}
                    for c in upgrade.changes
                ],
            }
        )
    return results, exit_code


def print_copier_results(results: list[dict[str, Any]], dry_run: bool) -> None:
    stream = sys.stderr if dry_run else sys.stdout
    for result in results:
        if result["status"] == "failed":
            continue
        print(f"{result['answersFile']}: {result['status']} ({result['from']} -> {result['to']})", file=stream)
        for change in result["changes"]:
            extra = (
                f" ({change['conflicts']} conflict{'s' if change['conflicts'] != 1 else ''})"
                if change["conflicts"]
                else ""
            )
            note = f": {change['note']}" if change["note"] else ""
            print(f"  {change['action']:<8} {change['path']}{extra}{note}", file=stream)


def check_copier_projects(workspace: Path) -> tuple[list[dict[str, Any]], int]:
    """One offer per copier project whose template has a newer tag, and how many could not be checked."""
    from server.copier.project import find_projects, read_project
    from server.copier.update import newer_version

    offers: list[dict[str, Any]] = []
    failed = 0
    for answers_file in find_projects(workspace):
        shown = _relative(answers_file, workspace)
        try:
            project = read_project(answers_file)
            newest = newer_version(project)
        except ScionError as error:
            warn(f"{shown}: cannot check it: {error}")
            failed += 1
            continue
        if newest is not None:
            offers.append({"file": shown, "template": project.src, "from": project.commit, "to": newest})
    return offers, failed


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
