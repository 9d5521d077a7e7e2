"""`scion templates list|show|rollback`."""

from __future__ import annotations

from server.cli.common import add_workspace_options, open_catalog, print_json, print_table, workspace_of


def add_parser(commands) -> None:
    parser = commands.add_parser("templates", help="list, show and roll back templates")
    sub = parser.add_subparsers(dest="templates_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="list the templates of every root")
    add_workspace_options(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=run_list)

    show = sub.add_parser("show", help="show one template's questions and changelog")
    add_workspace_options(show)
    show.add_argument("id")
    show.add_argument("--version", dest="template_version", help="a version (default: the newest)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=run_show)

    rollback = sub.add_parser("rollback", help="undo the newest evolved version of a template")
    add_workspace_options(rollback)
    rollback.add_argument("id")
    rollback.set_defaults(run=run_rollback)


def describe(catalog, template) -> dict:
    return {
        "id": template.id,
        "version": template.version,
        "versions": catalog.versions(template.id),
        "title": template.title,
        "description": template.description,
        "mode": template.mode,
        "where": list(template.where),
        "languages": list(template.languages),
        "root": template.root_kind,
    }


def run_list(args) -> int:
    from server.cli.copier_generate import copier_templates_of, describe_copier_template

    catalog = open_catalog(workspace_of(args))
    templates = sorted(catalog.templates(), key=lambda t: t.id)
    copier = [describe_copier_template(name, folder) for name, folder in sorted(copier_templates_of(args).items())]
    if args.json:
        print_json([describe(catalog, t) for t in templates] + copier)
        return 0
    rows = [[t.id, t.version, len(catalog.versions(t.id)), t.mode, ",".join(t.languages), t.title] for t in templates]
    rows += [[c["id"], c["version"], len(c["versions"]), "copier", "", c["title"]] for c in copier]
    print_table(["id", "version", "versions", "mode", "languages", "title"], rows)
    return 0


def run_show(args) -> int:
    catalog = open_catalog(workspace_of(args))
    template = catalog.get(args.id, args.template_version)
    data = describe(catalog, template)
    data["questions"] = [
        {
            "name": q.name,
            "type": q.type,
            "help": q.help,
            "default": q.default,
            "choices": q.choices,
            "multiselect": q.multiselect,
            "when": q.when,
            "secret": q.secret,
        }
        for q in template.questions
    ]
    data["changelog"] = dict(template.changelog)
    if args.json:
        print_json(data)
        return 0
    print(f"{template.title} ({template.id} {template.version}, {template.mode} mode)")
    if template.description:
        print(template.description)
    print(f"languages: {', '.join(template.languages) or 'any'}; where: {', '.join(template.where)}")
    print(f"versions: {', '.join(data['versions'])}")
    print("questions:")
    for q in data["questions"]:
        extra = f" default={q['default']!r}" if q["default"] is not None else " (required)"
        choices = f" choices={q['choices']}" if q["choices"] else ""
        print(f"  {q['name']}: {q['type']}{extra}{choices}  {q['help']}")
    if template.changelog:
        print("changelog:")
        for version, text in template.changelog.items():
            print(f"  {version}: {text}")
    return 0


def run_rollback(args) -> int:
    from server.cli.common import open_store
    from server.evolution.deploy import rollback

    workspace = workspace_of(args)
    store = open_store(args, workspace)
    removed = rollback(workspace, store, args.id)
    print(f"rolled back {args.id}: version {removed} removed; the previous version is current again")
    return 0
