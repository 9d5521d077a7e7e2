"""`scion upgrade` and `scion check`: template upgrades in batch, for terminals, hooks and CI.

Exit codes are the CLI's: upgrade exits 0 when clean, 1 when conflicts remain
or a file could not be upgraded; check exits 1 when upgrades are available or
an answer file could not be read (the others are still checked), so a
pre-commit hook or CI job can fail on it; both exit 2 on usage errors (a path
that does not exist, no path and no --all).

Copier projects (a copier answers file in the workspace) are upgraded and
checked beside Scion's own generated files (server/cli/copier_upgrade.py).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import click

from server.cli.common import Where, json_option, print_json, relative, workspace_options
from server.cli.generate import answer_option
from server.cli.output import ProgressBar, note, progress_bar, warn
from server.cli.prompt import ask_on_tty, can_ask
from server.common.errors import ScionError

# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 10


def upgrade(where: Where, paths: tuple[Path, ...], **options: Any) -> int:
    """`scion upgrade`; `_upgrade` freezes what start-up loaded, unfrozen here at the end.

    The modules and the catalog live as long as the command: frozen, they are out
    of the garbage collector's walks, which a batch's allocations would otherwise
    trigger again and again (about 6% of a 1,000-file batch's CPU). Unfrozen for
    callers that run the command in a longer-lived process (tests).
    """
    try:
        return _upgrade(where, paths, **options)
    finally:
        gc.unfreeze()


def _upgrade(
    where: Where,
    paths: tuple[Path, ...],
    *,
    all_files: bool = False,
    to_version: str | None = None,
    dry_run: bool = False,
    defaults: bool = False,
    answers: tuple[str, ...] = (),
    as_json: bool = False,
    trust: bool = False,
    skip_tasks: bool = False,
) -> int:
    from server.common.cpu_sample import CpuSample

    # What the other cores do from now until the batch starts decides on workers (started first: the longer, the surer).
    sample = CpuSample()
    from server.cli.copier_upgrade import (
        CopierRun,
        copier_answers_files,
        print_copier_results,
        upgrade_copier_projects,
    )
    from server.cli.generate import parse_answer_args

    if not paths and not all_files:
        raise click.UsageError("name the generated files to upgrade, or pass --all for the whole workspace")
    near = paths[0].expanduser().resolve().parent if paths else None
    workspace = where.root(near)
    copier_files = set(copier_answers_files(workspace, list(paths))) if paths else set()
    own_paths = [path for path in paths if path.expanduser().absolute() not in copier_files]
    copier_run = CopierRun(to_version, dry_run, defaults, trust, skip_tasks, parse_answer_args(list(answers)))
    copier_results, copier_exit = upgrade_copier_projects(where, workspace, list(paths), copier_run)
    if paths and not own_paths:
        return _copier_only(workspace, dry_run, as_json, copier_results, copier_exit)
    if copier_results and not as_json and not _holds_scion_state(workspace):
        # A copier project and nothing of Scion's own: no batch, no catalog (a tenth of a second to load).
        return _copier_only(workspace, dry_run, as_json, copier_results, copier_exit)
    from server.upgrades.batch import apply_batch, generated_files, plan_batch
    from server.upgrades.renders import Renderer
    from server.upgrades.service import Upgrader

    targets = [path.expanduser() for path in own_paths] if paths else generated_files(workspace)
    # A copier-only project gets no database of Scion's (nothing of Scion's is added to it).
    store = None if dry_run or not targets else where.open_store(workspace)
    asks = not defaults and can_ask()
    upgrader = Upgrader(
        where.catalog(workspace, lazy=True),
        workspace,
        store,
        ask=_ask_on_tty if asks else None,
        honour_skips=all_files and not paths,
        answers=parse_answer_args(list(answers)),
        renderer=Renderer(size=0),  # one run renders each file's answers once: nothing to cache
    )
    gc.freeze()  # start-up is done: see upgrade()
    shown = len(targets) >= PROGRESS_MIN_FILES and not asks  # a bar would fight with the prompts
    with progress_bar(len(targets), "planning", show=shown) as bar:
        result = plan_batch(upgrader, targets, to_version, progress=_shown_on(bar), workers=sample)
    if not dry_run:
        result = apply_batch(upgrader, result)
    if result.rolled_back:
        note(f"an interrupted upgrade was rolled back first: {len(result.rolled_back)} file(s) put back as they were")
    if as_json:
        files = []
        for upgrade in result.files:
            entry = upgrade.as_json(workspace)
            if dry_run:
                entry["diff"] = upgrade.diff(workspace)
            files.append(entry)
        rolled_back = [relative(path, workspace) for path in result.rolled_back]
        print_json(
            {
                "summary": result.counts,
                "dryRun": dry_run,
                "rolledBack": rolled_back,
                "files": files,
                "copier": copier_results,
            },
            workspace,
        )
        return max(result.exit_code, copier_exit)
    print_copier_results(copier_results, dry_run)
    for upgrade in result.files:
        if dry_run and upgrade.writes:
            sys.stdout.write(upgrade.diff(workspace))
    for upgrade in result.files:
        if upgrade.status != "unchanged" or upgrade.generations:
            print(upgrade.summary(), file=sys.stderr if dry_run else sys.stdout)
    counts = ", ".join(f"{status} {count}" for status, count in result.counts.items())
    print(("dry run: " if dry_run else "") + counts, file=sys.stderr if dry_run else sys.stdout)
    if result.count("conflicted") and not dry_run:
        note("conflicts remain: resolve the <<<<<<< yours / >>>>>>> template blocks, then commit")
    if copier_exit and any(item["status"] == "conflicted" for item in copier_results):
        note("conflicts remain in copier projects: resolve the <<<<<<< yours blocks, then commit")
    return max(result.exit_code, copier_exit)


def _holds_scion_state(workspace: Path) -> bool:
    """Generated files of Scion's own templates, or Scion's folder (its database, an interrupted batch's journal)."""
    from server.upgrades.discovery import find_answer_files

    return (workspace / ".scion").exists() or bool(find_answer_files(workspace))


def _copier_only(workspace: Path, dry_run: bool, as_json: bool, results: list, exit_code: int) -> int:
    from server.cli.copier_upgrade import print_copier_results

    if as_json:
        print_json({"dryRun": dry_run, "copier": results}, workspace)
    else:
        print_copier_results(results, dry_run)
        if any(item["status"] == "conflicted" for item in results):
            note("conflicts remain: resolve the <<<<<<< yours / >>>>>>> template blocks, then commit")
    return exit_code


def check(where: Where, as_json: bool) -> int:
    from server.cli.copier_upgrade import check_copier_projects
    from server.upgrades.detect import Detector
    from server.upgrades.discovery import find_answer_files
    from server.upgrades.writes import interrupted

    workspace = where.root()
    if interrupted(workspace):
        # check only reads: the rollback is left to the next `scion upgrade` (or server start).
        warn("an upgrade of this workspace was interrupted; `scion upgrade` puts its files back first")
    detector = Detector(where.catalog(workspace, lazy=True), workspace)
    store = where.open_store(workspace) if where.store_path(workspace).exists() else None
    offers = []
    unreadable = 0
    for answer_file in find_answer_files(workspace):
        try:
            found = detector.offers(answer_file)
        except ScionError as error:  # one broken answer file must not hide the other upgrades
            line = f":{error.line}" if error.line else ""
            warn(f"{relative(answer_file, workspace)}{line}: cannot check it: {error.message}")
            unreadable += 1
            continue
        for offer in found:
            if store is None or not store.is_dismissed(str(offer.primary), offer.template_id, offer.to_version):
                offers.append(offer)
    copier_offers, copier_unreadable = check_copier_projects(workspace)
    unreadable += copier_unreadable
    if as_json:
        print_json(
            [
                {
                    "file": relative(offer.primary, workspace),
                    "template": offer.template_id,
                    "from": offer.from_version,
                    "to": offer.to_version,
                    "summary": offer.summary,
                }
                for offer in offers
            ]
            + [{**item, "summary": f"copier template {item['template']}"} for item in copier_offers],
            workspace,
        )
    else:
        for offer in offers:
            print(f"{relative(offer.primary, workspace)}: {offer.message}")
        for item in copier_offers:
            print(f"{item['file']}: copier template {item['template']}: {item['from']} -> {item['to']} available")
        total = len(offers) + len(copier_offers)
        note(f"{total} upgrade{'s' if total != 1 else ''} available")
    if unreadable:
        note(f"{unreadable} answer file{'s' if unreadable != 1 else ''} could not be checked")
    return 1 if offers or copier_offers or unreadable else 0


@click.command(
    "upgrade",
    help="Upgrade generated files to newer template versions (a three-way merge that keeps your edits). "
    "Copier projects (a .copier-answers.yml) are upgraded to the template's newer tag, as `copier update` does.",
)
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "all_files", is_flag=True, help="every generated file in the workspace")
@click.option("--to", "to_version", metavar="VERSION", help="target version (default: the newest)")
@click.option("--dry-run", is_flag=True, help="show the changes as unified diffs; write nothing")
@click.option("--defaults", is_flag=True, help="answer new questions with their defaults, never ask")
@answer_option("an answer for the new version (repeatable): how to give a secret again without a prompt")
@click.option("--trust", is_flag=True, help="copier: allow the template's _jinja_extensions, _tasks and _migrations")
@click.option("--skip-tasks", is_flag=True, help="copier: do not run the template's _tasks")
@workspace_options
@json_option
def upgrade_command(where: Where, paths: tuple[Path, ...], **options) -> int:
    return upgrade(where, paths, **options)


@click.command("check", help="List generated files with template upgrades available; exit 1 if any (for hooks and CI).")
@workspace_options
@json_option
def check_command(where: Where, as_json: bool) -> int:
    return check(where, as_json)


COMMANDS = [upgrade_command, check_command]


def _ask_on_tty(params: dict) -> dict | None:
    note(params["title"])
    return ask_on_tty(params["questions"])


def _shown_on(bar: ProgressBar | None):
    if bar is None:
        return None
    return lambda done, total, upgrade: bar.update(done, total, upgrade.primary.name)
