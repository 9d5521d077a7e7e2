"""`scion evolve [--dry-run]` and `scion evolve status`: the server's evolution run, from a terminal.

The CLI has no editor settings, so the thresholds and the LLM come from
options (the same names as `scion.evolution.*` and `scion.llm.*`), with the
server's defaults.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from server.cli.common import Where, json_option, open_catalog, print_json, print_table, workspace_options

if TYPE_CHECKING:  # every command is defined at start-up: settings load when evolve runs
    from server.common.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class EvolutionOptions:
    """The settings a terminal gives with options (the names of `scion.evolution.*` and `scion.llm.*`)."""

    min_executions: int | None = None
    min_kept_rate: float | None = None
    llm_model: str | None = None
    llm_api_base: str | None = None
    llm_timeout: float | None = None

    def settings(self):
        raw: dict = {"evolution": {}, "llm": {}}
        if self.min_executions is not None:
            raw["evolution"]["minExecutions"] = self.min_executions
        if self.min_kept_rate is not None:
            raw["evolution"]["minKeptRate"] = self.min_kept_rate
        if self.llm_model:
            raw["llm"]["model"] = self.llm_model
        if self.llm_api_base:
            raw["llm"]["apiBase"] = self.llm_api_base
        if self.llm_timeout is not None:
            raw["llm"]["timeout"] = self.llm_timeout
        from server.common.config import settings_from_client

        settings, problems = settings_from_client(raw)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        return settings


def evolution_options(command: F) -> F:
    """The settings options, handed to the command as one `options: EvolutionOptions` argument."""

    @functools.wraps(command)
    def with_options(*args: Any, **kwargs: Any) -> Any:
        options = EvolutionOptions(**{name: kwargs.pop(name) for name in EvolutionOptions.__dataclass_fields__})
        return command(*args, options=options, **kwargs)

    for decorator in reversed(
        [
            click.option(
                "--min-executions",
                type=click.IntRange(min=1),
                help="executions a stage needs before promotion [default: 100]",
            ),
            click.option(
                "--min-kept-rate",
                type=click.FloatRange(0, 1),
                help="share of kept answers promotion needs [default: 0.9]",
            ),
            click.option(
                "--llm-model", metavar="MODEL", help="litellm model name for the teacher and LLM-written programs"
            ),
            click.option("--llm-api-base", metavar="URL", help="OpenAI-compatible endpoint for --llm-model"),
            click.option(
                "--llm-timeout", type=click.FloatRange(min=0, min_open=True), help="seconds per LLM call [default: 20]"
            ),
        ]
    ):
        with_options = decorator(with_options)
    return with_options  # type: ignore[return-value]


def _engine(options: EvolutionOptions, workspace, store):
    from server.evolution.engine import LearnedTasks, thresholds_from
    from server.evolution.teacher import llm_config_from

    settings = options.settings()
    return settings, LearnedTasks(store, workspace, thresholds_from(settings.evolution), llm_config_from(settings.llm))


def evolve(where: Where, options: EvolutionOptions, dry_run: bool, as_json: bool) -> int:
    from server.evolution.engine import run_evolution
    from server.evolution.teacher import llm_config_from

    workspace = where.root()
    store = where.open_store(workspace)
    try:
        settings, engine = _engine(options, workspace, store)
        report = run_evolution(
            store,
            open_catalog(workspace),
            workspace,
            settings.evolution,
            llm_config_from(settings.llm),
            dry_run=dry_run,
            progress=_progress_line,
            engine=engine,
        )
    finally:
        store.close()
    summary = report.as_json()
    if as_json:
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


def evolution_status(where: Where, options: EvolutionOptions, as_json: bool) -> int:
    from server.evolution.trials import trial_rows

    workspace = where.root()
    store = where.open_store(workspace)
    try:
        _, engine = _engine(options, workspace, store)
        rows = engine.status()
        trials = trial_rows(store)
    finally:
        store.close()
    if as_json:
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


@click.group(
    "evolve",
    invoke_without_command=True,
    help="Learn programs for repeated answers and improve templates users reject (what the server does in the "
    "background). `scion evolve status` shows each learned task.",
)
@workspace_options
@evolution_options
@click.option("--dry-run", is_flag=True, help="decide and report, but save nothing")
@json_option
@click.pass_context
def evolve_group(ctx: click.Context, where: Where, options: EvolutionOptions, dry_run: bool, as_json: bool) -> int:
    if ctx.invoked_subcommand is not None:
        return 0
    return evolve(where, options, dry_run, as_json)


@evolve_group.command(
    "status", help="Each learned task's stage, executions, kept rate and program, and the A/B trials of templates."
)
@workspace_options
@evolution_options
@json_option
def status_command(where: Where, options: EvolutionOptions, as_json: bool) -> int:
    return evolution_status(where, options, as_json)


COMMANDS = [evolve_group]


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
