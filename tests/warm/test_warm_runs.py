"""Warm runs: the real `scion` client, the real warm process, the real fork; each run compared with a cold one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import server
from tests.copier.support import git_template_from_folders, tree
from tests.copier.test_real_templates import REAL
from tests.support.warm import SCION, Warm

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm runs need fork and Unix sockets")


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warm]:
    process = Warm(tmp_path_factory.mktemp("warm"))
    process.start()
    yield process
    process.stop()


def same_run(warm: Warm, *args: str, cwd: Path, outputs: tuple[str, ...] = ()) -> None:
    """ARGS run warm and cold from copies of `cwd`: the same exit code, stdout, stderr and files written."""
    results = []
    for mode in ("warm", "cold"):
        copy = cwd.parent / f"{cwd.name}-{mode}"
        shutil.copytree(cwd, copy, symlinks=True)
        done = warm.run(*args, cwd=copy, warm=mode == "warm")
        text = (done.stdout + done.stderr).replace(str(copy), "<cwd>")
        results.append((done.returncode, text, {name: tree(copy / name) for name in outputs}))
    assert results[0] == results[1]


def test_a_warm_run_is_served_by_the_warm_process(warm, workspace):
    before = warm.status()
    done = warm.run("--version", cwd=workspace)
    assert done.returncode == 0 and done.stdout == f"scion {server.__version__}\n"
    after = warm.status()
    assert after["pid"] == before["pid"] and after["runs"] == before["runs"] + 1


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["templates", "list", "--json"],
        ["config", "show"],
        ["nosuch"],  # a usage error: exit 2, the message on stderr
        ["generate", "no/such-template", "--path", "x.py", "--defaults"],  # a ScionError: exit 2, one line
        ["check", "--json"],
    ],
    ids=lambda args: " ".join(args),
)
def test_a_warm_run_matches_a_cold_run(warm, workspace, args):
    same_run(warm, *args, cwd=workspace)


def test_a_generation_writes_the_same_file_and_record(warm, workspace):
    same_run(warm, "generate", "python/dataclass", "--path", "shop/order.py", "--defaults", cwd=workspace)
    written = {mode: (workspace.parent / f"ws-{mode}" / "shop/order.py").read_text() for mode in ("warm", "cold")}
    assert written["warm"] == written["cold"] and "class Order" in written["warm"]  # the answer file has ids and times
    for mode in ("warm", "cold"):
        copy = workspace.parent / f"ws-{mode}"
        with sqlite3.connect(copy / ".scion/scion.db") as db:  # the child recorded it, as a cold run does
            assert db.execute("SELECT template_id, file_path FROM generations").fetchall() == [
                ("python/dataclass", str(copy / "shop/order.py"))
            ]


def test_a_copier_template_generates_the_same_tree(warm, tmp_path):
    name = "autopretty"
    template = git_template_from_folders(tmp_path / "template", [(tag, REAL / name / tag) for tag in ("v0.4.2",)])
    projects = tmp_path / "projects"
    projects.mkdir()
    args = ["generate", str(template), "--path", "out", "--defaults", "--skip-tasks"]
    same_run(warm, *args, cwd=projects, outputs=("out",))
    assert (tmp_path / "projects-warm/out/.copier-answers.autopretty.yml").is_file()


def test_a_warm_child_finishes_its_record_after_the_client_has_exited(warm, tmp_path):
    # The client leaves once the rows are committed; the child closes the database (its checkpoint) afterwards.
    template = git_template_from_folders(tmp_path / "template", [("v0.4.2", REAL / "autopretty" / "v0.4.2")])
    database = tmp_path / "records" / "scion.db"
    args = ["generate", str(template), "--db", str(database), "--defaults", "--skip-tasks", "--path"]
    for out in ("first", "second"):  # a new database (through the Store), then a current one (the background append)
        done = warm.run(*args, out, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 10
    while Path(f"{database}-wal").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not Path(f"{database}-wal").exists()  # no connection but the child's: it checkpointed and closed
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT count(DISTINCT instance_id) FROM generations").fetchone() == (2,)


def test_the_working_folder_umask_and_environment_are_the_clients(warm, tmp_path):
    workspace = tmp_path / "mine"
    (workspace / ".scion").mkdir(parents=True)
    old = os.umask(0o077)
    try:
        done = warm.run("generate", "python/dataclass", "--path", "a.py", "--defaults", cwd=workspace)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert (workspace / "a.py").stat().st_mode & 0o777 == 0o600  # the client's umask, not the warm process's
    user = tmp_path / "user-config"
    (user / "scion").mkdir(parents=True)
    (user / "scion/config.toml").write_text("[tracking]\nkeepThreshold = 0.9\n")
    shown = warm.run("config", "show", "--json", cwd=workspace, env={"XDG_CONFIG_HOME": str(user)})
    setting = next(s for s in json.loads(shown.stdout)["settings"] if s["key"] == "tracking.keepThreshold")
    assert setting["value"] == 0.9 and setting["source"].endswith("config.toml")  # this run's own environment


def test_changed_code_runs_cold_and_a_fresh_warm_process_takes_over(warm, workspace):
    before = warm.status()
    module = Path(server.__file__).parent / "cli" / "output.py"  # loaded by every warm process
    stamp = module.stat()
    os.utime(module, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    try:
        done = warm.run("--version", cwd=workspace)
        assert done.returncode == 0 and done.stdout.startswith("scion ")
        fresh = warm.start()
    finally:
        os.utime(module, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert fresh["pid"] != before["pid"]
    assert "stale" in Path(before["log"]).read_text()
    warm.run("warm", "stop", cwd=workspace)  # restored: the next one is current again
    warm.start()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_the_client_reaches_the_command(warm, workspace, tmp_path, signum, code):
    """The command blocks opening a FIFO nobody writes; the signal sent to `scion` ends it, as it would a cold run."""
    fifo = tmp_path / "never-written.json"
    os.mkfifo(fifo)
    runs = warm.status()["runs"]
    client = subprocess.Popen(
        [*SCION, "learned", "import", str(fifo)], cwd=workspace, env=warm.env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while warm.status()["runs"] == runs and time.monotonic() < deadline:  # until the warm process has forked
        time.sleep(0.05)
    time.sleep(0.3)  # the child reaches the blocking open()
    client.send_signal(signum)
    _, stderr = client.communicate(timeout=60)
    assert client.returncode == code, stderr
    with pytest.raises(OSError):  # nobody reads the FIFO any more: the command itself has ended
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_working_folder_that_is_gone_runs_cold(warm, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    client = subprocess.Popen(
        ["sh", "-c", f"cd {gone} && rmdir {gone} && exec {' '.join(SCION)} --version"],
        env=warm.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = client.communicate(timeout=60)
    assert client.returncode == 0 and out.startswith("scion "), err


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(), reason="Linux /proc")
def test_the_next_run_is_forked_ahead_and_no_spare_outlives_the_warm_process(tmp_path):
    """A spare child waits for the next run (its fork is paid while nobody waits); it exits with the warm process."""
    warm = Warm(tmp_path / "spare")
    try:
        pid = warm.start()["pid"]
        assert wait_for(lambda: len(children(pid)) == 1)
        spare = children(pid)[0]
        done = warm.run("--version", cwd=tmp_path)
        assert done.returncode == 0 and done.stdout == f"scion {server.__version__}\n"
        # The spare ran it (it is gone) and the next one waits already: one at a time.
        assert wait_for(lambda: not Path(f"/proc/{spare}").exists() and len(children(pid)) == 1)
        spare = children(pid)[0]
    finally:
        warm.stop()
    assert wait_for(lambda: not Path(f"/proc/{spare}").exists())


def test_templates_compiled_in_the_warm_process_render_the_same_and_follow_edits(tmp_path):
    """The warm process holds the compiled templates runs loaded (copier/warm_code.py); an edited file is not held."""
    template = tmp_path / "template"
    (template / "sub").mkdir(parents=True)
    (template / "copier.yml").write_text("name:\n  default: demo\n")
    (template / "{{ name }}.txt.jinja").write_text("hello {{ name }}\n")
    (template / "sub/{{ name }}.md.jinja").write_text("{% if name %}# {{ name | upper }}{% endif %}\n")
    warm = Warm(tmp_path / "warm")
    for env in (warm.env, warm.cold_env):
        env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    projects = tmp_path / "projects"
    projects.mkdir()

    def generate(out: str, hot: bool = True) -> None:
        done = warm.run("generate", str(template), "--path", out, "--defaults", cwd=projects, warm=hot)
        assert done.returncode == 0, done.stderr

    try:
        log = Path(warm.start()["log"])
        generate("first")  # compiles and fills the bytecode cache
        generate("second")  # loads from it, and reports what it loaded
        assert wait_for(lambda: "compiled templates" in log.read_text())
        generate("held")
        generate("cold", hot=False)
        assert tree(projects / "held") == tree(projects / "cold")
        assert (projects / "held/sub/demo.md").read_text() == "# DEMO\n"
        (template / "{{ name }}.txt.jinja").write_text("bye {{ name }}, edited\n")
        generate("edited")
        assert (projects / "edited/demo.txt").read_text() == "bye demo, edited\n"
    finally:
        warm.stop()
