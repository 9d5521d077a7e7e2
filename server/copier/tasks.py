"""`_tasks` and `_migrations`: commands from a trusted template, run in the project as copier runs them.

A task is a shell string, an argument list, or `{command, when, working_directory}`;
its command and condition are rendered with the answers plus `_stage`
(`task`, or `before`/`after` for migrations) and `_copier_operation`, which
are also in its environment (`STAGE`, `COPIER_OPERATION`, ...). Only a
session that passed the trust check gets here (session.py refuses the others).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.common.confine import inside_workspace
from server.common.errors import ScionError

from .questions import cast_to_bool

if TYPE_CHECKING:
    from .session import Session
    from .update import ProjectUpgrade

TASK_TIMEOUT = 600.0


class TaskFailed(ScionError):
    """A template task exited with an error."""


def template_tasks(session: Session) -> list[tuple[Any, dict[str, Any], Any, str]]:
    """(command, extra variables, condition, working directory) of each `_tasks` entry."""
    tasks = []
    for task in session.config.setting("tasks") or []:
        extra = {"stage": "task"}
        if isinstance(task, dict):
            tasks.append(
                (task.get("command"), extra, task.get("when", "true"), str(task.get("working_directory", ".")))
            )
        else:
            tasks.append((task, extra, True, "."))
    return tasks


def migration_tasks(
    session: Session, stage: str, upgrade: ProjectUpgrade
) -> list[tuple[Any, dict[str, Any], Any, str]]:
    """The `_migrations` entries for `stage` (before/after) whose version lies in (from, to] (copier 9's format),
    compared with copier's versions of the upgrade's two commits."""
    from packaging.version import Version

    old, new = upgrade.from_version, upgrade.to_version
    if old is None or new is None:
        return []
    envops = session.config.setting("envops") or {}
    start, end = envops.get("variable_start_string", "{{"), envops.get("variable_end_string", "}}")
    default_condition = f'{start} _stage == "after" {end}'
    base = {
        "stage": stage,
        "version_from": upgrade.from_commit,
        "version_to": upgrade.to_commit,
        "version_pep440_from": old,
        "version_pep440_to": new,
    }
    tasks: list[tuple[Any, dict[str, Any], Any, str]] = []
    for migration in session.config.setting("migrations") or []:
        if isinstance(migration, (str, list)):
            tasks.append((migration, base, default_condition, "."))
            continue
        extra = dict(base)
        if "before" in migration or "after" in migration:  # copier's older format: commands per stage
            current = Version(str(migration.get("version", "0")))
            if new >= current > old:
                extra |= {"version_current": migration.get("version"), "version_pep440_current": current}
                tasks.extend((command, extra, True, ".") for command in migration.get(stage) or [])
            continue
        if "version" in migration:
            current = Version(str(migration["version"]))
            if not new >= current > old:
                continue
            extra |= {"version_current": migration["version"], "version_pep440_current": current}
        condition = migration.get("when", default_condition)
        tasks.append((migration.get("command"), extra, condition, str(migration.get("working_directory", "."))))
    return tasks


def run_tasks(
    session: Session,
    say: Callable[[str], None],
    tasks: list[tuple[Any, dict[str, Any], Any, str]] | None = None,
    phase: str = "tasks",
) -> int:
    """Run the tasks (default: the template's `_tasks`); returns how many ran."""
    planned = template_tasks(session) if tasks is None else tasks
    session.phase = phase
    ran = 0
    for index, (command, extra_vars, condition, folder) in enumerate(planned, start=1):
        extra = {f"_{key}": value for key, value in extra_vars.items()}
        extra["_copier_operation"] = session.options.operation
        if not cast_to_bool(_render(session, condition, extra)):
            continue
        if isinstance(command, str):
            argv: str | list[str] = _render(session, command, extra)
            shell = True
        else:
            argv = [_render(session, str(part), extra) for part in command or []]
            shell = False
        say(f" > Running task {index} of {len(planned)}: {argv}")
        cwd = Path(
            inside_workspace(
                session.destination,
                session.destination / _render(session, folder, extra),
                what="task working_directory",
            )
        )
        env = {key[1:].upper(): str(value) for key, value in extra.items()}
        done = subprocess.run(
            argv, shell=shell, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=TASK_TIMEOUT
        )
        for line in (done.stdout + done.stderr).splitlines():
            say(line)
        if done.returncode:
            raise TaskFailed(f"task {index} ({argv}) failed with exit code {done.returncode}")
        ran += 1
    return ran


def _render(session: Session, value: Any, extra: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    return session.env.from_string(value).render(session.context(extra))
