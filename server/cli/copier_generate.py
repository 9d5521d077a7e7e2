"""`scion generate SRC --path DEST` when SRC is a copier template (a folder with copier.yml, or a git URL).

The logic is in server/copier/; this module turns the arguments into options,
asks on a terminal, prints what happened, and records the generation in the
database (never in the project).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.cli.output import note, print_json

if TYPE_CHECKING:
    from server.cli.common import Where


def generate_copier(
    where: Where,
    src: str,
    target: Path,
    answers: dict[str, str],
    *,
    vcs_ref: str | None = None,
    defaults: bool = False,
    trust: bool = False,
    skip_tasks: bool = False,
    force: bool = False,
    as_json: bool = False,
) -> int:
    from server.cli.prompt import can_ask
    from server.copier.copy import copy_template
    from server.copier.record import record_copy
    from server.copier.session import RunOptions
    from server.copier.user_settings import load_copier_settings

    destination = target.expanduser().absolute()
    workspace = where.root(destination.parent)
    interactive = not defaults and can_ask()
    options = RunOptions(
        data=answers,
        defaults=defaults or not interactive,
        trusted=trust or source_trusted(where, workspace, src),
        skip_tasks=skip_tasks,
        overwrite=force,
        settings_defaults=dict(load_copier_settings().defaults),
    )
    result = copy_template(
        src,
        destination,
        options,
        vcs_ref=vcs_ref,
        ask=ask_on_terminal if interactive else None,
        say=note,
        record=lambda rendered: record_copy(where.db, destination, rendered),
    )
    if as_json:
        print_json(
            {
                "template": src,
                "version": result.checkout.commit,
                "destination": destination,
                "files": [destination / path for path in result.written],
                "skipped": [destination / path for path in result.skipped],
                "answers": result.remembered,
            },
            workspace,
        )
    else:
        for path in result.written:
            print(f"wrote {destination / path}")
        for path in result.skipped:
            print(f"kept {destination / path} (_skip_if_exists)")
    return 0


def trusted_sources(where: Where, workspace: Path) -> tuple[str, ...]:
    """`scion.templates.trusted` from the effective settings (your user file and flags, never the workspace's
    own file), and the `trust` list of copier's own user settings file."""
    from server.copier.user_settings import load_copier_settings

    ours = () if where.defaults_only(workspace) else tuple(where.settings(workspace).templates.trusted)
    return ours + load_copier_settings().trust


def source_trusted(where: Where, workspace: Path, src: str) -> bool:
    from server.copier.trust import is_trusted

    return is_trusted(src, trusted_sources(where, workspace))


def copier_templates_of(where: Where, workspace: Path) -> dict[str, Path]:
    """The copier templates in the workspace's template roots (with the roots the settings add), by id."""
    from server.copier.roots import copier_templates
    from server.templates.catalog import default_roots

    extra: list[Path] = []
    if not where.defaults_only(workspace):
        from server.common.config import template_roots

        extra = template_roots(where.settings(workspace), workspace)
    return copier_templates(root for root, _ in default_roots(workspace, extra))


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


def ask_on_terminal(question: Any, default: Any) -> Any:
    from server.cli.prompt import ask_on_tty
    from server.common.errors import AnswerError
    from server.copier.questions import ask_payload

    payload = ask_payload(question, default)
    while True:
        raw = ask_on_tty([payload])[question.name]
        try:
            answer = question.parse(raw)
            question.validate(answer)
            return answer
        except AnswerError as error:
            print(f"  {error.message}", file=sys.stderr)
