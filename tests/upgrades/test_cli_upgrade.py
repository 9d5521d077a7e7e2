"""`scion upgrade` and `scion check` exit codes, dry runs and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from server.cli import main as scion
from tests.upgrades.trees import Workspace


def run(capsys, *args: str) -> tuple[int, str]:
    code = scion(list(args))
    return code, capsys.readouterr().out


def test_check_exits_1_while_upgrades_are_available(ws, capsys):
    code, out = run(capsys, "check", "--json", "--workspace", str(ws.root))
    assert code == 1 and json.loads(out) == [
        {
            "file": "src/app.py",
            "template": "demo/module",
            "from": "1.0.0",
            "to": "2.0.0",
            "summary": "Docstring, tests, no notes",
        }
    ]
    assert run(capsys, "upgrade", "--all", "--workspace", str(ws.root))[0] == 0
    assert run(capsys, "check", "--workspace", str(ws.root))[0] == 0


def test_dry_run_prints_diffs_and_writes_nothing(ws, capsys):
    before = ws.read("src/app.py")
    code, out = run(capsys, "upgrade", "--all", "--dry-run", "--workspace", str(ws.root))
    assert code == 0 and '+"""app"""' in out and ws.read("src/app.py") == before


def test_conflicts_exit_1_and_json_lists_them(ws, capsys):
    ws.write("src/app.py", ws.read("src/app.py").replace("return 1", "return 7"))
    code, out = run(capsys, "upgrade", str(ws.root / "src/app.py"), "--json", "--workspace", str(ws.root))
    result = json.loads(out)
    assert code == 1 and result["summary"]["conflicted"] == 1
    assert result["files"][0]["conflicts"] == 1


def test_a_refused_downgrade_is_a_failed_file_and_exits_1(ws, capsys):
    scion(["upgrade", "--all", "--workspace", str(ws.root)])
    code, out = run(capsys, "upgrade", str(ws.root / "src/app.py"), "--to", "1.0.0", "--workspace", str(ws.root))
    assert code == 1 and "refusing to downgrade" in out


def test_an_upgrade_killed_half_way_is_rolled_back_and_done_again(ws, capsys):
    before = ws.read("src/app.py")
    _kill_upgrade_after_first_write(ws)
    assert ws.read("src/app.py") != before  # half upgraded: the answer file still says 1.0.0
    assert "version: 1.0.0" in ws.read("src/app.py.template-answers.yml")

    code = scion(["upgrade", "--all", "--defaults", "--workspace", str(ws.root)])
    err = capsys.readouterr().err
    assert code == 0 and "an interrupted upgrade was rolled back first" in err
    assert '"""app"""' in ws.read("src/app.py") and "version: 2.0.0" in ws.read("src/app.py.template-answers.yml")


# `scion upgrade` whose process dies right after writing its first file.
_KILL_AFTER_FIRST_WRITE = """
import os, sys
from server.upgrades import writes
from server.cli import main

real = writes._write_in_place

def write_then_die(path, data, *, new=False):
    real(path, data, new=new)
    os._exit(9)

writes._write_in_place = write_then_die
main(sys.argv[1:])
"""


def test_json_lists_the_files_an_interrupted_batch_put_back(ws, capsys):
    _kill_upgrade_after_first_write(ws)
    code, out = run(capsys, "upgrade", "--all", "--defaults", "--json", "--workspace", str(ws.root))
    assert code == 0 and json.loads(out)["rolledBack"] == ["src/app.py"]


def test_check_warns_about_an_interrupted_upgrade_and_leaves_the_files(ws, capsys):
    _kill_upgrade_after_first_write(ws)
    half = ws.read("src/app.py")
    scion(["check", "--workspace", str(ws.root)])
    assert "an upgrade of this workspace was interrupted" in capsys.readouterr().err
    assert ws.read("src/app.py") == half


def _kill_upgrade_after_first_write(ws: Workspace) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER_FIRST_WRITE, "upgrade", "--all", "--defaults", "--workspace", str(ws.root)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )
    assert killed.returncode == 9, killed.stderr
