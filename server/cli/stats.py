"""`scion stats`: success rates per version, per template and per answer value."""

from __future__ import annotations

from pathlib import Path

from server.cli.common import add_workspace_options, open_store, print_json, print_table, workspace_of
from server.common.fsutil import atomic_write
from server.tracking.reports import build_stats, percent, render_html, show_value, sparkline


def add_parser(commands) -> None:
    parser = commands.add_parser("stats", help="how often generated code was kept, per template, version and answer")
    add_workspace_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report with charts")
    parser.add_argument(
        "--hub", action="store_true", help="the team's numbers beside this workspace's (as of the last hub sync)"
    )
    parser.set_defaults(run=run)


def run(args) -> int:
    workspace = workspace_of(args)
    if not args.db and not (workspace / ".scion" / "scion.db").exists():
        print(f"No Scion database in {workspace} yet: nothing has been generated there.")
        return 0
    store = open_store(args, workspace)
    try:
        stats = build_stats(store)
        if args.hub:
            stats["team"] = team_side_by_side(store)
    finally:
        store.close()
    if args.html:
        atomic_write(args.html, render_html(stats))
    if args.json:
        print_json(stats)
    elif args.html:
        print(f"wrote {args.html}")
    else:
        print_tables(stats)
        if args.hub:
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
    if team["lastSync"] is None:
        print("\nNo team numbers yet: run `scion hub sync` (or open the workspace with scion.hub.url set).")
        return
    print(f"\nHere and in team {team['team']} (last sync {team['lastSync']})")
    print_table(
        ["template", "version", "decided here", "success here", "decided by team", "team success", "instances"],
        [
            [
                row["template_id"],
                row["version"],
                row["decided"],
                percent(row["rate"]),
                row["teamDecided"],
                percent(row["teamRate"]),
                row["teamInstances"],
            ]
            for row in team["versions"]
        ],
    )


def print_tables(stats: dict) -> None:
    if not stats["versions"]:
        print("No generations recorded yet.")
        return
    trends = {(s["template_id"], s["version"]): sparkline(s["points"]) for s in stats["series"]}
    print("Per version (trend: success per " + stats["bucket"] + ", oldest first)")
    print_table(
        ["template", "version", "decided", "accepted", "rejected", "pending", "success", "trend"],
        [
            [
                v["template_id"],
                v["version"],
                v["decided"],
                v["accepted"],
                v["rejected"],
                v["undecided"],
                percent(v["rate"]),
                trends.get((v["template_id"], v["version"]), ""),
            ]
            for v in stats["versions"]
        ],
    )
    print("\nPer template")
    print_table(
        ["template", "decided", "accepted", "rejected", "pending", "success"],
        [
            [t["template_id"], t["decided"], t["accepted"], t["rejected"], t["undecided"], percent(t["rate"])]
            for t in stats["templates"]
        ],
    )
    for template in stats["answers"]:
        if not template["values"]:
            continue
        print(
            f"\nAnswers seen with rejections: {template['template_id']} ({percent(template['rate'])} of {template['decided']} kept)"
        )
        print_table(
            ["question", "value", "decided", "rejected", "success"],
            [
                [r["question"], show_value(r["value"]), r["decided"], r["rejected"], percent(r["rate"])]
                for r in template["values"]
            ],
        )
