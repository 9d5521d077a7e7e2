"""`scion stats`: success rates per version, per template and per answer value."""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.common import Where, json_option, print_json, print_table, workspace_options


def show_stats(where: Where, html: Path | None, as_json: bool, hub: bool = False) -> int:
    # Imported when stats run: every command is defined at start-up.
    from server.common.fsutil import atomic_write
    from server.tracking.reports import build_stats, render_html

    workspace = where.root()
    if not where.db and not where.store_path(workspace).exists():
        print(f"No Scion database in {workspace} yet: nothing has been generated there.")
        return 0
    store = where.open_store(workspace)
    try:
        stats = build_stats(store)
        if hub:
            stats["team"] = team_side_by_side(store)
    finally:
        store.close()
    if html:
        atomic_write(html, render_html(stats))
    if as_json:
        print_json({**stats, **({"html": html.absolute()} if html else {})}, workspace)
    elif html:
        print(f"wrote {html}")
    else:
        print_tables(stats)
        if hub:
            print_team(stats["team"])
    return 0


def team_side_by_side(store) -> dict:
    """Per template version, this workspace's success beside the team's (pulled by the last hub sync)."""
    from server.hub.sync import LAST_SYNC, TEAM

    local = {(row["template_id"], row["version"]): row for row in store.success_rates()}
    team = {(row["template_id"], row["version"]): row for row in store.team_rates()}
    rows = []
    for key in sorted(local.keys() | team.keys()):
        mine, ours = local.get(key), team.get(key)
        rows.append(
            {
                "template_id": key[0],
                "version": key[1],
                "decided": mine["decided"] if mine else 0,
                "rate": mine["rate"] if mine else None,
                "teamDecided": ours["decided"] if ours else 0,
                "teamRate": ours["rate"] if ours else None,
                "teamInstances": ours["instances"] if ours else 0,
            }
        )
    return {"team": store.hub_state(TEAM), "lastSync": store.hub_state(LAST_SYNC), "versions": rows}


def print_team(team: dict) -> None:
    from server.tracking.reports import TEAM_HEADERS, percent, team_row

    if team["lastSync"] is None:
        print("\nNo team numbers yet: run `scion hub sync` (or open the workspace with scion.hub.url set).")
        return
    print()
    print_table(
        TEAM_HEADERS,
        [team_row(row, percent) for row in team["versions"]],
        title=f"Here and in team {team['team']} (last sync {team['lastSync']})",
    )


@click.command("stats", help="How often generated code was kept, per template, version and answer value.")
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="write a self-contained HTML report with charts",
)
@click.option("--hub", is_flag=True, help="the team's numbers beside this workspace's (as of the last hub sync)")
@workspace_options
@json_option
def stats_command(where: Where, html: Path | None, hub: bool, as_json: bool) -> int:
    return show_stats(where, html, as_json, hub)


COMMANDS = [stats_command]


def print_tables(stats: dict) -> None:
    from server.tracking.reports import COUNT_HEADERS, percent, show_value, sparkline, template_row, version_row

    if not stats["versions"]:
        print("No generations recorded yet.")
        return
    trends = {(s["template_id"], s["version"]): sparkline(s["points"]) for s in stats["series"]}
    print_table(
        ["template", "version", *COUNT_HEADERS, "edited", "trend"],
        [
            [*version_row(v, percent), percent(v.get("edit_rate")), trends.get((v["template_id"], v["version"]), "")]
            for v in stats["versions"]
        ],
        title=f"Per version (trend: success per {stats['bucket']}, oldest first)",
    )
    print()
    print_table(
        ["template", *COUNT_HEADERS],
        [template_row(t, percent) for t in stats["templates"]],
        title="Per template",
    )
    for template in stats["answers"]:
        if not template["values"]:
            continue
        print()
        print_table(
            ["question", "value", "decided", "rejected", "success"],
            [
                [r["question"], show_value(r["value"]), r["decided"], r["rejected"], percent(r["rate"])]
                for r in template["values"]
            ],
            title=f"Answers seen with rejections: {template['template_id']} "
            f"({percent(template['rate'])} of {template['decided']} kept)",
        )
