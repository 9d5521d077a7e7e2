"""`scion evolve [--dry-run]` and `scion evolve status`: the server's evolution run, from a terminal.

The CLI has no editor settings, so the thresholds and the LLM come from
options (the same names as `scion.evolution.*` and `scion.llm.*`), with the
server's defaults.
"""

from __future__ import annotations

import sys

from server.cli.common import add_workspace_options, open_catalog, open_store, print_json, print_table, workspace_of
from server.common.progress import Progress


def add_parser(commands) -> None:
    evolve = commands.add_parser("evolve", help="learn programs for repeated answers and improve templates")
    add_workspace_options(evolve)
    _add_settings_options(evolve)
    evolve.add_argument("--dry-run", action="store_true", help="decide and report, but save nothing")
    evolve.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    evolve.set_defaults(run=run_evolve)
    actions = evolve.add_subparsers(dest="action", metavar="ACTION")
    status = actions.add_parser("status", help="each learned task's stage, executions, kept rate and program")
    add_workspace_options(status)
    _add_settings_options(status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(run=run_status)


def _add_settings_options(parser) -> None:
    parser.add_argument("--min-executions", type=int, help="executions a stage needs before promotion (default 100)")
    parser.add_argument("--min-kept-rate", type=float, help="share of kept answers promotion needs (default 0.9)")
    parser.add_argument("--llm-model", help="litellm model name for the teacher and LLM-written programs")
    parser.add_argument("--llm-api-base", help="OpenAI-compatible endpoint for --llm-model")
    parser.add_argument("--llm-timeout", type=float, help="seconds per LLM call (default 20)")


def settings_of(args):
    # Imported here: the settings pull in the evolution and tracking modules, which other commands never need.
    from server.common.config import settings_from_client

    raw: dict = {"evolution": {}, "llm": {}}
    if args.min_executions is not None:
        raw["evolution"]["minExecutions"] = args.min_executions
    if args.min_kept_rate is not None:
        raw["evolution"]["minKeptRate"] = args.min_kept_rate
    if args.llm_model:
        raw["llm"]["model"] = args.llm_model
    if args.llm_api_base:
        raw["llm"]["apiBase"] = args.llm_api_base
    if args.llm_timeout is not None:
        raw["llm"]["timeout"] = args.llm_timeout
    settings, problems = settings_from_client(raw)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return settings


def _engine(args, workspace, store):
    from server.evolution.engine import LearnedTasks, thresholds_from
    from server.evolution.teacher import llm_config_from

    settings = settings_of(args)
    return settings, LearnedTasks(store, workspace, thresholds_from(settings.evolution), llm_config_from(settings.llm))


def run_evolve(args) -> int:
    from server.evolution.engine import run_evolution
    from server.evolution.teacher import llm_config_from

    workspace = workspace_of(args)
    store = open_store(args, workspace)
    try:
        settings, engine = _engine(args, workspace, store)
        report = run_evolution(
            store,
            open_catalog(workspace),
            workspace,
            settings.evolution,
            llm_config_from(settings.llm),
            dry_run=args.dry_run,
            progress=_progress_line,
            engine=engine,
        )
    finally:
        store.close()
    summary = report.as_json()
    if args.json:
        print_json(summary)
        return 0
    _print_summary(summary)
    return 0


def _progress_line(progress: Progress) -> None:
    if sys.stderr.isatty():
        print(f"\r[{progress.percentage:3d}%] {progress.message[:70]:<70}", end="", file=sys.stderr, flush=True)


def _print_summary(summary: dict) -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)
    prefix = "(dry run) " if summary["dryRun"] else ""
    tasks = summary["tasks"]
    if not tasks:
        print(f"{prefix}No learned tasks yet: answers are recorded as templates are used.")
    for task in tasks:
        lines = []
        if task["new_program"]:
            program = task["new_program"]
            accuracy = program["held_out_accuracy"]
            shown = "not measured" if accuracy is None else f"{accuracy:.0%}"
            where = f" -> {program['path']}" if program.get("path") else ""
            lines.append(f"new program ({program['origin']}): {program['program']} [held-out {shown}]{where}")
        if task["new_stage"]:
            lines.append(f"stage {task['stage']} -> {task['new_stage']}: {task['reason']}")
        lines += task["notes"]
        if lines:
            print(f"{prefix}{task['task']}")
            for line in lines:
                print(f"  {line}")
    improvement = summary.get("improvement")
    if improvement:
        print(f"{prefix}template improvement: {improvement}")
    print(
        f"{prefix}{summary['programs']} new program(s), {summary['promoted']} promotion(s), "
        f"{summary['demoted']} demotion(s) in {summary['seconds']:.1f} s"
    )


def run_status(args) -> int:
    workspace = workspace_of(args)
    store = open_store(args, workspace)
    try:
        _, engine = _engine(args, workspace, store)
        rows = engine.status()
    finally:
        store.close()
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No learned tasks yet.")
        return 0
    print_table(
        ["task", "stage", "executions", "kept", "code kept", "program", "last transition"],
        [
            [
                row["task"],
                row["stage"],
                row["executions"],
                _rate(row["keptRate"]),
                _rate(row["codeKeptRate"]),
                _program(row["program"]),
                (row["lastTransition"] or {}).get("reason", "") if row["lastTransition"] else "",
            ]
            for row in rows
        ],
    )
    return 0


def _rate(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def _program(program: dict | None) -> str:
    if program is None:
        return "-"
    return f"v{program['version']} {program['origin'] or ''}: {program['summary'] or ''}".strip()
