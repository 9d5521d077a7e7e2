"""`scion evolve [--dry-run]` and `scion evolve status`: the server's evolution run, from a terminal.

The CLI has no editor settings, so the thresholds and the LLM come from
options (the same names as `scion.evolution.*` and `scion.llm.*`), with the
server's defaults.
"""

from __future__ import annotations

import sys

from server.cli.common import add_workspace_options, open_catalog, open_store, print_json, print_table, workspace_of
from server.common.config import settings_from_client
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
    print_improvement(summary.get("improvement"), prefix)
    print(
        f"{prefix}{summary['programs']} new program(s), {summary['promoted']} promotion(s), "
        f"{summary['demoted']} demotion(s) in {summary['seconds']:.1f} s"
    )


def print_improvement(improvement: dict | None, prefix: str = "") -> None:
    """The template-improvement part of a run: one row per version analysed, one per trial decided or begun."""
    if not improvement:
        return
    if improvement.get("error"):
        print(f"{prefix}template improvement failed: {improvement['error']}")
        return
    analysed = improvement.get("analysed", [])
    if analysed:
        print(f"{prefix}Template versions analysed")
        print_table(
            ["template", "version", "decided", "success", "edited", "replay", "outcome"],
            [
                [
                    row["template_id"],
                    row["version"],
                    row.get("decided", "-"),
                    _rate(row.get("success_rate")),
                    _rate(row.get("edit_rate")),
                    _replay(row),
                    _outcome(row),
                ]
                for row in analysed
            ],
        )
    trials = improvement.get("trials", [])
    if trials:
        print(f"{prefix}A/B trials")
        print_table(
            ["template", "candidate", "parent", "trial kept", "current kept", "P(better)", "decision"],
            [
                [
                    row["template_id"],
                    row["version"],
                    row["parent"],
                    _arm(row.get("trial")),
                    _arm(row.get("control")),
                    _rate(row.get("probability_better")),
                    row.get("verdict", ""),
                ]
                for row in trials
            ],
        )
    for skipped in improvement.get("skipped", []):
        print(f"{prefix}{skipped['template_id']} {skipped['version']}: left alone, {skipped['reason']}")


def _replay(row: dict) -> str:
    before, after = row.get("replay_before"), row.get("replay_after")
    if before is None:
        return "-"
    return f"{before:.3f}" if after is None else f"{before:.3f} -> {after:.3f}"


def _outcome(row: dict) -> str:
    if row.get("error"):
        return f"failed: {row['error']}"
    if row.get("deployed"):
        return f"deployed {row['deployed']}"
    if row.get("trial"):
        return f"on trial as {row['trial']['version']} ({row['trial']['share']:.0%} of new generations)"
    if row.get("undecided"):
        return row["undecided"]
    failed = [c for c in row.get("candidates", []) if not c["ok"]]
    if failed:
        return f"no candidate passed ({failed[0]['reasons'][0] if failed[0]['reasons'] else 'failed'})"
    return "no common edit to fold"


def _arm(arm: dict | None) -> str:
    if not arm:
        return "-"
    rate = arm["kept"] / arm["decided"] if arm["decided"] else None
    return f"{arm['kept']}/{arm['decided']} ({_rate(rate)})"


def run_status(args) -> int:
    from server.evolution.trials import trial_rows

    workspace = workspace_of(args)
    store = open_store(args, workspace)
    try:
        _, engine = _engine(args, workspace, store)
        rows = engine.status()
        trials = trial_rows(store)
    finally:
        store.close()
    if args.json:
        print_json({"tasks": rows, "trials": trials})
        return 0
    print_trials(trials)
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


def print_trials(trials: list[dict]) -> None:
    if not trials:
        return
    print("A/B trials of template versions")
    print_table(
        ["template", "candidate", "parent", "share", "state", "trial kept", "current kept", "P(better)", "why"],
        [
            [
                row["templateId"],
                row["version"],
                row["parent"],
                f"{row['share']:.0%}",
                row["state"],
                _arm(row["trial"]),
                _arm(row["control"]),
                _rate(row["probabilityBetter"]),
                row["reason"],
            ]
            for row in trials
        ],
    )
    print()
