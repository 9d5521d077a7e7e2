"""`scion learned export/import FILE`, `scion learned versions/rollback TASK`: learned programs from a terminal.

An import validates every program again (digest, sandbox rules, its own
examples and this workspace's kept answers, run in the sandbox) and reports
each rejected entry with its reason; it exits 1 when any entry was rejected.
`versions` lists each version of a task's program with its evidence;
`rollback` makes an earlier one active again (server/evolution/versions.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.common import Where, json_option, print_json, print_table, relative, workspace_options
from server.evolution.stages import StageThresholds


def export_programs(where: Where, file: Path, as_json: bool) -> int:
    from server.evolution.programs import export_library

    workspace = where.root()
    with where.open_store(workspace) as store:
        count = export_library(store, file)
    if as_json:
        print_json({"exported": count, "file": file.absolute()}, workspace)
    else:
        print(f"exported {count} learned program(s) to {file}")
    return 0


def import_programs(where: Where, file: Path, min_accuracy: float, dry_run: bool, as_json: bool) -> int:
    from server.evolution.programs import import_library

    workspace = where.root()
    with where.open_store(workspace) as store:
        report = import_library(store, workspace, file, min_accuracy, dry_run=dry_run)
    if as_json:
        print_json(report.as_json(), workspace)
    else:
        for entry in report.accepted:
            saved = f" as v{entry['version']} ({relative(entry['path'], workspace)})"
            where_to = saved if entry["version"] else " (dry run: not saved)"
            print(f"imported {entry['task']}{where_to}")
        for entry in report.rejected:
            print(f"rejected {entry['task']}: {entry['reason']}")
    return 1 if report.rejected else 0


def list_versions(where: Where, task: str, as_json: bool) -> int:
    from server.evolution.versions import version_evidence

    workspace = where.root()
    with where.open_store(workspace) as store:
        versions = version_evidence(store, task)
    if as_json:
        print_json([version.as_json() for version in versions], workspace)
        return 0
    rows = [
        [
            f"v{v.version}" + (" *" if v.active else ""),
            v.created_at,
            v.origin,
            v.examples if v.examples is not None else "-",
            "-" if v.held_out_accuracy is None else f"{v.held_out_accuracy:.0%}",
            f"{v.kept}/{v.kept + v.rejected}" if v.kept + v.rejected else "-",
            v.program,
        ]
        for v in versions
    ]
    print_table(["version", "created", "origin", "examples", "held-out", "code kept", "program"], rows, title=task)
    return 0


def roll_back(where: Where, task: str, to_version: int | None, as_json: bool) -> int:
    from server.evolution.versions import rollback_program

    workspace = where.root()
    with where.open_store(workspace) as store:
        old, new = rollback_program(store, task, to_version)
    if as_json:
        print_json({"task": task, "from": old, "to": new}, workspace)
    else:
        print(f"{task}: v{new} is active again (was v{old}); every version and its evidence are kept")
    return 0


# A group with no action of its own: `scion learned` alone shows its help.
learned_group = click.Group("learned", help="Learned programs: export, import, versions and rollback.")


@learned_group.command("export", help="Write the active learned programs to a JSON file.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@workspace_options
@json_option
def export_command(where: Where, file: Path, as_json: bool) -> int:
    return export_programs(where, file, as_json)


@learned_group.command("import", help="Validate the programs of a pattern library and add those that pass.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="validate only; save nothing")
@click.option(
    "--min-accuracy",
    type=click.FloatRange(0, 1),
    default=StageThresholds.min_kept_rate,
    show_default=True,
    help="share of this workspace's kept answers a program must get right",
)
@workspace_options
@json_option
def import_command(where: Where, file: Path, min_accuracy: float, dry_run: bool, as_json: bool) -> int:
    return import_programs(where, file, min_accuracy, dry_run, as_json)


@learned_group.command(
    "versions", help="List every version of a task's program (TASK: TEMPLATE:QUESTION), with its evidence."
)
@click.argument("task", metavar="TASK")
@workspace_options
@json_option
def versions_command(where: Where, task: str, as_json: bool) -> int:
    return list_versions(where, task, as_json)


@learned_group.command(
    "rollback", help="Make an earlier version of a task's program (TASK: TEMPLATE:QUESTION) active again."
)
@click.argument("task", metavar="TASK")
@click.option(
    "--to", "to_version", type=click.IntRange(min=1), metavar="VERSION", help="the version (default: the one before)"
)
@workspace_options
@json_option
def rollback_command(where: Where, task: str, to_version: int | None, as_json: bool) -> int:
    return roll_back(where, task, to_version, as_json)


COMMANDS = [learned_group]
