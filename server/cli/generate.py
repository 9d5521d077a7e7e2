"""`scion generate ID --path FILE`: the same generation as the editor's code action."""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.common import (
    Where,
    complete_template_ids,
    json_option,
    print_json,
    relative,
    workspace_options,
)
from server.cli.prompt import ask_on_tty, can_ask
from server.common.errors import AnswerError


def parse_answer_args(pairs: list[str]) -> dict[str, str]:
    answers = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise AnswerError(f"--answer expects NAME=VALUE, got {pair!r}")
        answers[name.strip()] = value
    return answers


def generate(
    where: Where,
    template_id: str,
    target: Path,
    *,
    version: str | None = None,
    answers: tuple[str, ...] = (),
    line_number: int | None = None,
    defaults: bool = False,
    force: bool = False,
    as_json: bool = False,
) -> int:
    from server.common.confine import inside_workspace
    from server.context import context_at, context_for_path
    from server.generation import generate_on_disk, plan_file_generation, plan_insert_generation
    from server.generation.answering import finish_resolution, providers_for, record_task_executions
    from server.templates.answers import ask_payload, resolve_answers
    from server.templates.secrets import without_secrets

    requested = target.expanduser().absolute()
    workspace = where.root(requested.parent)
    # Not resolve(): a symlink on the way must not carry the write (insert mode, the answer file) outside.
    path = Path(inside_workspace(workspace, requested, what="--path"))
    catalog = where.catalog(workspace)
    template = catalog.get(template_id, version)
    store = where.open_store(workspace)
    if version is None:
        from server.evolution.trials import serve

        template = serve(store, workspace, template)  # a running A/B trial's share of new generations

    if template.mode == "insert" and path.exists():
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        line = (line_number - 1) if line_number else max(len(lines) - 1, 0)
        context = context_at(text, path, line, 0, workspace=workspace)
    else:
        text, lines, line = "", [""], 0
        context = context_for_path(path, workspace=workspace)
    features = context.features()

    explicit = parse_answer_args(list(answers))
    resolution = resolve_answers(template, features, explicit, providers_for(store, template))
    questions = ask_payload(resolution)
    user_answers = None
    if questions and not defaults and can_ask():
        user_answers = ask_on_tty(questions)
    resolution = finish_resolution(resolution, user_answers)

    if template.mode == "insert":
        line_text = lines[line] if line < len(lines) else ""
        plan = plan_insert_generation(
            template, resolution.answers, resolution.sources, features, path, line, line_text, context.indentation
        )
    else:
        plan = plan_file_generation(template, resolution.answers, resolution.sources, features, path.parent, workspace)
    # Code, answer file and database record as one unit: all written, or none (see generation.py).
    written = list(
        generate_on_disk(
            store,
            plan,
            overwrite=force,
            also=lambda: record_task_executions(store, plan.generation_id, template.id, resolution, features),
        )
    )
    answer_file = plan.answer_file
    result = {
        "generation_id": plan.generation_id,
        "template": template.id,
        "version": template.version,
        "files": written,
        "answer_file": answer_file,
        # Secret answers are never echoed: output gets captured in logs and CI.
        "answers": without_secrets(template, resolution.answers),
        "sources": without_secrets(template, resolution.sources),
    }
    if as_json:
        print_json(result, workspace)
    else:
        for file in (*written, answer_file):
            print(f"wrote {relative(file, workspace)}")
        for name, value in resolution.answers.items():
            shown = "(secret)" if _is_secret(template, name) else repr(value)
            print(f"  {name} = {shown}  ({resolution.sources.get(name, '?')})")
    return 0


def _is_secret(template, name: str) -> bool:
    question = template.question(name)
    return question is not None and question.secret


def answer_option(help_text: str):
    return click.option("--answer", "-a", "answers", multiple=True, metavar="NAME=VALUE", help=help_text)


@click.command("generate", help="Generate code from a template: a new file, or a block inserted into a file.")
@click.argument("template_id", metavar="ID", shell_complete=complete_template_ids)
@click.option(
    "--path",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the file to create (file mode) or insert into",
)
@click.option("--version", metavar="VERSION", help="template version (default: the newest)")
@answer_option("an answer (repeatable)")
@click.option(
    "--line",
    "line_number",
    type=click.IntRange(min=1),
    help="insert mode: 1-based line to insert at (default: the end)",
)
@click.option("--defaults", is_flag=True, help="take every pre-filled candidate without asking")
@click.option("--force", is_flag=True, help="overwrite an existing non-empty file")
@workspace_options
@json_option
def generate_command(where: Where, template_id: str, target: Path, **options) -> int:
    return generate(where, template_id, target, **options)


COMMANDS = [generate_command]
