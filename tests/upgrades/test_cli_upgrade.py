"""`scion upgrade` and `scion check` exit codes, dry runs and JSON."""

from __future__ import annotations

import json

from server.cli import main as scion
from tests.upgrades.test_service import V1, V2
from tests.upgrades.trees import Workspace


def run(capsys, *args: str) -> tuple[int, str]:
    code = scion(list(args))
    return code, capsys.readouterr().out


def workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.add(V1)
    ws.generate("demo/module", "1.0.0", "src/app.py")
    ws.add(V2)
    return ws


def test_check_exits_1_while_upgrades_are_available(tmp_path, capsys):
    ws = workspace(tmp_path)
    code, out = run(capsys, "check", "--json", "--workspace", str(ws.root))
    assert code == 1 and json.loads(out) == [
        {"file": "src/app.py", "template": "demo/module", "from": "1.0.0", "to": "2.0.0", "summary": "Docstring, tests, no notes"}
    ]
    assert run(capsys, "upgrade", "--all", "--workspace", str(ws.root))[0] == 0
    assert run(capsys, "check", "--workspace", str(ws.root))[0] == 0


def test_dry_run_prints_diffs_and_writes_nothing(tmp_path, capsys):
    ws = workspace(tmp_path)
    before = ws.read("src/app.py")
    code, out = run(capsys, "upgrade", "--all", "--dry-run", "--workspace", str(ws.root))
    assert code == 0 and '+"""app"""' in out and ws.read("src/app.py") == before


def test_conflicts_exit_1_and_json_lists_them(tmp_path, capsys):
    ws = workspace(tmp_path)
    ws.write("src/app.py", ws.read("src/app.py").replace("return 1", "return 7"))
    code, out = run(capsys, "upgrade", str(ws.root / "src/app.py"), "--json", "--workspace", str(ws.root))
    result = json.loads(out)
    assert code == 1 and result["summary"]["conflicted"] == 1
    assert result["files"][0]["conflicts"] == 1


def test_a_refused_downgrade_exits_2(tmp_path, capsys):
    ws = workspace(tmp_path)
    scion(["upgrade", "--all", "--workspace", str(ws.root)])
    code, out = run(capsys, "upgrade", str(ws.root / "src/app.py"), "--to", "1.0.0", "--workspace", str(ws.root))
    assert code == 2 and "refusing to downgrade" in out
