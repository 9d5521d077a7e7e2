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
(a2) The convention changes after promotion: asks until the server stops asking
    again, against the asks of the first learning (target: not more), and the
    wrong answers it gave without asking meanwhile (the user renames each).
(a3) Evidence from one folder, then new folders: wrong answers given without
    asking (target: none), for a correcting user (renames a wrong class) and an
    uncorrecting one (keeps whatever the server wrote), and for a convention that
    reads the folder as well as one that is a project-wide literal which happens
    to be that folder's name.
(a4) A convention that branches on the folder: asks until learned, then new
    paths in both branches.
(a5) A question answered per file that no DSL program expresses, with an LLM
    configured (a local OpenAI-compatible stub that answers every question
    right): how often the pre-filled answer is right, how often the LLM is
    consulted, while the most kept answer (a learned default) is one file's.
(b) Template self-improvement: `bench/evolution_improve_sim.py` (its own script),
    run from here when present.

    .venv/bin/python bench/evolution_sim.py [--min-executions 4 10] [--new-paths 20] [--seed 3] [--skip-improve]
        [--only learn|change|folder|branch|llm|latency ...] [--llm-generations 24]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import code_action_params, launch, summary, table
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
PARTS = ["learn", "change", "folder", "branch", "llm", "latency"]


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
    """A client that applies edits to disk and answers `scion/ask` by one convention.

    `name_of` is the user's convention now (it may change); with `corrects`, a
    class the server named wrongly without asking is renamed in the file before
    the first checkpoint, so the answer is judged not kept.
    """

    def __init__(self, workspace: Path, convention: Convention, corrects: bool = True) -> None:
        self.workspace = workspace
        self.convention = convention
        self.name_of = convention.name_of
        self.corrects = corrects
        self.current: str = ""
        self.asks = 0
        self.prefilled: list[bool] = []  # when asked: was the convention's question pre-filled right?
        self.client = LanguageClient("scion-evolution-bench", "1")
        fix_code_action_union(self.client.protocol._converter)

        @self.client.feature("scion/ask")
        def ask(params):
            params = plain(params)
            self.asks += 1
            answer = self.name_of(self.current)
            self.prefilled += [
                q.get("default") == answer for q in params["questions"] if q["name"] == convention.question
            ]
            return {
                q["name"]: answer if q["name"] == convention.question else q.get("default") for q in params["questions"]
            }

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams):
            apply_workspace_edit(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        ignore_notifications(self.client)

    async def start(
        self, evolution: dict, checkpoints: tuple[float, float] = (0.2, 0.4), llm: dict | None = None
    ) -> None:
        options = {
            "ask": True,
            "scion": {"tracking": {"checkpoints": list(checkpoints)}, "evolution": {"debounce": 0.1, **evolution}},
        }
        if llm:
            options["scion"]["llm"] = llm
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

    async def generate_and_judge(self, rel: str) -> tuple[bool, bool]:
        """One generation as the user lives it: (asked, wrong without asking); waits for the verdict and run."""
        generation_id, asked = await self.generate(rel)
        answer = self.generation(generation_id)["answers"][self.convention.question]
        wrong = not asked and answer != self.name_of(rel)
        if wrong and self.corrects:
            path = self.workspace / rel
            path.write_text(path.read_text().replace(f"class {answer}", f"class {self.name_of(rel)}"))
        await self.verdict_and_run(generation_id)
        return asked, wrong

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
        *stage_and_program(status, convention),
    ]


@dataclass
class Phase:
    asks: int = 0
    wrong_unasked: int = 0
    generations: int = 0
    quiet: int = 0

    @property
    def stopped(self) -> bool:
        return self.quiet >= STOPPED_AFTER


async def until_quiet(user: ScriptedUser, paths, limit: int) -> Phase:
    """Generate on new paths until the server asks nothing STOPPED_AFTER times in a row (or `limit` generations)."""
    phase = Phase()
    while not phase.stopped and phase.generations < limit:
        asked, wrong = await user.generate_and_judge(next(paths))
        phase.generations += 1
        phase.asks += asked
        phase.wrong_unasked += wrong
        phase.quiet = 0 if asked else phase.quiet + 1
    return phase


async def on_paths(user: ScriptedUser, paths) -> tuple[int, int, int]:
    """(asked, right without asking, wrong without asking) over these paths."""
    asked = right = wrong = 0
    for rel in paths:
        was_asked, was_wrong = await user.generate_and_judge(rel)
        asked += was_asked
        wrong += was_wrong
        right += not was_asked and not was_wrong
    return asked, right, wrong


def fresh_paths(rng: random.Random, folders: list[str] = FOLDERS):
    used: set[str] = set()
    while True:
        while True:
            rel = f"{rng.choice(folders)}/{rng.choice(WORDS)}_{rng.choice(WORDS)}.py"
            if rel not in used:
                used.add(rel)
                break
        yield rel


async def started_user(convention: Convention, min_executions: int, corrects: bool = True) -> ScriptedUser:
    workspace = Path(tempfile.mkdtemp(prefix="scion-evolution-sim-"))
    (workspace / ".scion").mkdir()
    user = ScriptedUser(workspace, convention, corrects)
    # Longer windows than part (a): a correcting user renames before the first checkpoint.
    await user.start({"minExecutions": min_executions, "minKeptRate": 0.9}, checkpoints=(1.0, 1.5))
    return user


def stage_and_program(status: dict, convention: Convention) -> list[str]:
    """The convention's learned task in a scion.evolveStatus answer: its stage and its program (or "-")."""
    task = next(t for t in status["tasks"] if t["task"] == task_name(convention.template, convention.question))
    return [task["stage"], (task["program"] or {}).get("summary") or "-"]


def stopped_text(phase: Phase) -> str:
    return str(phase.asks) if phase.stopped else f"not within {phase.generations}"


async def convention_change(min_executions: int, new_paths: int, seed: int) -> list:
    """(a2) Learn pascal(stem)+'Model', then the team switches to pascal(stem)+'Record'."""
    convention = CONVENTIONS[0]
    user = await started_user(convention, min_executions)
    paths = fresh_paths(random.Random(seed))
    limit = 4 * min_executions + 20
    try:
        first = await until_quiet(user, paths, limit)
        user.name_of = lambda rel: pascal(Path(rel).stem) + "Record"
        again = await until_quiet(user, paths, limit)
        asked, right, wrong = await on_paths(user, [next(paths) for _ in range(new_paths)])
        status = await user.command("scion.evolveStatus")
    finally:
        await user.stop()
    return [
        min_executions,
        stopped_text(first),
        stopped_text(again),
        "yes" if again.stopped and again.asks <= first.asks else "**no**",
        again.wrong_unasked,
        f"{asked} / {right} / {wrong} of {new_paths}",
        *stage_and_program(status, convention),
    ]


FOLDER_CONVENTIONS = [
    ("pascal(folder) + pascal(stem)", lambda rel: pascal(Path(rel).parent.name) + pascal(Path(rel).stem)),
    ("'Shop' + pascal(stem) (a project prefix)", lambda rel: "Shop" + pascal(Path(rel).stem)),
]


async def one_folder_then_new(description: str, name_of, corrects: bool, seed: int, first: int, later: int) -> list:
    """(a3) The first answers all come from shop/; then files in other folders."""
    convention = Convention("python/pydantic-model", "class_name", description, name_of, CONVENTIONS[1].explicit)
    user = await started_user(convention, 4, corrects)
    rng = random.Random(seed)
    try:
        learning = await on_paths(user, [f"shop/{word}_{n}.py" for n, word in enumerate(rng.sample(WORDS, first))])
        others = fresh_paths(rng, [folder for folder in FOLDERS if folder != "shop"])
        asked, right, wrong = await on_paths(user, [next(others) for _ in range(later)])
    finally:
        await user.stop()
    return [
        description,
        "renames a wrong class" if corrects else "keeps what it gets",
        f"{learning[0]} asked, {learning[1]} right unasked",
        later,
        asked,
        right,
        f"**{wrong}**" if wrong else "0",
    ]


def branch_convention() -> Convention:
    def name_of(rel: str) -> str:
        return pascal(Path(rel).stem) + ("Repository" if "/repos/" in rel else "Service")

    return Convention(
        "python/dataclass",
        "class_name",
        "pascal(stem) + Repository under repos/, + Service under services/",
        name_of,
        CONVENTIONS[0].explicit,
    )


async def branching(min_executions: int, new_paths: int, seed: int) -> list:
    """(a4) The suffix depends on the layer folder, at any depth."""
    convention = branch_convention()
    user = await started_user(convention, min_executions)
    rng = random.Random(seed)
    layered = [f"{app}/{layer}" for app in FOLDERS[:6] for layer in ("repos", "services")]
    paths = fresh_paths(rng, layered)
    try:
        learning = await until_quiet(user, paths, 4 * min_executions + 20)
        unseen = fresh_paths(rng, [f"{app}/{layer}" for app in FOLDERS[6:] for layer in ("repos", "services")])
        asked, right, wrong = await on_paths(user, [next(unseen) for _ in range(new_paths)])
        status = await user.command("scion.evolveStatus")
    finally:
        await user.stop()
    return [
        min_executions,
        stopped_text(learning),
        learning.generations,
        learning.wrong_unasked,
        f"{asked} / {right} / {wrong} of {new_paths}",
        *stage_and_program(status, convention),
    ]


def docstring_of(rel: str) -> str:
    path = Path(rel)
    return f"Stores {path.stem.replace('_', ' ')} records for {path.parent.name}."


class TeacherStub(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers each template question as the user would; writes no programs."""

    requests = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        prompt = body["messages"][-1]["content"]
        reply = "I cannot write that."
        if "Editing context:" in prompt:
            type(self).requests += 1
            context = json.loads(prompt.split("Editing context:", 1)[1].rsplit("Answer:", 1)[0])
            reply = docstring_of(context["rel_path"])
        payload = json.dumps(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "stub",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


async def per_file_with_llm(generations: int, seed: int) -> list:
    """(a5) The docstring names the file and its folder; an LLM that knows the convention is configured."""
    explicit = {**CONVENTIONS[0].explicit, "class_name": "Record"}
    del explicit["docstring"]
    convention = Convention("python/dataclass", "docstring", "per-file sentence", docstring_of, explicit)
    handler = type("Teacher", (TeacherStub,), {"requests": 0})
    stub = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    workspace = Path(tempfile.mkdtemp(prefix="scion-evolution-sim-"))
    (workspace / ".scion").mkdir()
    user = ScriptedUser(workspace, convention)
    llm = {"model": "hosted_vllm/stub", "apiBase": f"http://127.0.0.1:{stub.server_address[1]}/v1", "timeout": 10}
    await user.start({"minExecutions": 4, "minKeptRate": 0.9}, checkpoints=(0.3, 0.5), llm=llm)
    try:
        paths = fresh_paths(random.Random(seed))
        asked, right, wrong = await on_paths(user, [next(paths) for _ in range(generations)])
    finally:
        await user.stop()
        stub.shutdown()
        stub.server_close()
    return [generations, asked, f"{sum(user.prefilled)}/{len(user.prefilled)}", handler.requests, right, wrong]


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
        started = time.perf_counter()
        await user.client.text_document_code_action_async(code_action_params(uri, line))
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


CHANGE_HEADERS = [
    "minExecutions",
    "asks to learn",
    "asks to learn again",
    "not more",
    "wrong unasked while changing",
    "then asked / right / wrong unasked",
    "stage",
    "program",
]
BRANCH_HEADERS = [
    "minExecutions",
    "asks until it stopped asking",
    "generations",
    "wrong unasked while learning",
    "new paths asked / right / wrong unasked",
    "stage",
    "program",
]


async def per_min_executions(scenario: Callable[[int, int, int], Awaitable[list]], args: argparse.Namespace) -> list:
    """One row per --min-executions value: the scenario run with that threshold, the new paths and the seed."""
    return [await scenario(m, args.new_paths, args.seed) for m in args.min_executions]


async def main(args: argparse.Namespace) -> None:
    only = set(args.only or PARTS)
    if "learn" in only:
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
    if "change" in only:
        print("## (a2) The convention changes after promotion: Model -> Record suffix\n")
        print(table(CHANGE_HEADERS, await per_min_executions(convention_change, args)) + "\n")
    if "folder" in only:
        print("## (a3) Evidence from one folder (12 answers in shop/), then 18 files in other folders\n")
        rows = [
            await one_folder_then_new(description, name_of, corrects, args.seed, 12, 18)
            for description, name_of in FOLDER_CONVENTIONS
            for corrects in (True, False)
        ]
        headers = ["convention", "user", "in shop/", "new files", "asked", "right unasked", "wrong unasked"]
        print(table(headers, rows) + "\n")
    if "branch" in only:
        print("## (a4) A convention that branches on the layer folder\n")
        print(table(BRANCH_HEADERS, await per_min_executions(branching, args)) + "\n")
    if "llm" in only:
        print("## (a5) A per-file answer no program expresses, with an LLM configured (a stub that is always right)\n")
        headers = [
            "generations",
            "asked",
            "pre-filled right when asked",
            "LLM consulted",
            "right unasked",
            "wrong unasked",
        ]
        print(table(headers, [await per_file_with_llm(args.llm_generations, args.seed)]) + "\n")
    if "latency" in only:
        print("### codeAction latency (ms) while an evolution run synthesises\n")
        print(table(["server", "requests", "median", "p99", "max"], await code_action_latency(args.samples, args.seed)))
    if not args.skip_improve and not args.only:
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
    parser.add_argument("--only", nargs="+", choices=PARTS, help="only these parts of (a)")
    parser.add_argument("--llm-generations", type=int, default=24, help="generations in part (a5)")
    asyncio.run(main(parser.parse_args()))
