"""`scion evolve [--dry-run]` and `scion evolve status`: the server's evolution run, from a terminal.

The thresholds and the LLM come from the workspace's `.scion/config.toml`
(`[evolution]`, `[llm]`) with these options over it (the same names as
`scion.evolution.*` and `scion.llm.*`); an LLM model and endpoint only from
the options, since a repository's file may not choose them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from server.cli.common import Where, json_option, print_json, print_table, workspace_options

if TYPE_CHECKING:  # every command is defined at start-up: settings and output load when evolve runs
    from server.cli.output import ProgressBar
    from server.common.config import Layer
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

    def layers(self) -> list[Layer]:
        """One settings layer per flag given, named as typed (so `scion config show` can say where a value came from)."""
        from server.common.config import Layer

        given = {
            ("--min-executions", "evolution", "minExecutions"): self.min_executions,
            ("--min-kept-rate", "evolution", "minKeptRate"): self.min_kept_rate,
            ("--llm-model", "llm", "model"): self.llm_model,
            ("--llm-api-base", "llm", "apiBase"): self.llm_api_base,
            ("--llm-timeout", "llm", "timeout"): self.llm_timeout,
        }
        return [
            Layer(flag, {section: {key: value}}) for (flag, section, key), value in given.items() if value is not None
        ]


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


def _engine(where: Where, workspace, store):
    from server.evolution.engine import LearnedTasks, thresholds_from
    from server.evolution.teacher import llm_config_from

    settings = where.settings(workspace)
    return settings, LearnedTasks(store, workspace, thresholds_from(settings.evolution), llm_config_from(settings.llm))


def evolve(where: Where, options: EvolutionOptions, dry_run: bool, as_json: bool) -> int:
    from server.cli.output import cli_json, progress_bar
    from server.evolution.engine import run_evolution
    from server.evolution.teacher import llm_config_from

    where = where.with_flags(options.layers())
    workspace = where.root()
    store = where.open_store(workspace)
    try:
        settings, engine = _engine(where, workspace, store)
        with progress_bar(None, "evolving") as bar:
            report = run_evolution(
                store,
                where.catalog(workspace),
                workspace,
                settings.evolution,
                llm_config_from(settings.llm),
                dry_run=dry_run,
                progress=_shown_on(bar),
                engine=engine,
            )
    finally:
        store.close()
    summary = cli_json(report.as_json(), workspace)
    if as_json:
        print_json(summary)
        return 0
    _print_summary(summary)
    return 0


def _shown_on(bar: ProgressBar | None) -> Callable[[Progress], None] | None:
    if bar is None:
        return None
    return lambda progress: bar.update(progress.done, progress.total or 1, progress.message)


def _print_summary(summary: dict) -> None:
    prefix = "(dry run) " if summary["dryRun"] else ""
    tasks = summary["tasks"]
    if not tasks:
        print(f"{prefix}No learned tasks yet: answers are recorded as templates are used.")
    for task in tasks:
        lines = []
        if task["newProgram"]:
            program = task["newProgram"]
            accuracy = program["heldOutAccuracy"]
            shown = "not measured" if accuracy is None else f"{accuracy:.0%}"
            where = f" -> {program['path']}" if program.get("path") else ""
            lines.append(f"new program ({program['origin']}): {program['program']} [held-out {shown}]{where}")
        if task["newStage"]:
            lines.append(f"stage {task['stage']} -> {task['newStage']}: {task['reason']}")
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
    if analysed := improvement.get("analysed"):
        print_table(
            ["template", "version", "decided", "success", "edited", "replay", "outcome"],
            map(_analysed_row, analysed),
            title=f"{prefix}Template versions analysed",
        )
    if trials := improvement.get("trials"):
        print_table(
            ["template", "candidate", "parent", "trial kept", "current kept", "P(better)", "decision"],
            map(_trial_row, trials),
            title=f"{prefix}A/B trials",
        )
    for skipped in improvement.get("skipped", []):
        print(f"{prefix}{skipped['template_id']} {skipped['version']}: left alone, {skipped['reason']}")


def _analysed_row(row: dict) -> list:
    """A template version the run analysed: its numbers and what came of it."""
    return [
        row["templateId"],
        row["version"],
        row.get("decided", "-"),
        _rate(row.get("successRate")),
        _rate(row.get("editRate")),
        _replay(row),
        _outcome(row),
    ]


def _trial_row(row: dict) -> list:
    """A trial the run decided or began: both arms and the verdict."""
    return [
        row["templateId"],
        row["version"],
        row["parent"],
        _arm(row.get("trial")),
        _arm(row.get("control")),
        _rate(row.get("probabilityBetter")),
        row.get("verdict", ""),
    ]


def _replay(row: dict) -> str:
    before, after = row.get("replayBefore"), row.get("replayAfter")
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
    where = where.with_flags(options.layers())
    from server.evolution.trials import trial_rows

    workspace = where.root()
    store = where.open_store(workspace)
    try:
        _, engine = _engine(where, workspace, store)
        rows = engine.status()
        trials = trial_rows(store)
    finally:
        store.close()
    if as_json:
        print_json({"tasks": rows, "trials": trials}, workspace)
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
