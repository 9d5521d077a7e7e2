"""`scion upgrade` and `scion check` for copier projects (a copier answers file in the workspace).

The plans and the merge are in server/copier/update.py; this module finds the
projects, prints what changed and returns the exit code's part: 1 when
conflicts remain, 2 when a project could not be upgraded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from server.common.errors import ScionError


def copier_answers_files(workspace: Path, paths: list[Path]) -> list[Path]:
    from server.copier.project import ANSWERS_NAME, find_projects

    if paths:
        return [path.expanduser().absolute() for path in paths if ANSWERS_NAME.match(path.name)]
    return find_projects(workspace)


def upgrade_copier_projects(args: Any, workspace: Path, answers: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    from server.cli.copier_generate import ask_on_terminal
    from server.copier.project import read_project
    from server.copier.update import UpgradeRequest, apply_upgrade, plan_upgrade

    request = UpgradeRequest(
        to_ref=args.to_version,
        data=answers,
        defaults=args.defaults,
        trusted=args.trust,
        skip_tasks=args.skip_tasks,
    )
    interactive = not args.defaults and sys.stdin.isatty()
    results: list[dict[str, Any]] = []
    exit_code = 0
    for answers_file in copier_answers_files(workspace, list(args.paths)):
        shown = _relative(answers_file, workspace)
        try:
            upgrade = plan_upgrade(read_project(answers_file), request, ask_on_terminal if interactive else None)
            if not args.dry_run:
                apply_upgrade(upgrade, request, lambda text: print(text, file=sys.stderr))
        except ScionError as error:
            print(f"error: {shown}: {error}", file=sys.stderr)
            results.append({"answersFile": shown, "status": "failed", "message": str(error)})
            exit_code = 2
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
    """One offer per copier project whose template has a newer tag; 2 when a project cannot be checked."""
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
            print(f"warning: {shown}: cannot check it: {error}", file=sys.stderr)
            failed += 1
            continue
        if newest is not None:
            offers.append({"file": shown, "template": project.src, "from": project.commit, "to": newest})
    return offers, 2 if failed else 0


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
