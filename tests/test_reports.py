"""The stats report builders (JSON, sparkline, HTML) and `scion stats`, on a seeded store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.cli import main
from server.store import Store
from server.tracking.reports import build_stats, rejection_leaders, render_html, resample, sparkline

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def seed(store: Store) -> None:
    """dataclass 1.0.0 gets worse week by week; `frozen: true` goes with rejection. pytest is always kept."""
    for week in range(4):
        for n in range(10):
            frozen = n % 2 == 0
            rejected = frozen and n < 2 * (week + 1)
            store.record_generation(
                "python/dataclass",
                "1.0.0",
                f"src/m{n}.py",
                "insert",
                {"class_name": f"M{n}", "frozen": frozen},
                status="rejected" if rejected else "accepted",
                created_at=DAY + timedelta(weeks=week, hours=n),
            )
    for n in range(5):
        store.record_generation(
            "python/pytest-module",
            "1.0.0",
            "tests/t.py",
            "file",
            {"subject": "x"},
            status="accepted",
            created_at=DAY + timedelta(days=n),
        )
    store.record_generation(
        "python/pytest-module", "1.0.0", "tests/t.py", "file", {"subject": "x"}, status="pending", created_at=DAY
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    folder = tmp_path / "ws" / ".scion"
    folder.mkdir(parents=True)
    with Store(folder / "scion.db") as opened:
        seed(opened)
        yield opened


def test_build_stats_counts_versions_templates_and_series(store):
    stats = build_stats(store)
    dataclass = next(v for v in stats["versions"] if v["template_id"] == "python/dataclass")
    assert (dataclass["decided"], dataclass["rejected"]) == (
        40,
        1 + 2 + 3 + 4,
    )  # week w rejects the even n below 2(w + 1)
    pytest_module = next(t for t in stats["templates"] if t["template_id"] == "python/pytest-module")
    assert pytest_module["rate"] == 1.0 and pytest_module["undecided"] == 1
    series = {s["template_id"]: s["points"] for s in stats["series"]}
    assert [p["rate"] for p in series["python/dataclass"]] == [0.9, 0.8, 0.7, 0.6]
    assert stats["answers"][0]["template_id"] == "python/dataclass"  # the worst template comes first
    json.dumps(stats)


def test_answers_that_go_with_rejection(store):
    leaders = build_stats(store)["answers"][0]["values"]
    assert (leaders[0]["question"], leaders[0]["value"]) == ("frozen", True)
    assert leaders[0]["rejected"] == 10 and leaders[0]["rate"] == pytest.approx(0.5)
    assert all(row["rejected"] > 0 for row in leaders)


def test_rejection_leaders_skip_values_never_rejected():
    rows = [
        {"question": "a", "value": 1, "decided": 4, "accepted": 4, "rate": 1.0},
        {"question": "a", "value": 2, "decided": 4, "accepted": 1, "rate": 0.25},
        {"question": "b", "value": "x", "decided": 9, "accepted": 6, "rate": 6 / 9},
    ]
    assert [(r["question"], r["value"]) for r in rejection_leaders(rows)] == [("a", 2), ("b", "x")]


def test_sparkline_levels_gaps_and_width():
    points = [{"accepted": a, "decided": d} for a, d in ((0, 4), (4, 4), (0, 0), (2, 4))]
    assert sparkline(points) == "▁█·▅"
    many = [{"accepted": n % 2, "decided": 1} for n in range(100)]
    assert len(sparkline(many, width=10)) == 10
    assert resample(many, 10)[0] == (5, 10)
    assert sparkline([]) == ""


def test_html_is_self_contained_and_escaped(store):
    store.record_generation("evil/<script>", "1.0.0", "x.py", "insert", {"q": "<b>"}, status="rejected")
    page = render_html(build_stats(store))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 2
    assert "<script>" not in page and "evil/&lt;script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<link" not in page
    assert "frozen = true" in page  # the answer value that goes with rejection


def test_html_without_history():
    with Store(":memory:") as empty:
        page = render_html(build_stats(empty))
    assert "Nothing decided yet" in page


def test_cli_tables_json_and_html(store, tmp_path, capsys):
    workspace = tmp_path / "ws"
    assert main(["stats", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert "python/dataclass" in out and "75%" in out  # 30 of 40 kept
    assert "Answers seen with rejections: python/dataclass" in out and "frozen" in out
    assert any(char in out for char in "▁▂▃▄▅▆▇█")

    assert main(["stats", "--workspace", str(workspace), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {t["templateId"] for t in data["templates"]} == {"python/dataclass", "python/pytest-module"}

    report = tmp_path / "report.html"
    assert main(["stats", "--workspace", str(workspace), "--html", str(report)]) == 0
    assert "wrote" in capsys.readouterr().out and "<svg" in report.read_text()


def test_cli_without_a_database(tmp_path, capsys):
    assert main(["stats", "--workspace", str(tmp_path)]) == 0
    assert "nothing has been generated" in capsys.readouterr().out
