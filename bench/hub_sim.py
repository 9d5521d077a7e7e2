"""A team of developers with and without a hub: how often is each one asked before the server answers by itself?

N developers (default 20), each with the real server (`python -P -m server`,
one process each) over stdio, a workspace and SQLite file of their own, all
naming their dataclasses by one convention (pascal(file) + "Model"). They take
turns, one new module each per round, the way a team's days interleave; every
generated block is kept and judged by the server's own tracker. A developer is
done after a generation they were not asked for. Between rounds the script
waits until each server holds the kept answers it should (its own, and with
the hub its teammates'), then runs `scion.evolve` once, so a round never
races the server's own debounced run. Run twice: every server on
one hub (a throwaway PostgreSQL cluster), then the same N with no hub.

Measured: asks per developer until the task answers by itself, with and
without the hub, and the ratio (target: at least 10x fewer with the hub).

    .venv/bin/python bench/hub_sim.py [--developers 20] [--min-executions 20] [--max-rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_lsp import ClientServerConfig

from bench.common import table, team_hub
from server.store import Store
from server.templates.filters import pascal
from tests.e2e.conftest import initialize_params
from tests.e2e.editor import Editor
from tests.support.answers import generate_dataclass
from tests.support.client_compat import fix_code_action_union

WORDS = ["order", "item", "user", "invoice", "line", "client", "policy", "session", "store", "token", "cache"]
WORDS += ["email", "sender", "retry", "price", "rule", "ticket", "queue", "batch", "event", "record", "map"]
TASK = "python/dataclass:class_name"


def module_name(developer: int, round_number: int) -> str:
    first = WORDS[(developer * 7 + round_number) % len(WORDS)]
    second = WORDS[(developer * 3 + round_number * 5 + 1) % len(WORDS)]
    return f"pkg{round_number}/{first}_{second}_{developer}.py"


async def start(workspace: Path, instance: str, hub_url: str, min_executions: int) -> Editor:
    (workspace / ".scion").mkdir(parents=True)
    env = {**os.environ, "SCION_INSTANCE_ID": instance, "XDG_DATA_HOME": str(workspace.parent / f".{instance}")}
    client = await ClientServerConfig(server_command=[sys.executable, "-P", "-m", "server"], server_env=env).start()
    fix_code_action_union(client.protocol._converter)
    editor = Editor(client, workspace)
    scion = {
        "tracking": {"checkpoints": [0.3, 0.6]},
        "evolution": {"debounce": 0.2, "minExecutions": min_executions, "minKeptRate": 0.9},
    }
    if hub_url:
        scion["hub"] = {"url": hub_url, "pollInterval": 1.0}
    await client.initialize_session(initialize_params("visual_studio_code", workspace, {"ask": True, "scion": scion}))
    return editor


async def one_generation(editor: Editor, rel: str) -> bool:
    """Whether the developer, who names each dataclass pascal(stem) + "Model", was asked."""
    _, _, asked = await generate_dataclass(editor, rel, pascal(Path(rel).stem) + "Model")
    return asked


async def settle(editors: list[Editor], evidence: list[int], timeout: float = 90.0) -> None:
    """Wait until each server holds the kept answers it should (its own, plus its teammates' through the hub)
    and an evolution run has looked at them: conditions the product guarantees, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    for editor, expected in zip(editors, evidence, strict=True):
        while time.monotonic() < deadline:
            with Store(editor.workspace / ".scion" / "scion.db") as store:
                known = len(store.executions(TASK, kept=True))
            if known >= expected:
                break
            await asyncio.sleep(0.1)
        runs = (await editor.command("scion.evolveStatus"))["runs"]
        await editor.command("scion.evolve", {})  # a run that surely started after the evidence arrived
        assert (await editor.command("scion.evolveStatus"))["runs"] > runs


async def team_run(
    root: Path, developers: int, hub_for, min_executions: int, max_rounds: int, *, shared: bool
) -> list[int]:
    """Asks per developer until their first generation without a question (max_rounds when never)."""
    editors = [await start(root / f"dev{i}", f"dev{i}", hub_for(i), min_executions) for i in range(developers)]
    asks = [0] * developers
    made = [0] * developers
    done = [False] * developers
    try:
        for round_number in range(max_rounds):
            for i, editor in enumerate(editors):
                if done[i]:
                    continue
                made[i] += 1
                if await one_generation(editor, module_name(i, round_number)):
                    asks[i] += 1
                else:
                    done[i] = True
            if all(done):
                break
            waiting = [i for i in range(developers) if not done[i]]
            expected = [sum(made) if shared else made[i] for i in waiting]
            await settle([editors[i] for i in waiting], expected)
    finally:
        for editor in editors:
            await editor.client.shutdown_session()
    return asks


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--developers", type=int, default=20)
    parser.add_argument("--min-executions", type=int, default=20)
    parser.add_argument("--max-rounds", type=int, default=30)
    args = parser.parse_args()
    results = {}
    with team_hub("team", "team", [f"dev{i}" for i in range(args.developers)]) as hub:
        for label, hub_for in (
            ("one hub", lambda i: hub.member(f"dev{i}")),
            ("no hub", lambda i: ""),
        ):
            started = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="scion-hub-sim-") as folder:
                asks = asyncio.run(
                    team_run(
                        Path(folder),
                        args.developers,
                        hub_for,
                        args.min_executions,
                        args.max_rounds,
                        shared=label == "one hub",
                    )
                )
            results[label] = (asks, time.perf_counter() - started)
    print(
        f"\n{args.developers} developers, minExecutions {args.min_executions}, load average {os.getloadavg()[0]:.1f}\n"
    )
    rows = []
    for label, (asks, seconds) in results.items():
        rows.append([label, statistics.mean(asks), statistics.median(asks), max(asks), sum(asks), round(seconds)])
    print(table(["run", "asks per developer (mean)", "median", "max", "total asks", "seconds"], rows))
    with_hub, without = statistics.mean(results["one hub"][0]), statistics.mean(results["no hub"][0])
    print(f"\nfewer asks per developer with the hub: {without / with_hub:.1f}x (target >= 10x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
