"""`scion templates list|show|rollback`."""

from __future__ import annotations

import click

from server.cli.common import (
    Where,
    complete_template_ids,
    json_option,
    print_json,
    print_table,
    workspace_options,
)


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


def list_templates(where: Where, as_json: bool) -> int:
    from server.cli.copier_generate import copier_templates_of, describe_copier_template

    workspace = where.root()
    catalog = where.catalog(workspace)
    templates = sorted(catalog.templates(), key=lambda t: t.id)
    copier = [
        describe_copier_template(name, folder) for name, folder in sorted(copier_templates_of(where, workspace).items())
    ]
    if as_json:
        print_json([describe(catalog, t) for t in templates] + copier, workspace)
        return 0
    rows = [[t.id, t.version, len(catalog.versions(t.id)), t.mode, ",".join(t.languages), t.title] for t in templates]
    rows += [[c["id"], c["version"], len(c["versions"]), "copier", "", c["title"]] for c in copier]
    print_table(["id", "version", "versions", "mode", "languages", "title"], rows)
    return 0


def show_template(where: Where, template_id: str, version: str | None, as_json: bool) -> int:
    workspace = where.root()
    catalog = where.catalog(workspace)
    template = catalog.get(template_id, version)
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
    if as_json:
        print_json(data, workspace)
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


def rollback_template(where: Where, template_id: str, as_json: bool) -> int:
    from server.evolution.deploy import rollback

    workspace = where.root()
    with where.open_store(workspace) as store:
        removed = rollback(workspace, store, template_id)
    current = where.catalog(workspace, lazy=True).get(template_id).version
    if as_json:
        kept = workspace / ".scion" / "rolled-back" / template_id / removed
        print_json({"template": template_id, "removed": removed, "current": current, "keptIn": kept}, workspace)
    else:
        print(f"rolled back {template_id}: version {removed} removed; {current} is current again")
    return 0


# A group with no action of its own: `scion templates` alone shows its help.
templates_group = click.Group("templates", help="List, show and roll back templates.")


@templates_group.command("list", help="List the templates of every root, newest version of each.")
@workspace_options
@json_option
def list_command(where: Where, as_json: bool) -> int:
    return list_templates(where, as_json)


@templates_group.command("show", help="Show one template's questions and changelog.")
@click.argument("template_id", metavar="ID", shell_complete=complete_template_ids)
@click.option("--version", "version", metavar="VERSION", help="a version (default: the newest)")
@workspace_options
@json_option
def show_command(where: Where, template_id: str, version: str | None, as_json: bool) -> int:
    return show_template(where, template_id, version, as_json)


@templates_group.command(
    "rollback", help="Undo the newest version `scion evolve` deployed (moved to .scion/rolled-back/)."
)
@click.argument("template_id", metavar="ID", shell_complete=complete_template_ids)
@workspace_options
@json_option
def rollback_command(where: Where, template_id: str, as_json: bool) -> int:
    return rollback_template(where, template_id, as_json)


COMMANDS = [templates_group]
