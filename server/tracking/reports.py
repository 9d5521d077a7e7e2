"""Success statistics as JSON, a text sparkline, and a self-contained HTML report.

Shared by `scion stats` and the `scion.stats` command. The HTML has no scripts
and no external files: inline CSS and inline SVG charts, so it can be mailed
or attached to an issue as it is.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.store import Store

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
# Enough lines for a readable chart; the busiest versions are the ones worth seeing.
SERIES_LIMIT = 12
# success_by_answer reads every decided generation of a template, so it is asked
# only for the templates that need explaining: the worst ones.
ANSWER_TEMPLATES = 5
ANSWER_VALUES = 10
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4d7c0f", "#be185d", "#854d0e", "#475569")


def build_stats(
    store: Store, *, bucket: str = "week", series_limit: int = SERIES_LIMIT, answer_templates: int = ANSWER_TEMPLATES
) -> dict[str, Any]:
    """Everything the table, the JSON and the HTML show, from the store."""
    versions = store.success_rates()
    templates = store.success_by_template()
    busiest = sorted(
        (v for v in versions if v["decided"]), key=lambda v: (-v["decided"], v["template_id"], v["version"])
    )
    series = [
        {
            "template_id": v["template_id"],
            "version": v["version"],
            "points": store.success_over_time(v["template_id"], v["version"], bucket),
        }
        for v in busiest[:series_limit]
    ]
    answers = [
        {
            "template_id": t["template_id"],
            "rate": t["rate"],
            "decided": t["decided"],
            "values": rejection_leaders(store.success_by_answer(t["template_id"])),
        }
        for t in worst_templates(templates, answer_templates)
    ]
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bucket": bucket,
        "versions": versions,
        "templates": templates,
        "series": series,
        "answers": answers,
        "trials": trials_with_arms(store),
    }


def trials_with_arms(store: Store) -> list[dict[str, Any]]:
    """The A/B trials of candidate versions, newest first, with the verdicts of each arm since it began."""
    rows = []
    for trial in reversed(store.trials()):
        since = trial["started_at"]
        kept, decided = store.arm_counts(trial["template_id"], trial["version"], since)
        control_kept, control_decided = store.arm_counts(trial["template_id"], trial["parent_version"], since)
        rows.append(
            {
                "template_id": trial["template_id"],
                "version": trial["version"],
                "parent": trial["parent_version"],
                "share": trial["share"],
                "state": trial["state"],
                "trial": {"kept": kept, "decided": decided},
                "control": {"kept": control_kept, "decided": control_decided},
                "reason": (trial["decision"] or {}).get("reason", ""),
                "started_at": trial["started_at"],
                "ended_at": trial["ended_at"],
            }
        )
    return rows


def worst_templates(templates: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    decided = [t for t in templates if t["decided"]]
    return sorted(decided, key=lambda t: (t["rate"], -t["decided"], t["template_id"]))[:count]


def rejection_leaders(values: list[dict[str, Any]], count: int = ANSWER_VALUES) -> list[dict[str, Any]]:
    """The answer values seen with the most rejections (then the highest rejection share)."""
    rows = [dict(v, rejected=v["decided"] - v["accepted"]) for v in values]
    rows = [r for r in rows if r["rejected"]]
    rows.sort(key=lambda r: (-r["rejected"], r["rate"] if r["rate"] is not None else 1.0, r["question"]))
    return rows[:count]


# -- text ---------------------------------------------------------------------


def resample(points: list[dict[str, Any]], width: int) -> list[tuple[int, int]]:
    """(accepted, decided) in at most `width` consecutive groups of periods, oldest first."""
    if not points:
        return []
    groups = min(width, len(points))
    merged = []
    for group in range(groups):
        chunk = points[group * len(points) // groups : (group + 1) * len(points) // groups]
        merged.append((sum(p["accepted"] or 0 for p in chunk), sum(p["decided"] or 0 for p in chunk)))
    return merged


def sparkline(points: list[dict[str, Any]], width: int = 16) -> str:
    """Success over time as block characters: ▁ is 0 %, █ is 100 %, · a stretch with nothing decided."""
    chars = []
    for accepted, decided in resample(points, width):
        if not decided:
            chars.append(NO_DATA)
            continue
        chars.append(SPARK_LEVELS[min(len(SPARK_LEVELS) - 1, int(accepted / decided * len(SPARK_LEVELS)))])
    return "".join(chars)


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def show_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


# -- rows of the tables (terminal and HTML) -----------------------------------

COUNT_HEADERS = ["decided", "accepted", "rejected", "pending", "success"]


def template_row(template: dict[str, Any], rate: Callable[[float | None], Any]) -> list[Any]:
    """A template's row: its id, its counts, and its success rate as `rate` shows it."""
    return [template["template_id"], *_counts(template), rate(template["rate"])]


def version_row(version: dict[str, Any], rate: Callable[[float | None], Any]) -> list[Any]:
    """A version's row: template id, version, counts, and its success rate as `rate` shows it."""
    return [version["template_id"], version["version"], *_counts(version), rate(version["rate"])]


def _counts(row: dict[str, Any]) -> list[Any]:
    return [row["decided"], row["accepted"], row["rejected"], row["undecided"]]


TEAM_HEADERS = [
    "template",
    "version",
    "decided here",
    "success here",
    "decided by the team",
    "team success",
    "instances",
]


def team_row(version: dict[str, Any], rate: Callable[[float | None], Any]) -> list[Any]:
    """A version's success here beside the team's, both rates as `rate` shows them."""
    return [
        version["template_id"],
        version["version"],
        version["decided"],
        rate(version["rate"]),
        version["teamDecided"],
        rate(version["teamRate"]),
        version["teamInstances"],
    ]


# -- HTML ---------------------------------------------------------------------


def _team_section(team: dict[str, Any] | None) -> list[str]:
    """This workspace's success beside the team's (`scion stats --hub`), when the report has them."""
    if not team or team.get("lastSync") is None:
        return []
    return [
        f"<h2>Here and in team {_e(team['team'])}</h2>",
        f'<p class="note">Team numbers as of the last hub sync, {_e(team["lastSync"])}.</p>',
        _table([*map(str.capitalize, TEAM_HEADERS)], [team_row(row, _rate_cell) for row in team["versions"]]),
    ]


def render_html(stats: dict[str, Any]) -> str:
    """A one-file report: tables, success per version over time, answers that go with rejection."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Scion template report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>Scion template report</h1>",
        f'<p class="note">Generated {_e(stats["generated_at"])}. Success rate = accepted / decided; '
        "edited = the share of accepted generations whose users changed the code.</p>",
        "<h2>Success rate per version over time</h2>",
        _line_chart(stats["series"], stats["bucket"]),
        "<h2>Templates</h2>",
        _table(
            ["Template", *map(str.capitalize, COUNT_HEADERS)],
            [template_row(t, _rate_cell) for t in stats["templates"]],
        ),
        "<h2>Versions</h2>",
        _table(
            ["Template", "Version", *map(str.capitalize, COUNT_HEADERS), "Edited"],
            [[*version_row(v, _rate_cell), percent(v.get("edit_rate"))] for v in stats["versions"]],
        ),
        "<h2>A/B trials of candidate versions</h2>",
        _trials_table(stats.get("trials", [])),
        *_team_section(stats.get("team")),
        "<h2>Answers that go with rejection</h2>",
    ]
    if not stats["answers"]:
        parts.append('<p class="note">Nothing decided yet.</p>')
    for template in stats["answers"]:
        parts.append(
            f"<h3>{_e(template['template_id'])} <small>{percent(template['rate'])} of {template['decided']} kept</small></h3>"
        )
        parts.append(_bar_chart(template["values"]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _trials_table(trials: list[dict[str, Any]]) -> str:
    if not trials:
        return '<p class="note">No candidate version has been on trial.</p>'
    return _table(
        ["Template", "Candidate", "Parent", "Share", "State", "Candidate kept", "Current kept", "Decision"],
        [
            [
                t["template_id"],
                t["version"],
                t["parent"],
                percent(t["share"]),
                t["state"],
                _arm_cell(t["trial"]),
                _arm_cell(t["control"]),
                t["reason"],
            ]
            for t in trials
        ],
    )


def _arm_cell(arm: dict[str, int]) -> str:
    rate = arm["kept"] / arm["decided"] if arm["decided"] else None
    return f"{arm['kept']} of {arm['decided']} ({percent(rate)})"


class _Markup(str):
    """Markup built here, inserted as it is (every other value is escaped)."""


def _e(value: Any) -> str:
    return value if isinstance(value, _Markup) else html.escape(str(value), quote=True)


def _rate_cell(rate: float | None) -> _Markup:
    if rate is None:
        return _Markup('<span class="note">-</span>')
    return _Markup(f'<span class="bar" style="--w:{rate * 100:.0f}%"></span> {percent(rate)}')


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _line_chart(series: list[dict[str, Any]], bucket: str, width: int = 760, height: int = 260) -> str:
    periods = sorted({p["period"] for s in series for p in s["points"]})
    if not periods:
        return '<p class="note">Nothing decided yet.</p>'
    left, right, top, bottom = 44, 16, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    column = {period: i for i, period in enumerate(periods)}

    def x(period: str) -> float:
        return left + (column[period] / max(len(periods) - 1, 1)) * plot_w

    def y(rate: float) -> float:
        return top + (1 - rate) * plot_h

    shapes = []
    for share in (0, 0.25, 0.5, 0.75, 1):
        shapes.append(f'<line x1="{left}" x2="{width - right}" y1="{y(share):.1f}" y2="{y(share):.1f}" class="grid"/>')
        shapes.append(f'<text x="{left - 6}" y="{y(share) + 4:.1f}" text-anchor="end">{share:.0%}</text>')
    shapes.append(f'<text x="{left}" y="{height - 8}">{_e(periods[0])}</text>')
    shapes.append(f'<text x="{width - right}" y="{height - 8}" text-anchor="end">{_e(periods[-1])}</text>')
    legend = []
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = [(x(p["period"]), y(p["rate"])) for p in line["points"] if p["rate"] is not None]
        label = f"{line['template_id']} {line['version']}"
        coordinates = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        shapes.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="2"><title>{_e(label)}</title></polyline>'
        )
        if len(points) <= 40:
            shapes.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in points)
        legend.append(f'<li><span class="swatch" style="background:{colour}"></span>{_e(label)}</li>')
    svg = (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Success rate per template version, per {_e(bucket)}">{"".join(shapes)}</svg>'
    )
    return f'<figure>{svg}<ul class="legend">{"".join(legend)}</ul><figcaption>per {_e(bucket)}</figcaption></figure>'


def _bar_chart(values: list[dict[str, Any]], width: int = 760, row_height: int = 22) -> str:
    if not values:
        return '<p class="note">No answer value has been rejected.</p>'
    label_w, bar_w = 300, width - 300 - 120
    height = row_height * len(values) + 8
    shapes = []
    for index, row in enumerate(values):
        top = 4 + index * row_height
        share = row["rejected"] / row["decided"]
        label = f"{row['question']} = {show_value(row['value'])}"
        shapes.append(f'<text x="{label_w - 8}" y="{top + 15}" text-anchor="end">{_e(label)}</text>')
        shapes.append(f'<rect x="{label_w}" y="{top + 3}" width="{bar_w}" height="{row_height - 8}" class="track"/>')
        shapes.append(
            f'<rect x="{label_w}" y="{top + 3}" width="{share * bar_w:.1f}" height="{row_height - 8}" class="rejected">'
            f"<title>{_e(label)}: {row['rejected']} of {row['decided']} rejected</title></rect>"
        )
        shapes.append(f'<text x="{label_w + bar_w + 8}" y="{top + 15}">{share:.0%} of {row["decided"]} rejected</text>')
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Rejection share per answer value">{"".join(shapes)}</svg>'
    )


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 820px; color: #1f2937; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; }
small, .note { color: #6b7280; font-weight: normal; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e5e7eb; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
.bar { display: inline-block; width: 60px; height: 8px; background: linear-gradient(90deg, #16a34a var(--w), #e5e7eb var(--w)); }
svg text { font-size: 11px; fill: #374151; } .grid { stroke: #e5e7eb; } .track { fill: #f3f4f6; } .rejected { fill: #dc2626; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; }
figure { margin: 0; } figcaption { color: #6b7280; }
"""
