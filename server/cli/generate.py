"""`scion generate ID --path FILE`: the same generation as the editor's code action."""

from __future__ import annotations

import sys
from pathlib import Path

from server.cli.common import add_workspace_options, open_catalog, open_store, print_json, workspace_of
from server.common.errors import AnswerError


def add_parser(commands) -> None:
    parser = commands.add_parser("generate", help="generate code from a template")
    add_workspace_options(parser)
    parser.add_argument(
        "id", help="template id (e.g. python/dataclass), or a copier template: a folder with copier.yml, or a git URL"
    )
    parser.add_argument(
        "--path",
        required=True,
        type=Path,
        help="the file to create (file mode) or insert into; for a copier template, the project folder",
    )
    parser.add_argument("--version", dest="template_version", help="template version (default: the newest)")
    parser.add_argument(
        "--answer", "-a", action="append", default=[], metavar="NAME=VALUE", help="an answer (repeatable)"
    )
    parser.add_argument("--line", type=int, help="insert mode: 1-based line to insert at (default: end of file)")
    parser.add_argument("--defaults", action="store_true", help="take every pre-filled candidate without asking")
    parser.add_argument("--force", action="store_true", help="overwrite an existing non-empty file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    copier = parser.add_argument_group("copier templates")
    copier.add_argument("--vcs-ref", help="the git tag or commit to generate from (default: the newest tag)")
    copier.add_argument(
        "--trust", action="store_true", help="allow the template's _jinja_extensions, _tasks and _migrations"
    )
    copier.add_argument("--skip-tasks", action="store_true", help="do not run the template's _tasks")
    parser.set_defaults(run=run)


def parse_answer_args(pairs: list[str]) -> dict[str, str]:
    answers = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise AnswerError(f"--answer expects NAME=VALUE, got {pair!r}")
        answers[name.strip()] = value
    return answers


def run(args) -> int:
    from server.cli.copier_generate import copier_template_in_roots, run_copier_generate
    from server.copier.source import looks_like_source

    if looks_like_source(args.id):
        return run_copier_generate(args, parse_answer_args(args.answer))
    in_roots = copier_template_in_roots(args, args.path.expanduser().absolute().parent)
    if in_roots is not None:
        args.id = str(in_roots)
        return run_copier_generate(args, parse_answer_args(args.answer))
    return run_catalog_template(args)


def run_catalog_template(args) -> int:
    from server.common.confine import inside_workspace
    from server.context import context_at, context_for_path
    from server.generation import generate_on_disk, plan_file_generation, plan_insert_generation
    from server.generation.answering import finish_resolution, providers_for, record_task_executions
    from server.templates.answers import ask_payload, resolve_answers
    from server.templates.secrets import without_secrets

    requested = args.path.expanduser().absolute()
    workspace = workspace_of(args, requested.parent)
    # Not resolve(): a symlink on the way must not carry the write (insert mode, the answer file) outside.
    path = Path(inside_workspace(workspace, requested, what="--path"))
    catalog = open_catalog(workspace)
    template = catalog.get(args.id, args.template_version)
    store = open_store(args, workspace)

    if template.mode == "insert" and path.exists():
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        line = (args.line - 1) if args.line else max(len(lines) - 1, 0)
        context = context_at(text, path, line, 0, workspace=workspace)
    else:
        text, lines, line = "", [""], 0
        context = context_for_path(path, workspace=workspace)
    features = context.features()

    explicit = parse_answer_args(args.answer)
    resolution = resolve_answers(template, features, explicit, providers_for(store, template))
    questions = ask_payload(resolution)
    user_answers = None
    if questions and not args.defaults and sys.stdin.isatty():
        from server.cli.prompt import ask_on_tty

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
    written = [
        str(p)
        for p in generate_on_disk(
            store,
            plan,
            overwrite=args.force,
            also=lambda: record_task_executions(store, plan.generation_id, template.id, resolution, features),
        )
    ]
    answer_file = plan.answer_file
    result = {
        "generation_id": plan.generation_id,
        "template": template.id,
        "version": template.version,
        "files": written,
        "answer_file": str(answer_file),
        # Secret answers are never echoed: output gets captured in logs and CI.
        "answers": without_secrets(template, resolution.answers),
        "sources": without_secrets(template, resolution.sources),
    }
    if args.json:
        print_json(result)
    else:
        for file in written:
            print(f"wrote {file}")
        print(f"wrote {answer_file}")
        for name, value in resolution.answers.items():
            shown = "(secret)" if _is_secret(template, name) else repr(value)
            print(f"  {name} = {shown}  ({resolution.sources.get(name, '?')})")
    return 0


def _is_secret(template, name: str) -> bool:
    question = template.question(name)
    return question is not None and question.secret
