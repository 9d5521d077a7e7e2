"""`scion upgrade` and `scion check`: template upgrades in batch, for terminals, hooks and CI.

Exit codes follow the design: upgrade exits 0 when clean, 1 when conflicts
remain in files, 2 when a file could not be upgraded; check exits 1 when
upgrades are available, so a pre-commit hook or CI job can fail on it, and 2
when an answer file could not be read (the others are still checked).
"""

from __future__ import annotations

import sys
from pathlib import Path

from server.cli.common import add_workspace_options, open_catalog, open_store, print_json, workspace_of
from server.common.errors import ScionError

# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 10
BAR_WIDTH = 30


def add_parser(commands) -> None:
    upgrade = commands.add_parser("upgrade", help="upgrade generated files to newer template versions")
    add_workspace_options(upgrade)
    upgrade.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="generated files (or their answer files)")
    upgrade.add_argument("--all", action="store_true", help="every generated file in the workspace")
    upgrade.add_argument("--to", dest="to_version", metavar="VERSION", help="target version (default: the newest)")
    upgrade.add_argument("--dry-run", action="store_true", help="show the changes as unified diffs; write nothing")
    upgrade.add_argument("--defaults", action="store_true", help="answer new questions with their defaults, never ask")
    upgrade.add_argument(
        "--answer",
        "-a",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an answer for the new version (repeatable): how to give a secret again without a prompt",
    )
    upgrade.add_argument("--json", action="store_true", help="print the result as JSON")
    copier = upgrade.add_argument_group("copier projects (a .copier-answers.yml)")
    copier.add_argument(
        "--trust", action="store_true", help="allow the template's _jinja_extensions, _tasks and _migrations"
    )
    copier.add_argument("--skip-tasks", action="store_true", help="do not run the template's _tasks")
    upgrade.set_defaults(run=run_upgrade)

    check = commands.add_parser("check", help="list generated files with template upgrades available (exit 1 if any)")
    add_workspace_options(check)
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(run=run_check)


def run_upgrade(args) -> int:
    from server.cli.copier_upgrade import copier_answers_files, print_copier_results, upgrade_copier_projects
    from server.cli.generate import parse_answer_args
    from server.upgrades.batch import apply_batch, generated_files, plan_batch
    from server.upgrades.parallel import CoreSampler, default_workers
    from server.upgrades.service import Upgrader

    sample = CoreSampler()  # how busy the other cores are while the templates load decides on workers
    if not args.paths and not args.all:
        raise ScionError("name the generated files to upgrade, or pass --all for the whole workspace")
    near = args.paths[0].expanduser().resolve().parent if args.paths else None
    workspace = workspace_of(args, near)
    copier_files = set(copier_answers_files(workspace, list(args.paths))) if args.paths else set()
    own_paths = [path for path in args.paths if path.expanduser().absolute() not in copier_files]
    copier_results, copier_exit = upgrade_copier_projects(args, workspace, parse_answer_args(args.answer))
    if args.paths and not own_paths:
        return _copier_only(args, copier_results, copier_exit)
    paths = [path.expanduser() for path in own_paths] if args.paths else generated_files(workspace)
    # A copier-only project gets no database of Scion's (nothing of Scion's is added to it).
    store = None if args.dry_run or not paths else open_store(args, workspace)
    asks = not args.defaults and sys.stdin.isatty()
    upgrader = Upgrader(
        open_catalog(workspace, lazy=True),
        workspace,
        store,
        ask=_ask_on_tty if asks else None,
        honour_skips=args.all and not args.paths,
        answers=parse_answer_args(args.answer),
    )
    progress = _ProgressBar() if len(paths) >= PROGRESS_MIN_FILES and sys.stderr.isatty() and not asks else None
    workers = 1 if asks else default_workers(len(paths), sample)
    result = plan_batch(upgrader, paths, args.to_version, progress=progress, workers=workers)
    if progress is not None:
        progress.finish()
    if not args.dry_run:
        result = apply_batch(upgrader, result)
    if result.rolled_back:
        print(
            f"an interrupted upgrade was rolled back first: {len(result.rolled_back)} file(s) put back as they were",
            file=sys.stderr,
        )
    if args.json:
        files = []
        for upgrade in result.files:
            entry = upgrade.as_json(workspace)
            if args.dry_run:
                entry["diff"] = upgrade.diff(workspace)
            files.append(entry)
        rolled_back = [_relative(path, workspace) for path in result.rolled_back]
        print_json(
            {
                "summary": result.counts,
                "dryRun": args.dry_run,
                "rolledBack": rolled_back,
                "files": files,
                "copier": copier_results,
            }
        )
        return max(result.exit_code, copier_exit)
    print_copier_results(copier_results, args.dry_run)
    for upgrade in result.files:
        if args.dry_run and upgrade.writes:
            sys.stdout.write(upgrade.diff(workspace))
    for upgrade in result.files:
        if upgrade.status != "unchanged" or upgrade.generations:
            print(upgrade.summary(), file=sys.stderr if args.dry_run else sys.stdout)
    counts = ", ".join(f"{status} {count}" for status, count in result.counts.items())
    print(("dry run: " if args.dry_run else "") + counts, file=sys.stderr if args.dry_run else sys.stdout)
    if result.count("conflicted") and not args.dry_run:
        print("conflicts remain: resolve the <<<<<<< yours / >>>>>>> template blocks, then commit", file=sys.stderr)
    if copier_exit == 1:
        print("conflicts remain in copier projects: resolve the <<<<<<< yours blocks, then commit", file=sys.stderr)
    return max(result.exit_code, copier_exit)


def _copier_only(args, results: list, exit_code: int) -> int:
    from server.cli.copier_upgrade import print_copier_results

    if args.json:
        print_json({"dryRun": args.dry_run, "copier": results})
    else:
        print_copier_results(results, args.dry_run)
        if exit_code == 1:
            print("conflicts remain: resolve the <<<<<<< yours / >>>>>>> template blocks, then commit", file=sys.stderr)
    return exit_code


def run_check(args) -> int:
    from server.cli.copier_upgrade import check_copier_projects
    from server.upgrades.detect import Detector
    from server.upgrades.discovery import find_answer_files
    from server.upgrades.writes import interrupted

    workspace = workspace_of(args)
    if interrupted(workspace):
        # check only reads: the rollback is left to the next `scion upgrade` (or server start).
        print(
            "warning: an upgrade of this workspace was interrupted; `scion upgrade` puts its files back first",
            file=sys.stderr,
        )
    detector = Detector(open_catalog(workspace, lazy=True), workspace)
    store_path = Path(args.db) if args.db else workspace / ".scion" / "scion.db"
    store = open_store(args, workspace) if store_path.exists() else None
    offers = []
    unreadable = 0
    for answer_file in find_answer_files(workspace):
        try:
            found = detector.offers(answer_file)
        except ScionError as error:  # one broken answer file must not hide the other upgrades
            where = f":{error.line}" if error.line else ""
            print(
                f"warning: {_relative(answer_file, workspace)}{where}: cannot check it: {error.message}",
                file=sys.stderr,
            )
            unreadable += 1
            continue
        for offer in found:
            if store is None or not store.is_dismissed(str(offer.primary), offer.template_id, offer.to_version):
                offers.append(offer)
    copier_offers, copier_failed = check_copier_projects(workspace)
    unreadable += 1 if copier_failed else 0
    if args.json:
        print_json(
            [
                {
                    "file": _relative(offer.primary, workspace),
                    "template": offer.template_id,
                    "from": offer.from_version,
                    "to": offer.to_version,
                    "summary": offer.summary,
                }
                for offer in offers
            ]
            + [{**item, "summary": f"copier template {item['template']}"} for item in copier_offers]
        )
    else:
        for offer in offers:
            print(f"{_relative(offer.primary, workspace)}: {offer.message}")
        for copier_offer in copier_offers:
            print(
                f"{copier_offer['file']}: copier template {copier_offer['template']}: "
                f"{copier_offer['from']} -> {copier_offer['to']} available"
            )
        total = len(offers) + len(copier_offers)
        print(f"{total} upgrade{'s' if total != 1 else ''} available", file=sys.stderr)
    if unreadable:
        print(f"{unreadable} answer file{'s' if unreadable != 1 else ''} could not be checked", file=sys.stderr)
        return 2
    return 1 if offers or copier_offers else 0


def _ask_on_tty(params: dict) -> dict | None:
    from server.cli.prompt import ask_on_tty

    print(params["title"], file=sys.stderr)
    return ask_on_tty(params["questions"])


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


class _ProgressBar:
    """A one-line bar on stderr, redrawn in place."""

    def __call__(self, done: int, total: int, upgrade) -> None:
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} {upgrade.primary.name[:40]:<40}")
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")
