"""`scion hub init|add-member|status|sync`: the team hub from a terminal.

The hub's URL comes from `--hub URL`, else `$SCION_HUB_URL`. `init` and
`add-member` need an administrator's URL (a role that may create schemas and
roles); `status` and `sync` run as this instance, with a member's login.
The logic is in plain functions below the parsers; the parsers only call them.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from server.cli.common import add_workspace_options, open_store, print_json, workspace_of
from server.common.errors import HubError


def add_parser(commands) -> None:
    hub = commands.add_parser("hub", help="share what Scion learns with a team (PostgreSQL)")
    actions = hub.add_subparsers(dest="action", metavar="ACTION", required=True)

    init = actions.add_parser("init", help="create or migrate the hub's schema, roles and policies")
    init.add_argument("url", metavar="URL", help="an administrator's postgresql:// URL")
    init.set_defaults(run=run_init)

    member = actions.add_parser("add-member", help="make a login for a team member")
    member.add_argument("name", metavar="NAME", help="the login to create (letters, digits, - and _)")
    member.add_argument("--team", required=True, help="the team the member joins")
    member.add_argument("--password-env", metavar="VAR", help="set the login's password from this environment variable")
    _add_hub_option(member, "an administrator's URL")
    member.set_defaults(run=run_add_member)

    status = actions.add_parser("status", help="is the hub reachable; backlog, last sync, team size")
    add_workspace_options(status)
    _add_hub_option(status, "this member's URL")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(run=run_status)

    sync = actions.add_parser("sync", help="push the outbox and pull what the team learned, now")
    add_workspace_options(sync)
    _add_hub_option(sync, "this member's URL")
    sync.add_argument("--json", action="store_true", help="print JSON")
    sync.set_defaults(run=run_sync)


def _add_hub_option(parser: argparse.ArgumentParser, whose: str) -> None:
    parser.add_argument("--hub", metavar="URL", help=f"{whose} (default: $SCION_HUB_URL)")


def _url(args: argparse.Namespace) -> str:
    from server.hub import URL_ENV, hub_url

    url = hub_url(getattr(args, "hub", None) or getattr(args, "url", None))
    if not url:
        raise HubError(f"no hub configured: pass --hub URL or set {URL_ENV}")
    return url


# -- the commands -------------------------------------------------------------


def run_init(args) -> int:
    report = init_hub(_url(args))
    print(f"hub schema at version {report['version']} ({report['applied']} migration(s) applied)")
    return 0


def run_add_member(args) -> int:
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            raise HubError(f"${args.password_env} is not set")
    add_member(_url(args), args.name, args.team, password)
    print(f"{args.name} is a member of team {args.team}; it connects as postgresql://{args.name}@HOST/DATABASE")
    return 0


def run_status(args) -> int:
    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        report = hub_status(store, _url(args))
    if args.json:
        print_json(report)
    else:
        print(f"hub        {report['hub']}")
        print(f"reachable  {'yes' if report['reachable'] else 'no: ' + report['problem']}")
        print(f"team       {report['team'] or '-'} ({report['teamSize']} instance(s))")
        print(f"backlog    {report['backlog']} entr{'y' if report['backlog'] == 1 else 'ies'} to push")
        print(f"last sync  {report['lastSync'] or 'never'}")
    return 0 if report["reachable"] else 1


def run_sync(args) -> int:
    workspace = workspace_of(args)
    with open_store(args, workspace) as store:
        result = hub_sync(store, _url(args), progress=None if args.json else _print_progress, workspace=workspace)
    if args.json:
        print_json(result)
    else:
        print(
            f"pushed {result['pushed']}, pulled {result['pulled']} teammate answer(s); "
            f"team {result['team']} has {result['teamSize']} instance(s); {result['backlog']} left to push"
        )
    return 0


def _print_progress(what: str, done: int, total: int | None) -> None:
    shown = f"{done}/{total}" if total is not None else str(done)
    print(f"\r{what}: {shown}", end="", file=sys.stderr, flush=True)
    if (total is not None and done >= total) or total is None:
        print(file=sys.stderr)


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
    from server.common.instance import instance_id
    from server.hub import shown
    from server.hub.client import connected
    from server.hub.sync import LAST_SYNC, TEAM, TEAM_SIZE

    report: dict[str, Any] = {
        "hub": shown(url),
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
    from server.hub.sync import HubLink

    link = HubLink(
        url, instance_id(), workspace=workspace, user_templates=user_data_path("scion", appauthor=False) / "templates"
    )
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
