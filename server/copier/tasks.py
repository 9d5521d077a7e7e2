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

from packaging.version import InvalidVersion, Version

from server.common.confine import inside_workspace
from server.common.errors import ScionError, TemplateError

from .questions import cast_to_bool

if TYPE_CHECKING:
    from .config import CopierConfig
    from .session import Session
    from .versions import VersionCrossing

TASK_TIMEOUT = 600.0
# (command, extra variables, condition, working directory)
Task = tuple[Any, dict[str, Any], Any, str]


class TaskFailed(ScionError):
    """A template task exited with an error."""


def template_tasks(session: Session) -> list[Task]:
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


def migration_tasks(config: CopierConfig, stage: str, crossing: VersionCrossing) -> list[Task]:
    """The `_migrations` entries for `stage` (before/after) whose version lies in (from, to] (copier 9's format),
    compared with copier's versions of the upgrade's two commits. Copier asks trust for an update only when
    this is not empty for one of the stages; their `when` conditions are rendered later, when they run."""
    old, new = crossing.from_version, crossing.to_version
    if old is None or new is None:
        return []
    envops = config.setting("envops") or {}
    start, end = envops.get("variable_start_string", "{{"), envops.get("variable_end_string", "}}")
    default_condition = f'{start} _stage == "after" {end}'
    base = {
        "stage": stage,
        "version_from": crossing.from_commit,
        "version_to": crossing.to_commit,
        "version_pep440_from": old,
        "version_pep440_to": new,
    }
    tasks: list[Task] = []
    for migration in config.setting("migrations") or []:
        if isinstance(migration, (str, list)):
            tasks.append((migration, base, default_condition, "."))
            continue
        extra = dict(base)
        if "before" in migration or "after" in migration:  # copier's older format: commands per stage
            current = _migration_version(migration.get("version", "0"))
            if new >= current > old:
                extra |= {"version_current": migration.get("version"), "version_pep440_current": current}
                tasks.extend((command, extra, True, ".") for command in migration.get(stage) or [])
            continue
        if "version" in migration:
            current = _migration_version(migration["version"])
            if not new >= current > old:
                continue
            extra |= {"version_current": migration["version"], "version_pep440_current": current}
        condition = migration.get("when", default_condition)
        tasks.append((migration.get("command"), extra, condition, str(migration.get("working_directory", "."))))
    return tasks


def _migration_version(raw: Any) -> Version:
    try:
        return Version(str(raw))
    except InvalidVersion:
        raise TemplateError(f"_migrations: version {raw!r} is not a PEP 440 version") from None


def run_tasks(
    session: Session,
    say: Callable[[str], None],
    tasks: list[Task] | None = None,
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
