"""scion generate vs copier copy, scion upgrade vs copier update: both as processes, on real templates.

The five real templates of tests/copier/real/ (two tags each) become git
repositories; each tool runs as users run it, one process per operation, with
its own cache folder warmed by one untimed run (copier keeps a clone cache for
remote templates only; Scion keeps each tag checked out once). An upgrade run
starts from a fresh copy of the same project (generated at the older tag by
copier, committed, edited by the user, committed: copier needs git, Scion does
not). Ratios are copier's median over Scion's. Target: >= 10x.

Scion runs two ways, both through the installed `scion` command: warm, as
every run after a user's first one (through the warm process of
server/warm/, started before timing; the CPU column adds the warm child's
CPU to the client's), and cold, a fresh interpreter per run (SCION_WARM=0).
The headline ratios are the warm ones; the cold ones are beside them.

Both run from bytecode, as installed packages do: Scion's own modules are
compiled first (an editable install under PYTHONDONTWRITEBYTECODE would
otherwise compile them from source in every run, which copier, installed with
its bytecode, never does).

A second table gives the floors under both tools, CPU milliseconds of a
process that only starts: Python itself, Python with what any copier render
needs (Jinja, PyYAML), copier's import, and `scion --version`, cold and
warm. A ratio of 10x needs copier's time to be ten times Scion's, floors
included.

Where the files go matters on ext4 without a journal (this project's
machines): creating a file there skips every inode of its block group
deleted in the last minute, or six minutes while that part of the inode
table is not yet written back (`recently_deleted` in the kernel's
`find_inode_bit`, seen with perf). A create then costs from 0.02 ms to
0.8 ms of kernel CPU depending on what was deleted before, whoever deleted
it. copier clones the template into a temporary folder and deletes it on
every run: the run after it, Scion's, would pay for those deletions. So:
both tools get a TMPDIR of their own on /dev/shm (`--tmpdir`; many systems
keep /tmp in memory anyway); the projects they write stay on the disk
(`--scratch DIR`, default the system's temporary folder); the benchmark
deletes nothing until every template is done; and before the first run it
waits (at most `--settle` seconds, 400) until creating a file in the scratch
folder costs under 50 µs, and reports that cost before and after.

    .venv/bin/python bench/bench_copier.py [--runs N] [--template NAME]... [--floors-only] [--scratch DIR]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import summary, table
from bench.scion_process import SCION, ScionProcess
from tests.copier.support import git, git_template_from_folders, isolated_env
from tests.copier.test_real_templates import REAL, TEMPLATES

CPU: dict[str, list[float]] = {}  # CPU seconds (user + system, the process and its git children) per tool


def timed(argv: list[str], cwd: Path, home: Path, tool: str = "", warm: bool = False) -> float:
    """Wall-clock seconds of one run; its CPU seconds go to CPU[tool] (less sensitive to a loaded machine).

    `warm`: Scion as users run it after their first run, through its warm
    process (bench/scion_process.py); otherwise a cold Scion (a fresh
    interpreter, SCION_WARM=0). copier ignores both.
    """
    scion = ScionProcess(home)
    env = scion.env(isolated_env(home), warm)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[:5]} failed: {done.stderr[-2000:]}")
    if tool:
        spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        CPU.setdefault(tool, []).append(spent + scion.warm_child_cpu())
    return elapsed


def copier_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "copier", *args]


def scion_argv(*args: str) -> list[str]:
    return [SCION, *args]


TOOLS = ("copier", "scion", "scion cold")
SHM = Path("/dev/shm")


def bench_template(name: str, root: Path, runs: int) -> list[list]:
    tags, data, flags, edited = TEMPLATES[name]
    template = git_template_from_folders(root / "template", [(tag, REAL / name / tag) for tag in tags])
    home = root / "home"
    copier_data = [f"--data={k}={v}" for k, v in data.items()]
    scion_data = [a for k, v in data.items() for a in ("--answer", f"{k}={v}")]
    copy_times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    for run in range(runs + 1):  # run 0 warms the caches and is not counted
        for tool in TOOLS:
            out = root / f"{tool}-copy-{run}".replace(" ", "-")
            if tool == "copier":
                argv = copier_argv("copy", "--defaults", "-q", *flags, *copier_data, str(template), str(out))
            else:
                argv = scion_argv("generate", str(template), "--path", str(out), "--defaults", *flags, *scion_data)
            seconds = timed(argv, root, home, f"{name} copy {tool}" if run else "", warm=tool == "scion")
            if run:
                copy_times[tool].append(seconds)
        if run == 0:
            ScionProcess(home).start(isolated_env(home))
    project = root / "project"
    timed(
        copier_argv(
            "copy", "--defaults", "-q", "--vcs-ref", tags[0], *flags, *copier_data, str(template), str(project)
        ),
        root,
        home,
    )
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "generated", cwd=project)
    with (project / edited).open("a", encoding="utf-8") as file:
        file.write("\nA line the user added.\n")
    git("add", "-A", cwd=project)
    git("commit", "-qm", "edit", cwd=project)
    answers_file = next(project.glob(".copier-answers*.yml")).name
    trust = ["--trust"] if "--skip-tasks" in flags and "--trust" not in flags else []
    update_times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    for run in range(runs + 1):
        for tool in TOOLS:
            scratch = root / f"{tool}-update-{run}".replace(" ", "-")
            shutil.copytree(
                project, scratch, symlinks=True, ignore=None if tool == "copier" else shutil.ignore_patterns(".git")
            )
            if tool == "copier":
                argv = copier_argv("update", "--defaults", "-q", *flags, *trust, "--answers-file", answers_file)
            else:
                argv = scion_argv("upgrade", "--all", "--defaults", *flags, "--workspace", str(scratch))
            seconds = timed(argv, scratch, home, f"{name} update {tool}" if run else "", warm=tool == "scion")
            if run:
                update_times[tool].append(seconds)
    ScionProcess(home).stop(isolated_env(home))
    rows = []
    for operation, key, times in (
        ("copy / generate", "copy", copy_times),
        ("update / upgrade", "update", update_times),
    ):
        copier_median, copier_p99 = summary(times["copier"])
        scion_median, scion_p99 = summary(times["scion"])
        cold_median = summary(times["scion cold"])[0]
        copier_cpu, scion_cpu, cold_cpu = (summary(CPU[f"{name} {key} {tool}"])[0] for tool in TOOLS)
        rows.append(
            [
                name,
                operation,
                copier_median,
                copier_p99,
                scion_median,
                scion_p99,
                f"{copier_median / scion_median:.1f}x",
                f"{copier_cpu / scion_cpu:.1f}x",
                cold_median,
                f"{copier_median / cold_median:.1f}x",
                f"{copier_cpu / cold_cpu:.1f}x",
            ]
        )
    return rows


FLOORS = (
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("python -c 'import jinja2, yaml'", [sys.executable, "-c", "import jinja2, yaml"]),
    ("python -c 'import copier'", [sys.executable, "-c", "import copier"]),
    ("scion --version", scion_argv("--version")),
    ("scion --version, warm", scion_argv("--version")),
)


def floors(runs: int) -> list[list]:
    """CPU milliseconds (median, p99) of processes that only start, alternating, after one untimed round."""
    samples: dict[str, list[float]] = {name: [] for name, _ in FLOORS}
    with tempfile.TemporaryDirectory(prefix="scion-bench-floors-") as folder:
        ScionProcess(Path(folder)).start(isolated_env(Path(folder)))
        for run in range(runs + 1):
            for name, argv in FLOORS:
                timed(argv, Path(folder), Path(folder), f"floor {name}", warm=name.endswith("warm"))
                if run:
                    samples[name].append(CPU[f"floor {name}"][-1] * 1000)
        ScionProcess(Path(folder)).stop(isolated_env(Path(folder)))
    return [[name, *summary(values)] for name, values in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--template", action="append", choices=sorted(TEMPLATES), help="only these (repeatable)")
    parser.add_argument("--floors-only", action="store_true", help="only the start-up floors")
    parser.add_argument("--scratch", type=Path, help="where the templates, projects and outputs go (default: TMPDIR)")
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=SHM if SHM.is_dir() else None,
        help="TMPDIR of both tools, for their throw-away files (default: /dev/shm when there is one)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=400.0,
        help="at most this many seconds waiting for file creation in the scratch folder to be cheap (see above)",
    )
    args = parser.parse_args()
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "server", quiet=1)
    scratch = args.scratch or Path(tempfile.gettempdir())  # before TMPDIR moves
    with contextlib.ExitStack() as stack:
        if args.tmpdir:
            temporary = stack.enter_context(tempfile.TemporaryDirectory(prefix="scion-bench-tmp-", dir=args.tmpdir))
            os.environ["TMPDIR"] = temporary  # both tools (and their git) inherit it
            tempfile.tempdir = None
        # One folder for every template, deleted when all are done: no run pays for the deletions of another.
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scion-bench-copier-", dir=scratch)))
        costs = [settle(folder, args.settle)]
        rows = []
        for name in [] if args.floors_only else sorted(args.template or TEMPLATES):
            rows.extend(bench_template(name, folder / name, args.runs))
            print(f"{name} done", file=sys.stderr)
        costs.append(create_cost(folder))
        _report(args, scratch, rows, costs)


QUIET = 50e-6  # seconds per file created: what a create costs on this disk when nothing was deleted lately


def create_cost(folder: Path, files: int = 50) -> float:
    """Seconds one file creation takes in `folder` now (the files stay: deleting them would raise the cost)."""
    probe = folder / f"probe-{time.monotonic_ns()}"
    probe.mkdir()
    started = time.perf_counter()
    for index in range(files):
        os.close(os.open(probe / str(index), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    return (time.perf_counter() - started) / files


def settle(folder: Path, limit: float) -> float:
    """Wait (at most `limit` seconds) until creating a file in `folder` is cheap; the last cost measured."""
    deadline = time.monotonic() + limit
    while True:
        cost = create_cost(folder)
        if cost <= QUIET or time.monotonic() >= deadline:
            return cost
        print(f"a file create costs {cost * 1e6:.0f} µs in {folder}: waiting", file=sys.stderr)
        time.sleep(10)


def _report(args: argparse.Namespace, scratch: Path, rows: list[list], costs: list[float]) -> None:
    load = os.getloadavg()[0]
    before, after = (f"{cost * 1e6:.0f}" for cost in costs)
    print(
        f"\n{args.runs} runs each, load average {load:.1f}, copier {_version()}, "
        f"scratch in {scratch}, TMPDIR in {args.tmpdir or scratch}, "
        f"a file create in the scratch folder {before} µs before the runs and {after} µs after\n"
    )
    headers = ["template", "operation", "copier median s", "copier p99 s", "scion median s", "scion p99 s"]
    cold = ["cold scion median s", "cold wall ratio", "cold CPU ratio"]
    if rows:
        print(table([*headers, "wall ratio", "CPU ratio", *cold], rows))
    print(f"\nstart-up floors, CPU ms over {args.runs * 4} runs each\n")
    print(table(["process", "median ms", "p99 ms"], floors(args.runs * 4)))


def _version() -> str:
    from importlib.metadata import version

    return version("copier")


if __name__ == "__main__":
    main()
