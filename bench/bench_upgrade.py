"""Template upgrades: Scion's batch upgrade against `copier update`, and upgrade diagnostics.

Usage: .venv/bin/python bench/bench_upgrade.py [--files 1000] [--edited 300] [--runs 3] [--no-copier]

1. Batch upgrade of N generated files (E of them edited by the user) from
   1.0.0 to 2.0.0: the domain function behind `scion upgrade --all`, and the
   CLI as a process (start-up included), warm (through the warm process, as
   every run after a user's first) and cold (a fresh interpreter).
   Wall and CPU time (user + system of the process and its children) of the CLI.
2. copier updating the same content: a copier-format copy of the template
   (git tags v1/v2) built here at run time; a one-file project, and an N-file
   project with E edited files (copier updates a whole project at once).
3. Upgrade diagnostics through the real server: the background scan of a
   workspace of N generated files, and the first diagnostic of a file that is
   generated and opened after start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from bench.common import summary, table
from bench.scion_process import SCION, ScionProcess

QUESTIONS = "questions:\n  name:\n    type: str\n    default: module\n  greeting:\n    type: str\n    default: hello\n"
MANIFEST = "title: Bench module\nmode: file\nwhere: [empty_file]\nlanguages: [python]\n" + QUESTIONS
FILLER = "".join(
    f'\n\ndef step_{i}(value):\n    """Step {i} of the pipeline."""\n    return value * {i} + 1\n' for i in range(8)
)
V1_BODY = (
    '"""{{ name }}: a generated module."""\n\n\ndef greet():\n    return "{{ greeting }}, {{ name }}"\n\n\ndef helper(value):\n    return value + 1\n'
    + FILLER
)
V2_BODY = (
    '"""{{ name }}: a generated module."""\nimport logging\n\nlog = logging.getLogger("{{ name }}")\n\n\ndef greet():\n    return "{{ greeting }}, {{ name }}"\n\n\ndef helper(value):\n    return value + 2\n'
    + FILLER
    + "\n\ndef describe():\n    return {{ name | tojson }}\n"
)


def user_edit(text: str) -> str:
    # An edit in the user's own place (inside greet): merges cleanly with v2.
    return text.replace("def greet():\n", 'def greet():\n    print("called")\n', 1)


# -- Scion ---------------------------------------------------------------------


def scion_workspace(root: Path, files: int, edited: int) -> Path:
    """A workspace with the template at 1.0.0 and 2.0.0 and `files` generated at 1.0.0."""
    from server.generation import plan_file_generation, write_answer_file, write_files
    from server.templates.catalog import Catalog

    for version, body in (("1.0.0", V1_BODY), ("2.0.0", V2_BODY)):
        folder = root / ".scion/templates/bench/module" / version
        (folder / "files").mkdir(parents=True)
        changelog = "changelog:\n  2.0.0: Logging, helper adds 2, describe()\n" if version == "2.0.0" else ""
        (folder / "template.yml").write_text(MANIFEST + changelog)
        (folder / "files/{{ name }}.py.jinja").write_text(body)
    catalog = Catalog([(root / ".scion/templates", "workspace")])
    template = catalog.get("bench/module", "1.0.0")
    step = max(1, files // max(edited, 1))
    for index in range(files):
        name = f"mod_{index:04d}"
        answers = {"name": name, "greeting": "hello"}
        target = root / "pkg" / f"sub_{index // 100:02d}"
        plan = plan_file_generation(template, answers, {"name": "explicit", "greeting": "default"}, {}, target, root)
        write_files(plan)
        write_answer_file(plan)
        if edited and index % step == 0 and index // step < edited:
            path = plan.files[0].path
            path.write_text(user_edit(path.read_text()))
    return root


def count_edited(root: Path) -> int:
    return sum('print("called")' in path.read_text() for path in root.glob("pkg/*/*.py"))


def time_scion_domain(
    pristine: Path, scratch: Path, runs: int, workers: int | None = None
) -> tuple[list[float], dict, list[int]]:
    """`workers`: processes preparing the batch; None: what `scion upgrade` picks (a sample of the cores from the
    run's start decides). Also returns the processes each run planned the bulk of its files in."""
    from server.common.cpu_sample import CpuSample
    from server.templates.catalog import Catalog
    from server.upgrades.batch import generated_files, upgrade_many
    from server.upgrades.service import Upgrader

    times, counts, chosen = [], {}, []
    for run in range(runs):
        work = scratch / f"scion-{run}"
        shutil.copytree(pristine, work)
        with _decisions() as decided:
            started = time.perf_counter()
            sample = CpuSample()
            catalog = Catalog([(work / ".scion/templates", "workspace")])
            paths = generated_files(work)
            result = upgrade_many(Upgrader(catalog, work), paths, workers=workers or sample)
            times.append(time.perf_counter() - started)
        chosen.append(workers or (decided[-1] if decided else 1))
        counts = result.counts
        shutil.rmtree(work)
    return times, counts, chosen


@contextlib.contextmanager
def _decisions() -> Iterator[list[int]]:
    """The worker counts the batch decided on while inside (from the log of server/upgrades/workers.py)."""
    decided: list[int] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            decided.append(int(record.args[1]))  # type: ignore[index]

    logger = logging.getLogger("scion.upgrades.workers")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield decided
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far: the load inflates it far less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_scion_cli(pristine: Path, scratch: Path, runs: int, warm: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each `scion upgrade --all` process, run warm (after the user's first run:
    through the warm process, its child's CPU added) or cold (a fresh interpreter)."""
    scion = ScionProcess(scratch / ("warm" if warm else "cold"))
    base = dict(os.environ)
    if warm:
        scion.start(base)
    times, cpu = [], []
    for run in range(runs):
        work = scratch / f"cli-{run}"
        shutil.copytree(pristine, work)
        env = scion.env(base, warm)
        cpu_before = children_cpu()
        started = time.perf_counter()
        subprocess.run(
            [SCION, "upgrade", "--all", "--defaults", "--workspace", str(work)],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
        )
        times.append(time.perf_counter() - started)
        cpu.append(children_cpu() - cpu_before + scion.warm_child_cpu())
        shutil.rmtree(work)
    if warm:
        scion.stop(base)
    return times, cpu


# -- copier --------------------------------------------------------------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **GIT_ENV},
    )


def copier_template(root: Path, files: int) -> Path:
    """The same template in copier's format, one file per module (copier renders a whole project)."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text("_templates_suffix: .jinja\ngreeting:\n  type: str\n  default: hello\n")
    (root / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml -}}\n")
    git(root, "init", "-q")
    for tag, body in (("v1", V1_BODY), ("v2", V2_BODY)):
        for index in range(files):
            name = f"mod_{index:04d}"
            path = root / "pkg" / f"sub_{index // 100:02d}" / f"{name}.py.jinja"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body.replace("{{ name | tojson }}", f'"{name}"').replace("{{ name }}", name))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", tag)
        git(root, "tag", tag)
    return root


def copier_project(template: Path, project: Path, edited: int, files: int) -> None:
    copier = Path(sys.executable).with_name("copier")
    subprocess.run(
        [str(copier), "copy", "--vcs-ref", "v1", "--defaults", "--quiet", str(template), str(project)], check=True
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    paths = sorted(project.glob("pkg/*/*.py"))
    for path in paths[:: max(1, files // max(edited, 1))][:edited]:
        path.write_text(user_edit(path.read_text()))
    git(project, "commit", "-q", "-am", "user edits")


def time_copier_update(project: Path) -> tuple[float, float]:
    """Wall and CPU seconds (copier and its git children) of one `copier update`."""
    copier = Path(sys.executable).with_name("copier")
    cpu_before = children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [str(copier), "update", "--vcs-ref", "v2", "--defaults", "--conflict", "inline", "--quiet", str(project)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, children_cpu() - cpu_before


# -- the server ----------------------------------------------------------------


async def time_server_diagnostics(workspace: Path, files: int) -> tuple[float, float]:
    """Seconds from `initialized` until every file has its upgrade diagnostic, to the first diagnostic of a newly
    opened file, and for `scion.upgradeAll` of the workspace (the opened file included)."""
    client = LanguageClient("scion-bench-upgrades", "1")
    diagnosed: dict[str, float] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        if any(d.code == "scion.upgrade" for d in params.diagnostics):
            diagnosed.setdefault(params.uri, time.perf_counter())

    for method in (types.WINDOW_LOG_MESSAGE, types.WINDOW_SHOW_MESSAGE, "scion/status"):
        client.feature(method)(lambda *args: None)
    # The opened file's upgrade comes as an edit for the editor to apply: accepted.
    client.feature(types.WORKSPACE_APPLY_EDIT)(lambda params: types.ApplyWorkspaceEditResult(applied=True))
    await client.start_io(sys.executable, "-P", "-m", "server")
    uri = from_fs_path(str(workspace))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri=uri, name="bench")],
            initialization_options={"ask": False, "scion": {"evolution": {"enabled": False}}},
        )
    )
    started = time.perf_counter()
    client.initialized(types.InitializedParams())
    while len(diagnosed) < files:
        await asyncio.sleep(0.01)
        if time.perf_counter() - started > 120:
            break
    scan = max(diagnosed.values()) - started if diagnosed else float("nan")

    new_file = scion_one_more(workspace)
    new_uri = from_fs_path(str(new_file))
    opened = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=new_uri, language_id="python", version=1, text=new_file.read_text()
            )
        )
    )
    while new_uri not in diagnosed and time.perf_counter() - opened < 10:
        await asyncio.sleep(0.001)
    first = diagnosed.get(new_uri, float("nan")) - opened
    started = time.perf_counter()
    counts = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="scion.upgradeAll", arguments=[{}])
    )
    upgrade_all = time.perf_counter() - started
    print(f"scion.upgradeAll: {counts}", file=sys.stderr)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return scan, first, upgrade_all


def scion_one_more(root: Path) -> Path:
    from server.generation import plan_file_generation, write_answer_file, write_files
    from server.templates.catalog import Catalog

    template = Catalog([(root / ".scion/templates", "workspace")]).get("bench/module", "1.0.0")
    plan = plan_file_generation(template, {"name": "opened_late", "greeting": "hi"}, {}, {}, root / "late", root)
    write_files(plan)
    write_answer_file(plan)
    return plan.files[0].path


# -- main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--edited", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-copier", action="store_true")
    args = parser.parse_args()
    # From bytecode, as copier runs: under PYTHONDONTWRITEBYTECODE every CLI run would compile Scion from source.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "server", quiet=1)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}\n")

    with tempfile.TemporaryDirectory(prefix="scion-bench-upgrade-") as temp:
        scratch = Path(temp)
        pristine = scion_workspace(scratch / "pristine", args.files, args.edited)
        edited = count_edited(pristine)
        domain, counts, chosen = time_scion_domain(pristine, scratch, args.runs)
        domain_alone, _, _ = time_scion_domain(pristine, scratch, args.runs, workers=1)
        cli, cli_cpu = time_scion_cli(pristine, scratch, args.runs, warm=True)
        cold, cold_cpu = time_scion_cli(pristine, scratch, args.runs, warm=False)
        one_file = scion_workspace(scratch / "pristine-one", 1, 1)
        domain_one, _, _ = time_scion_domain(one_file, scratch, args.runs)
        cli_one, cli_one_cpu = time_scion_cli(one_file, scratch, args.runs, warm=True)
        cold_one, cold_one_cpu = time_scion_cli(one_file, scratch, args.runs, warm=False)

        print(f"## Batch upgrade: {args.files} generated files, {edited} edited by the user (1.0.0 -> 2.0.0)\n")
        print(f"Scion outcome: {counts}\n")
        rows = [
            [
                f"Scion, domain (`scion upgrade --all` semantics; processes by the cores' sample: {chosen})",
                args.files,
                *summary(domain),
            ],
            ["Scion, domain, one process", args.files, *summary(domain_alone)],
            ["Scion, CLI process, warm (as every run after the first)", args.files, *summary(cli)],
            ["Scion, CLI process, cold (a fresh interpreter)", args.files, *summary(cold)],
            ["Scion, domain", 1, *summary(domain_one)],
            ["Scion, CLI process, warm", 1, *summary(cli_one)],
            ["Scion, CLI process, cold", 1, *summary(cold_one)],
        ]
        copier_times: dict[int, float] = {}
        copier_cpu: dict[int, float] = {}
        if not args.no_copier:
            for files, edited_files in ((1, 1), (args.files, args.edited)):
                template = copier_template(scratch / f"copier-template-{files}", files)
                project = scratch / f"copier-project-{files}"
                copier_project(template, project, edited_files, files)
                # One run: minutes at 1,000 files.
                copier_times[files], copier_cpu[files] = time_copier_update(project)
                rows.append(
                    [f"copier {_copier_version()} update (one run)", files, copier_times[files], copier_times[files]]
                )
        print(table(["run", "files", "median s", "p99 s"], rows))
        print("\nCPU seconds (user + system, the process and its children), median (p99):\n")
        cpu_rows = [
            ["Scion, CLI process, warm", args.files, *summary(cli_cpu)],
            ["Scion, CLI process, cold", args.files, *summary(cold_cpu)],
            ["Scion, CLI process, warm", 1, *summary(cli_one_cpu)],
            ["Scion, CLI process, cold", 1, *summary(cold_one_cpu)],
        ]
        cpu_rows += [[f"copier {_copier_version()} update (one run)", n, cpu, cpu] for n, cpu in copier_cpu.items()]
        print(table(["run", "files", "median CPU s", "p99 CPU s"], cpu_rows))
        if copier_times:
            print("\n| ratio (copier / Scion) | 1 file | " + f"{args.files} files |\n|---|---:|---:|")
            print(
                f"| domain | {copier_times[1] / summary(domain_one)[0]:.0f}x | {copier_times[args.files] / summary(domain)[0]:.0f}x |"
            )
            print(f"| domain, one process | | {copier_times[args.files] / summary(domain_alone)[0]:.0f}x |")
            for label, wall, wall_one, cpu, cpu_one in (
                ("CLI process, warm", cli, cli_one, cli_cpu, cli_one_cpu),
                ("CLI process, cold", cold, cold_one, cold_cpu, cold_one_cpu),
            ):
                print(
                    f"| {label} | {copier_times[1] / summary(wall_one)[0]:.1f}x"
                    f" | {copier_times[args.files] / summary(wall)[0]:.1f}x |"
                )
                print(
                    f"| {label}, CPU time | {copier_cpu[1] / summary(cpu_one)[0]:.1f}x"
                    f" | {copier_cpu[args.files] / summary(cpu)[0]:.1f}x |"
                )

        scan, first, upgrade_all = asyncio.run(time_server_diagnostics(scratch / "pristine", args.files))
        print(f"\nload average after the batch runs: {os.getloadavg()[0]:.1f}")
        print(f"\n## Upgrade diagnostics through the server ({args.files} generated files)\n")
        print(
            table(
                ["measure", "value", "target"],
                [
                    ["background scan until every file has its diagnostic (s)", scan, "< 5 s"],
                    ["first diagnostic of a newly generated, opened file (ms)", first * 1000, "< 50 ms"],
                    [f"`scion.upgradeAll` of the {args.files + 1} files, one of them open (s)", upgrade_all, "-"],
                ],
            )
        )


def _copier_version() -> str:
    try:
        import copier

        return copier.__version__
    except ImportError:
        return "?"


if __name__ == "__main__":
    main()
