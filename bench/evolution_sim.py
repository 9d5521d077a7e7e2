"""Benchmark of the evolution issue, driving the real server (`python -m server`) over stdio.

(a) Learned tasks. A scripted user always answers one question by one naming
    convention (every other question is passed explicitly, so a generation asks
    only while that question is unsettled). Each generated block is kept, the
    server's tracker decides the verdict (checkpoint windows of a fraction of a
    second), and the verdict schedules the server's own debounced evolution run.
    Measured: how many asks until the server stops asking (three generations in a
    row without a question), then on new, unseen paths how often it still asks and
    how often its own answer is the user's convention.
    Also: codeAction latency while an evolution run is busy with synthesis, next
    to the same server idle.
(b) Template self-improvement: `bench/evolution_improve_sim.py` (its own script),
    run from here when present.

    .venv/bin/python bench/evolution_sim.py [--min-executions 4 10] [--new-paths 20] [--seed 3] [--skip-improve]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import launch, summary, table
from server.common.jsonish import plain
from server.store import Store, task_name
from server.templates.filters import pascal
from tests.support.answers import DATACLASS_ANSWERS
from tests.support.client_compat import fix_code_action_union, ignore_notifications
from tests.support.edits import apply_workspace_edit

MODULE = "import os\n\n\n"
FOLDERS = [
    "shop",
    "billing",
    "accounts",
    "net",
    "jobs",
    "core",
    "web",
    "storage",
    "search",
    "media",
    "admin",
    "reports",
]
WORDS = [
    "order",
    "item",
    "user",
    "invoice",
    "line",
    "client",
    "policy",
    "session",
    "store",
    "token",
    "cache",
    "email",
    "sender",
    "retry",
    "price",
    "rule",
    "ticket",
    "queue",
    "batch",
    "event",
    "record",
    "file",
    "image",
    "report",
]
STOPPED_AFTER = 3  # generations in a row without a question


@dataclass(frozen=True)
class Convention:
    template: str
    question: str
    description: str
    name_of: callable  # rel path -> the user's answer
    explicit: dict


CONVENTIONS = [
    Convention(
        "python/dataclass",
        "class_name",
        'pascal(stem) + "Model"',
        lambda rel: pascal(Path(rel).stem) + "Model",
        DATACLASS_ANSWERS,
    ),
    Convention(
        "python/pydantic-model",
        "class_name",
        "pascal(folder) + pascal(stem)",
        lambda rel: pascal(Path(rel).parent.name) + pascal(Path(rel).stem),
        {"fields": "id: int", "extra": "ignore", "frozen": False, "camel_case_aliases": False, "add_import": True},
    ),
]


def random_path(rng: random.Random, used: set[str]) -> str:
    while True:
        rel = f"{rng.choice(FOLDERS)}/{rng.choice(WORDS)}_{rng.choice(WORDS)}.py"
        if rel not in used:
            used.add(rel)
            return rel


class ScriptedUser:
    """A client that applies edits to disk and answers `scion/ask` by one convention."""

    def __init__(self, workspace: Path, convention: Convention) -> None:
        self.workspace = workspace
        self.convention = convention
        self.current: str = ""
        self.asks = 0
        self.client = LanguageClient("scion-evolution-bench", "1")
        fix_code_action_union(self.client.protocol._converter)

        @self.client.feature("scion/ask")
        def ask(params):
            params = plain(params)
            self.asks += 1
            answer = self.convention.name_of(self.current)
            return {
                q["name"]: answer if q["name"] == convention.question else q.get("default") for q in params["questions"]
            }

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams):
            apply_workspace_edit(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        ignore_notifications(self.client)

    async def start(self, evolution: dict) -> None:
        options = {
            "ask": True,
            "scion": {"tracking": {"checkpoints": [0.2, 0.4]}, "evolution": {"debounce": 0.1, **evolution}},
        }
        await launch(
            self.client,
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    workspace=types.WorkspaceClientCapabilities(
                        apply_edit=True,
                        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
                    )
                ),
                root_uri=from_fs_path(str(self.workspace)),
                workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(self.workspace)), name="bench")],
                initialization_options=options,
            ),
        )

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def command(self, name: str, argument: dict | None = None):
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument or {}])
        )
        return plain(result)

    async def generate(self, rel: str) -> tuple[str, bool]:
        """Generate in a new module; the generation id and whether the user was asked."""
        path = self.workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE)
        self.current = rel
        before = self.asks
        result = await self.command(
            "scion.generate",
            {
                "templateId": self.convention.template,
                "uri": from_fs_path(str(path)),
                "position": {"line": 2, "character": 0},
                "answers": self.convention.explicit,
            },
        )
        return result["generationId"], self.asks > before

    async def verdict_and_run(self, generation_id: str) -> None:
        runs = (await self.command("scion.evolveStatus"))["runs"]
        deadline = time.monotonic() + 30
        while self.generation(generation_id)["status"] not in ("accepted", "rejected"):
            await self._tick(deadline)
        while (await self.command("scion.evolveStatus"))["runs"] <= runs:
            await self._tick(deadline)

    @staticmethod
    async def _tick(deadline: float) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not decide or evolve in time")
        await asyncio.sleep(0.03)

    def generation(self, generation_id: str) -> dict:
        with Store(self.workspace / ".scion" / "scion.db") as store:
            return store.get_generation(generation_id)


async def learn_convention(convention: Convention, min_executions: int, new_paths: int, seed: int) -> list:
    rng = random.Random(seed)
    used: set[str] = set()
    workspace = Path(tempfile.mkdtemp(prefix="scion-evolution-sim-"))
    (workspace / ".scion").mkdir()
    user = ScriptedUser(workspace, convention)
    await user.start({"minExecutions": min_executions, "minKeptRate": 0.9})
    try:
        asks_until_stop, generations, quiet = 0, 0, 0
        while quiet < STOPPED_AFTER and generations < 4 * min_executions + 20:
            generation_id, asked = await user.generate(random_path(rng, used))
            generations += 1
            quiet = 0 if asked else quiet + 1
            asks_until_stop += asked
            await user.verdict_and_run(generation_id)
        asked_new = correct = 0
        for _ in range(new_paths):
            rel = random_path(rng, used)
            generation_id, asked = await user.generate(rel)
            asked_new += asked
            answer = user.generation(generation_id)["answers"][convention.question]
            correct += not asked and answer == convention.name_of(rel)
            await user.verdict_and_run(generation_id)
        status = await user.command("scion.evolveStatus")
    finally:
        await user.stop()
    task = next(t for t in status["tasks"] if t["task"] == task_name(convention.template, convention.question))
    unasked = new_paths - asked_new
    stopped = asks_until_stop if quiet >= STOPPED_AFTER else f"not within {generations}"
    return [
        f"{convention.template} · {convention.question}",
        convention.description,
        min_executions,
        stopped,
        generations,
        new_paths,
        asked_new,
        f"{correct}/{unasked}" + (f" ({correct / unasked:.0%})" if unasked else ""),
        task["stage"],
        (task["program"] or {}).get("summary") or "-",
    ]


# -- codeAction latency while evolution synthesises --------------------------------


def seed_hard_tasks(workspace: Path, rng: random.Random, tasks: int = 3, answers: int = 60) -> None:
    """Tasks whose kept answers follow no convention: every run searches the DSL to its time budget."""
    with Store(workspace / ".scion" / "scion.db") as store:
        for task in range(tasks):
            for n in range(answers):
                rel = f"{rng.choice(FOLDERS)}/{rng.choice(WORDS)}_{n}.py"
                features = {
                    "language": "python",
                    "rel_path": rel,
                    "stem": Path(rel).stem,
                    "extension": ".py",
                    "folder": Path(rel).parent.name,
                    "path_segments": [Path(rel).parent.name],
                }
                answer = "".join(rng.choice("abcdefghijklmnop") for _ in range(8))
                store.record_execution(f"bench/noise:q{task}", features, answer, "user", kept=True)


async def code_action_latency(samples: int, seed: int) -> list:
    workspace = Path(tempfile.mkdtemp(prefix="scion-evolution-latency-"))
    (workspace / ".scion").mkdir()
    seed_hard_tasks(workspace, random.Random(seed))
    user = ScriptedUser(workspace, CONVENTIONS[0])
    await user.start({"minExecutions": 10})
    rel = "shop/orders.py"
    (workspace / "shop").mkdir()
    (workspace / rel).write_text(MODULE * 40)
    uri = from_fs_path(str(workspace / rel))
    user.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=MODULE * 40)
        )
    )
    try:
        await user.command("scion.listTemplates", {"uri": uri, "position": {"line": 2, "character": 0}})
        idle = await sample_code_actions(user, uri, samples)
        evolving_run = asyncio.ensure_future(user.command("scion.evolve", {}))
        busy = await sample_code_actions(user, uri, samples, until=evolving_run)
        report = await evolving_run
    finally:
        await user.stop()
    rows = []
    for label, values in (
        ("idle", idle),
        (f"evolution running ({report['seconds']:.1f} s run, synthesis in a process)", busy),
    ):
        median, p99 = summary(values)
        rows.append([label, len(values), median, p99, max(values)])
    return rows


async def sample_code_actions(
    user: ScriptedUser, uri: str, count: int, until: asyncio.Future | None = None
) -> list[float]:
    samples = []
    line = 0
    while len(samples) < count or (until is not None and not until.done()):
        line = (line + 7) % 100
        position = types.Position(line=line, character=0)
        started = time.perf_counter()
        await user.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=position, end=position),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        samples.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    return samples


# -- (b) template self-improvement, by the other script ---------------------------------


def template_improvement_report() -> str | None:
    """Part (b): `bench/evolution_improve_sim.py`'s markdown, when that script is present."""
    script = Path(__file__).with_name("evolution_improve_sim.py")
    if not script.exists():
        return None
    spec = importlib.util.spec_from_file_location("evolution_improve_sim", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run(300, 20, 7)


async def main(args: argparse.Namespace) -> None:
    print("## (a) Learned tasks: a user who always answers by one convention\n")
    rows = []
    for convention in CONVENTIONS:
        for min_executions in args.min_executions:
            rows.append(await learn_convention(convention, min_executions, args.new_paths, args.seed))
    print(
        table(
            [
                "task",
                "user's convention",
                "minExecutions",
                "asks until it stopped asking",
                "generations",
                "new paths",
                "asked on new paths",
                "right without asking",
                "stage",
                "program",
            ],
            rows,
        )
    )
    print(f"\n(minKeptRate 0.9; 'stopped' = {STOPPED_AFTER} generations in a row without a question)\n")
    print("### codeAction latency (ms) while an evolution run synthesises\n")
    print(table(["server", "requests", "median", "p99", "max"], await code_action_latency(args.samples, args.seed)))
    if not args.skip_improve:
        improvement = template_improvement_report()
        if improvement is not None:
            print("\n## (b) Template self-improvement (bench/evolution_improve_sim.py)\n")
            print(improvement)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-executions", type=int, nargs="+", default=[4, 10])
    parser.add_argument("--new-paths", type=int, default=20)
    parser.add_argument("--samples", type=int, default=300, help="codeAction requests per phase")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--skip-improve", action="store_true", help="only part (a)")
    asyncio.run(main(parser.parse_args()))
