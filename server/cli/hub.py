"""`scion hub init|add-member|status|sync`: the team hub from a terminal.

The hub's URL comes from `--hub URL`, else `$SCION_HUB_URL`. `init` and
`add-member` need an administrator's URL (a role that may create schemas and
roles); `status` and `sync` run as this instance, with a member's login.
The logic is in plain functions below the commands; the commands only call them.
A `--hub` URL is checked like the `hub.url` setting (a postgresql:// URL);
the workspace's `.scion/config.toml` may not name a hub (config_file.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from server.cli.common import Where, json_option, print_json, workspace_options
from server.cli.output import progress_bar
from server.common.errors import HubError


def _url(where: Where, workspace: Path | None = None) -> str:
    """`--hub`, else $SCION_HUB_URL (never the workspace's file); a usage error (exit 2) when neither is set."""
    from server.hub import URL_ENV

    url = where.hub_url(workspace if workspace is not None else where.root())
    if not url:
        raise HubError(f"no hub configured: pass --hub URL or set {URL_ENV}")
    return url


def _with_hub(where: Where, hub: str | None) -> Where:
    """`--hub URL` as a flag layer: checked like the setting (a postgresql:// URL) and named `--hub` in messages."""
    if not hub:
        return where
    from server.common.config import Layer

    return where.with_flags([Layer("--hub", {"hub": {"url": hub}})])


def run_init(url: str) -> int:
    report = init_hub(url)
    print(f"hub schema at version {report['version']} ({report['applied']} migration(s) applied)")
    return 0


def run_add_member(where: Where, name: str, team: str, password_env: str | None) -> int:
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise HubError(f"${password_env} is not set")
    add_member(_url(where), name, team, password)
    print(f"{name} is a member of team {team}; it connects as postgresql://{name}@HOST/DATABASE")
    return 0


def run_status(where: Where, as_json: bool) -> int:
    workspace = where.root()
    url = _url(where, workspace)
    with where.open_store(workspace) as store:
        report = hub_status(store, url)
    if as_json:
        print_json(report, workspace)
    else:
        print(f"hub        {report['hub']}")
        print(f"reachable  {'yes' if report['reachable'] else 'no: ' + report['problem']}")
        print(f"team       {report['team'] or '-'} ({report['teamSize']} instance(s))")
        print(f"backlog    {report['backlog']} entr{'y' if report['backlog'] == 1 else 'ies'} to push")
        print(f"last sync  {report['lastSync'] or 'never'}")
    return 0 if report["reachable"] else 1


def run_sync(where: Where, as_json: bool) -> int:
    workspace = where.root()
    url = _url(where, workspace)
    with where.open_store(workspace) as store, progress_bar(None, "sync", show=not as_json) as bar:

        def shown(what: str, done: int, total: int | None) -> None:
            if bar is not None:
                bar.update(done, total, item=what)

        result = hub_sync(store, url, progress=shown, workspace=workspace)
    if as_json:
        print_json(result, workspace)
    else:
        print(
            f"pushed {result['pushed']}, pulled {result['pulled']} teammate answer(s); "
            f"team {result['team']} has {result['teamSize']} instance(s); {result['backlog']} left to push"
        )
    return 0


def _hub_option(whose: str):
    return click.option("--hub", "hub", metavar="URL", help=f"{whose} (default: $SCION_HUB_URL)")


# A group with no action of its own: `scion hub` alone shows its help.
hub_group = click.Group("hub", help="Share what Scion learns with a team (a PostgreSQL hub).")


@hub_group.command("init", help="Create or migrate the hub's schema, roles and policies (URL: an administrator's).")
@click.argument("url", metavar="URL")
def init_command(url: str) -> int:
    from server.common.config import Layer, resolve_settings

    problems = resolve_settings([Layer("URL", {"hub": {"url": url}})]).problems
    if problems:
        raise click.BadParameter(problems[0], param_hint="URL")
    return run_init(url)


@hub_group.command("add-member", help="Make a login for a team member.")
@click.argument("name", metavar="NAME")
@click.option("--team", required=True, help="the team the member joins")
@click.option("--password-env", metavar="VAR", help="set the login's password from this environment variable")
@_hub_option("an administrator's URL")
@workspace_options
def add_member_command(where: Where, name: str, team: str, password_env: str | None, hub: str | None) -> int:
    return run_add_member(_with_hub(where, hub), name, team, password_env)


@hub_group.command("status", help="Is the hub reachable; backlog, last sync, team size. Exit 1 when unreachable.")
@_hub_option("this member's URL")
@workspace_options
@json_option
def status_command(where: Where, hub: str | None, as_json: bool) -> int:
    return run_status(_with_hub(where, hub), as_json)


@hub_group.command("sync", help="Push the outbox and pull what the team learned, now.")
@_hub_option("this member's URL")
@workspace_options
@json_option
def sync_command(where: Where, hub: str | None, as_json: bool) -> int:
    return run_sync(_with_hub(where, hub), as_json)


COMMANDS = [hub_group]


# -- the logic, free of argument parsing ---------------------------------------


def init_hub(url: str) -> dict[str, Any]:
    from server.hub.admin import init_hub as migrate

    report = migrate(url)
    return {"version": report.after, "applied": report.applied}


def add_member(url: str, name: str, team: str, password: str | None) -> None:
    from server.hub.admin import add_member as make_login

    make_login(url, name, team, password)


def hub_status(store, url: str) -> dict[str, Any]:
    """Reachable (and why not), backlog, last sync and team size, as this instance sees them."""
    from server.common.config import shown_url
    from server.common.instance import instance_id
    from server.hub.client import connected
    from server.hub.sync import LAST_SYNC, TEAM, TEAM_SIZE

    report: dict[str, Any] = {
        "hub": shown_url(url),
        "instance": instance_id(),
        "reachable": False,
        "problem": "",
        "team": store.hub_state(TEAM),
        "teamSize": int(store.hub_state(TEAM_SIZE) or 0),
        "backlog": store.outbox_size(),
        "lastSync": store.hub_state(LAST_SYNC),
    }
    try:
        with connected(url, instance_id()) as client:
            report.update(reachable=True, team=client.team, teamSize=client.team_size())
    except HubError as error:
        report["problem"] = str(error)
    return report


def hub_sync(store, url: str, progress=None, workspace=None) -> dict[str, Any]:
    from platformdirs import user_data_path

    from server.common.instance import instance_id
    from server.hub.sync import HubLink, SyncOptions

    options = SyncOptions(workspace=workspace, user_templates=user_data_path("scion", appauthor=False) / "templates")
    link = HubLink(url, instance_id(), options)
    try:
        result = link.sync(store, progress)
    finally:
        link.close()
    return {
        "team": result.team,
        "teamSize": result.team_size,
        "pushed": result.pushed,
        "pulled": result.pulled,
        "backlog": result.backlog,
        "programsAdopted": result.programs.adopted,
        "programsRejected": result.programs.rejected,
        "programsPublished": result.programs.published,
        "templatesInstalled": result.templates.installed,
        "templatesRejected": result.templates.rejected,
        "templatesPublished": result.templates.published,
    }
