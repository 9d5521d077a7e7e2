"""`scion learned export/import FILE`, `scion learned versions/rollback TASK`: learned programs from a terminal.

An import validates every program again (digest, sandbox rules, its own
examples and this workspace's kept answers, run in the sandbox) and reports
each rejected entry with its reason; it exits 1 when any entry was rejected.
`versions` lists each version of a task's program with its evidence;
`rollback` makes an earlier one active again (server/evolution/versions.py).
"""

from __future__ import annotations

from pathlib import Path

from server.cli.common import add_workspace_options, open_store, print_json, print_table, workspace_of
from server.evolution.stages import StageThresholds


def add_parser(commands) -> None:
    learned = commands.add_parser("learned", help="export or import learned programs (the pattern library)")
    actions = learned.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the active learned programs to a JSON file")
    add_workspace_options(export)
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(run=run_export)
    imported = actions.add_parser("import", help="validate and add the programs of a pattern library")
    add_workspace_options(imported)
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.add_argument("--dry-run", action="store_true", help="validate only; save nothing")
    imported.add_argument(
        "--min-accuracy",
        type=float,
        default=StageThresholds.min_kept_rate,
        help="share of this workspace's kept answers a program must get right (default 0.9)",
    )
    imported.add_argument("--json", action="store_true", help="print the result as JSON")
    imported.set_defaults(run=run_import)
    versions = actions.add_parser("versions", help="every version of a task's program, with its evidence")
    add_workspace_options(versions)
    versions.add_argument("task", metavar="TASK", help="TEMPLATE:QUESTION, e.g. python/dataclass:class_name")
    versions.add_argument("--json", action="store_true", help="print the versions as JSON")
    versions.set_defaults(run=run_versions)
    rollback = actions.add_parser("rollback", help="make an earlier version of a task's program active again")
    add_workspace_options(rollback)
    rollback.add_argument("task", metavar="TASK", help="TEMPLATE:QUESTION, e.g. python/dataclass:class_name")
    rollback.add_argument("--to", type=int, metavar="VERSION", help="the version (default: the one before the active)")
    rollback.add_argument("--json", action="store_true", help="print the result as JSON")
    rollback.set_defaults(run=run_rollback)


def run_export(args) -> int:
    from server.evolution.programs import export_library

    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        count = export_library(store, args.file)
    print(f"exported {count} learned program(s) to {args.file}")
    return 0


def run_import(args) -> int:
    from server.evolution.programs import import_library

    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        report = import_library(store, workspace, args.file, args.min_accuracy, dry_run=args.dry_run)
    if args.json:
        print_json(report.as_json())
    else:
        for entry in report.accepted:
            where = f" as v{entry['version']} ({entry['path']})" if entry["version"] else " (dry run: not saved)"
            print(f"imported {entry['task']}{where}")
        for entry in report.rejected:
            print(f"rejected {entry['task']}: {entry['reason']}")
    return 1 if report.rejected else 0


def run_versions(args) -> int:
    from server.evolution.versions import version_evidence

    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        versions = version_evidence(store, args.task)
    if args.json:
        print_json([version.as_json() for version in versions])
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
    print_table(["version", "created", "origin", "examples", "held-out", "code kept", "program"], rows)
    return 0


def run_rollback(args) -> int:
    from server.evolution.versions import rollback_program

    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        old, new = rollback_program(store, args.task, args.to)
    if args.json:
        print_json({"task": args.task, "from": old, "to": new})
    else:
        print(f"{args.task}: v{new} is active again (was v{old}); every version and its evidence are kept")
    return 0
