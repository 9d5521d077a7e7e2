"""`scion stats`: success rates per version, per template and per answer value."""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.common import Where, json_option, print_json, print_table, workspace_options


def show_stats(where: Where, html: Path | None, as_json: bool) -> int:
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
    return 0


@click.command("stats", help="How often generated code was kept, per template, version and answer value.")
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="write a self-contained HTML report with charts",
)
@workspace_options
@json_option
def stats_command(where: Where, html: Path | None, as_json: bool) -> int:
    return show_stats(where, html, as_json)


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
