"""`scion learned export FILE` / `scion learned import FILE`: share learned programs between workspaces.

An import validates every program again (digest, sandbox rules, its own
examples and this workspace's kept answers, run in the sandbox) and reports
each rejected entry with its reason; it exits 1 when any entry was rejected.
"""

from __future__ import annotations

from pathlib import Path

from server.cli.common import add_workspace_options, open_store, print_json, workspace_of


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
        default=None,  # StageThresholds.min_kept_rate, read when the command runs
        help="share of this workspace's kept answers a program must get right (default 0.9)",
    )
    imported.add_argument("--json", action="store_true", help="print the result as JSON")
    imported.set_defaults(run=run_import)


def run_export(args) -> int:
    from server.evolution.programs import export_library

    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        count = export_library(store, args.file)
    print(f"exported {count} learned program(s) to {args.file}")
    return 0


def run_import(args) -> int:
    from server.evolution.programs import import_library
    from server.evolution.stages import StageThresholds

    if args.min_accuracy is None:
        args.min_accuracy = StageThresholds.min_kept_rate

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
