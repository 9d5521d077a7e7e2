"""`scion generate SRC --path DEST` when SRC is a copier template (a folder with copier.yml, or a git URL).

The logic is in server/copier/; this module turns the arguments into options,
asks on a terminal, prints what happened, and records the generation in the
database (never in the project).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from server.cli.common import print_json


def run_copier_generate(args: Any, answers: dict[str, str]) -> int:
    from server.copier.copy import copy_template
    from server.copier.record import record_copy
    from server.copier.session import RunOptions

    destination = args.path.expanduser().absolute()
    interactive = not args.defaults and sys.stdin.isatty()
    options = RunOptions(
        data=answers,
        defaults=args.defaults or not interactive,
        trusted=args.trust,
        skip_tasks=args.skip_tasks,
        overwrite=args.force,
    )
    result = copy_template(
        args.id,
        destination,
        options,
        vcs_ref=args.vcs_ref,
        ask=ask_on_terminal if interactive else None,
        say=_to_stderr,
    )
    record_copy(args, destination, result)
    if args.json:
        print_json(
            {
                "template": args.id,
                "version": result.checkout.commit,
                "destination": str(destination),
                "files": list(result.written),
                "skipped": list(result.skipped),
                "answers": result.remembered,
            }
        )
    else:
        for path in result.written:
            print(f"wrote {destination / path}")
        for path in result.skipped:
            print(f"kept {destination / path} (_skip_if_exists)")
    return 0


def copier_templates_of(args: Any, near: Path | None = None) -> dict[str, Path]:
    """The copier templates in the workspace's template roots, by id."""
    from server.cli.common import workspace_of
    from server.copier.roots import copier_templates
    from server.templates.catalog import default_roots

    return copier_templates(root for root, _ in default_roots(workspace_of(args, near)))


def copier_template_in_roots(args: Any, near: Path) -> Path | None:
    return copier_templates_of(args, near).get(args.id)


def describe_copier_template(template_id: str, folder: Path) -> dict[str, Any]:
    """How `scion templates list` shows a copier template; a broken one is listed with its problem."""
    from server.common.errors import ScionError
    from server.copier.source import open_source

    try:
        tags = open_source(str(folder)).tags()
        problem = ""
    except ScionError as error:
        tags, problem = [], str(error)
    return {
        "id": template_id,
        "version": tags[0] if tags else "HEAD",
        "versions": tags,
        "title": f"copier template ({folder})" + (f": {problem}" if problem else ""),
        "mode": "copier",
        "root": str(folder.parent),
    }


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr)


def ask_on_terminal(question: Any, default: Any) -> Any:
    from server.cli.prompt import ask_on_tty
    from server.common.errors import AnswerError
    from server.copier.questions import MISSING

    choices = [{"label": choice.label, "value": choice.value} for choice in question.choices]
    payload = {
        "name": question.name,
        "type": question.type_name,
        "help": question.help_text().strip(),
        "default": None if default is MISSING else default,
        "choices": choices or None,
        "secret": question.secret,
        "multiselect": question.multiselect,
    }
    while True:
        raw = ask_on_tty([payload])[question.name]
        try:
            answer = question.parse(raw)
            question.validate(answer)
            return answer
        except AnswerError as error:
            print(f"  {error.message}", file=sys.stderr)
