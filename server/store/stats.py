"""Success statistics and learned defaults, as plain JSON-friendly dicts and lists.

Success rate = accepted / decided, where decided = accepted + rejected.
The per-version and per-template numbers read the `generation_totals`
aggregate (see schema.add_generation_totals for why), so they cost the same at
a thousand or a million generations; the rest read one template's rows through
the (template_id, template_version, status, created_at) index.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from server.store.core import Row, StoreCore

# 95% two-sided normal quantile for the Wilson interval.
_Z = 1.959963984540054


def _count_columns(weight: str) -> str:
    """Counts by verdict; `weight` is `n` over generation_totals and `1` over generations."""
    return f"""
        sum(CASE WHEN status IN ('accepted', 'rejected') THEN {weight} ELSE 0 END) AS decided,
        sum(CASE WHEN status = 'accepted' THEN {weight} ELSE 0 END) AS accepted,
        sum(CASE WHEN status = 'rejected' THEN {weight} ELSE 0 END) AS rejected,
        sum(CASE WHEN status IN ('applied', 'pending') THEN {weight} ELSE 0 END) AS undecided
    """


_TOTALS = _count_columns("n")
_ROWS = _count_columns("1")

# The period a generation's (UTC, ISO) creation time falls in; weeks start on Monday.
_BUCKETS = {
    "day": "substr(created_at, 1, 10)",
    "week": "date(substr(created_at, 1, 10), 'weekday 0', '-6 days')",
    "month": "substr(created_at, 1, 7)",
}

# json_each gives SQL values (true -> 1); this rebuilds canonical JSON text so
# that 1, true and "1" stay different answers.
_ANSWER_AS_JSON = """
    CASE answer.type
        WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null'
        WHEN 'object' THEN answer.value WHEN 'array' THEN answer.value
        ELSE json_quote(answer.value)
    END
"""


def with_rate(row: Row) -> Row:
    row["rate"] = row["accepted"] / row["decided"] if row["decided"] else None
    return row


def answer_rates(rows: Iterable[Row]) -> list[Row]:
    """Rows of (question, value_json, decided, accepted) as {question, value, decided, accepted, rate}."""
    return [
        with_rate(
            {
                "question": row["question"],
                "value": json.loads(row["value_json"]),
                "decided": row["decided"],
                "accepted": row["accepted"],
            }
        )
        for row in rows
    ]


def with_edit_rate(row: Row) -> Row:
    """`edit_rate`: of the accepted generations, the share whose users changed the code (None: none accepted)."""
    row["edited"] = row.get("edited") or 0
    row["edit_rate"] = row["edited"] / row["accepted"] if row["accepted"] else None
    return row


def wilson_lower_bound(successes: int, total: int) -> float:
    """Lower end of the 95% Wilson score interval for successes/total (0.0 without evidence).

    Unlike the raw share, it grows with the number of observations: 3 of 3 is
    weaker evidence than 90 of 100.
    """
    if total <= 0:
        return 0.0
    share = successes / total
    z2 = _Z * _Z
    centre = share + z2 / (2 * total)
    spread = _Z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return max(0.0, (centre - spread) / (1 + z2 / total))


class StatsMixin(StoreCore):
    def success_rates(self) -> list[Row]:
        """Per template version: {template_id, version, decided, accepted, rejected, undecided, rate, edited,
        edit_rate}.

        `rate` is None while nothing is decided; `undecided` counts applied and pending generations;
        `edited` counts the accepted generations whose users changed the code (`edit_rate` = edited / accepted).
        """
        rows = self._rows(
            f"SELECT t.template_id, t.template_version AS version, {_TOTALS},"
            " (SELECT e.n FROM kept_edit_totals AS e"
            "  WHERE e.template_id = t.template_id AND e.template_version = t.template_version) AS edited"
            " FROM generation_totals AS t GROUP BY t.template_id, t.template_version"
            " ORDER BY t.template_id, t.template_version"
        )
        return [with_edit_rate(with_rate(row)) for row in rows]

    def success_by_template(self) -> list[Row]:
        """Per template, all versions together: {template_id, decided, accepted, rejected, undecided, rate}."""
        rows = self._rows(
            f"SELECT template_id, {_TOTALS} FROM generation_totals GROUP BY template_id ORDER BY template_id"
        )
        return [with_rate(row) for row in rows]

    def success_of(self, template_id: str, version: str | None = None) -> Row:
        """Counts and rate of one template (one version, or all): {decided, accepted, rejected, undecided, rate}."""
        version_clause = "" if version is None else " AND template_version = ?"
        params = (template_id,) if version is None else (template_id, version)
        row = self._totals(f"SELECT {_TOTALS} FROM generation_totals WHERE template_id = ?{version_clause}", params)
        return with_rate({key: value or 0 for key, value in row.items()})

    def success_over_time(self, template_id: str, version: str | None = None, bucket: str = "day") -> list[Row]:
        """Per period of creation: {period, decided, accepted, rejected, undecided, rate}, oldest first.

        `bucket` is day (YYYY-MM-DD), week (the Monday, YYYY-MM-DD) or month (YYYY-MM), in UTC.
        """
        if bucket not in _BUCKETS:
            raise ValueError(f"bucket is one of {', '.join(_BUCKETS)}, not {bucket!r}")
        version_clause = "" if version is None else " AND template_version = ?"
        params = (template_id,) if version is None else (template_id, version)
        rows = self._rows(
            f"SELECT {_BUCKETS[bucket]} AS period, {_ROWS} FROM generations"
            f" WHERE template_id = ?{version_clause} GROUP BY period ORDER BY period",
            params,
        )
        return [with_rate(row) for row in rows]

    def success_by_answer(self, template_id: str, version: str | None = None) -> list[Row]:
        """Per (question, answer value) among decided generations: {question, value, decided, accepted, rate}.

        Shows which answers go with rejections. Ordered by question, then most decided first.
        """
        version_clause = "" if version is None else " AND g.template_version = ?"
        params = (template_id,) if version is None else (template_id, version)
        rows = self._rows(
            f"SELECT answer.key AS question, {_ANSWER_AS_JSON} AS value_json, count(*) AS decided,"
            " sum(g.status = 'accepted') AS accepted"
            " FROM generations AS g, json_each(g.answers) AS answer"
            f" WHERE g.template_id = ? AND g.status IN ('accepted', 'rejected'){version_clause}"
            " GROUP BY question, value_json ORDER BY question, decided DESC, value_json",
            params,
        )
        return answer_rates(rows)

    def learned_default(self, template_id: str, question: str) -> tuple[Any, int, int, float] | None:
        """The answer most often kept for `question`: (value, kept_count, total, confidence), or None.

        Evidence: the accepted generations of the template (all versions) that
        answered the question. `total` is how many did, `kept_count` how many of
        them chose `value`, `confidence` the Wilson lower bound of that share;
        ties go to the value kept most recently.
        """
        row = self._row(
            f"SELECT {_ANSWER_AS_JSON} AS value_json, count(*) AS kept,"
            " sum(count(*)) OVER () AS total, max(g.created_at) AS latest"
            " FROM generations AS g, json_each(g.answers) AS answer"
            " WHERE g.template_id = ? AND g.status = 'accepted' AND answer.key = ?"
            " GROUP BY value_json ORDER BY kept DESC, latest DESC LIMIT 1",
            (template_id, question),
        )
        if row is None:
            return None
        return json.loads(row["value_json"]), row["kept"], row["total"], wilson_lower_bound(row["kept"], row["total"])
