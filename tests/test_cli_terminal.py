"""`scion generate` on a real terminal (tmux): questionary's prompts, pre-filled, Enter accepts, Ctrl-C cancels."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.warm import Warm

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to be a terminal")
DEADLINE_S = 60.0


class Terminal:
    """One tmux server of its own (no races with other tests' servers) running one command; keys in, the screen out."""

    def __init__(self, command: str, cwd: Path):
        self.name = f"scion-test-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.name]
        self.done = cwd / f"{self.name}.exit"
        shell = f"cd {cwd} && {command}; echo $? > {self.done}; sleep 60"
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", "160", "-y", "50", shell], check=True)

    def screen(self, escapes: bool = False) -> str:
        """The screen's text as one line (prompts longer than the screen wrap themselves); with colour escapes."""
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.replace("\n", "")

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def exit_code(self) -> int:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if self.done.exists() and self.done.read_text().strip():
                return int(self.done.read_text())
            time.sleep(0.1)
        raise AssertionError(f"the command never ended; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.fixture(params=["cold", "warm"])
def terminal(request: pytest.FixtureRequest, workspace: Path, tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    """A terminal for `scion`, run cold or through a warm process (the child prompts on the client's terminal)."""
    opened: list[Terminal] = []
    warm = Warm(tmp_path / "warm") if request.param == "warm" else None
    if warm:
        warm.start()

    def open_terminal(command: str, cwd: Path = workspace) -> Terminal:
        opened.append(Terminal(f"{warm.shell_prefix()} {command}" if warm else command, cwd))
        return opened[-1]

    yield open_terminal
    for session in opened:
        session.close()
    if warm:
        assert warm.status()["runs"] == len(opened)  # every command ran in a warm child
        warm.stop()


SCION = f"{sys.executable} -P -m server"


def test_prompts_are_prefilled_and_enter_accepts_them(terminal, workspace):
    term = terminal(f"{SCION} generate python/dataclass --path shop/order.py --json > out.json")
    term.wait_for("class_name (Name of the class) Order")  # the context's answer, pre-filled and editable
    term.keys(*["BSpace"] * len("Order"), "Invoice", "Enter")
    screen = term.wait_for("fields")
    assert "id: int, name: str" in screen
    term.keys("Enter")
    term.wait_for("frozen")
    term.keys("y")  # a yes/no question takes one key
    for following in ("order", "slots", "kw_only", "docstring", "add_import"):
        term.wait_for(f"? {following} (")
        term.keys("Enter")  # as proposed
    assert term.exit_code() == 0, term.screen()
    result = json.loads((workspace / "out.json").read_text())  # stdout is only the JSON: prompts went to stderr
    assert result["answers"]["class_name"] == "Invoice" and result["sources"]["class_name"] == "user"
    assert result["answers"]["frozen"] is True and result["answers"]["fields"] == "id: int, name: str"
    assert "class Invoice" in (workspace / "shop/order.py").read_text()


def test_ctrl_c_cancels_and_writes_nothing(terminal, workspace):
    term = terminal(f"{SCION} generate python/dataclass --path shop/order.py")
    term.wait_for("class_name")
    term.keys("C-c")
    assert term.exit_code() == 130
    assert "cancelled" in term.screen()
    assert not (workspace / "shop").exists()
    with sqlite3.connect(workspace / ".scion" / "scion.db") as db:
        assert db.execute("SELECT count(*) FROM generations").fetchone() == (0,)


def test_without_a_terminal_for_the_prompts_the_proposals_are_taken(terminal, workspace):
    term = terminal(f"{SCION} generate python/dataclass --path shop/order.py 2> err.txt")  # stdin is still a tty
    assert term.exit_code() == 0
    assert "class Order" in (workspace / "shop/order.py").read_text()


def broken_template(workspace: Path) -> None:
    version = workspace / ".scion" / "templates" / "bad" / "1.0.0"
    (version / "files").mkdir(parents=True)
    (version / "template.yml").write_text("title: Bad\nmode: nonsense\n")


YELLOW = "\x1b[33m"


def test_colour_on_a_terminal_and_none_with_no_color(terminal, workspace):
    broken_template(workspace)
    coloured = terminal(f"{SCION} templates list")
    assert coloured.exit_code() == 0
    screen = coloured.screen(escapes=True)
    assert YELLOW in screen and "python/dataclass" in screen  # the warning in colour
    assert coloured.screen().count("template skipped") == 1  # said once, not by the log and the CLI both

    plain = terminal(f"NO_COLOR=1 {SCION} templates list")
    assert plain.exit_code() == 0
    assert YELLOW not in plain.screen(escapes=True) and "python/dataclass" in plain.screen()  # bold may stay
