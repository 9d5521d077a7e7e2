"""Benchmark (b) of the evolution issue: users who keep making the same edit to a template's output.

Simulates a team using the builtin python/dataclass template (copied into a
temporary workspace root, as a team would pin it) through the domain APIs: a
real Store and Catalog, answers resolved and rendered exactly as the server
does, verdicts from the tracker's survival metric (server/tracking/survival.py,
accepted when survival >= the keep threshold 0.5), and `run_improvement`
called after every batch of generations, as the server's debounced engine
would.

The simulated users:
- most of them (HABIT_A) put `from __future__ import annotations` above the
  dataclasses import whenever the block brings that import: literal template
  text, so folding can learn it;
- some (HABIT_B) want frozen dataclasses and add `frozen=True` to the
  decorator: an answer the template computes, which folding must not touch;
- a user whose habit the output misses either makes the edit (the code
  survives: accepted) or, with probability UNDO, undoes the insertion
  (nothing survives: rejected); a few undo for reasons of their own (NOISE).

Prints a markdown table: success rate per window of generations and per
template version, before and after evolution.

    .venv/bin/python bench/evolution_improve_sim.py [--generations N] [--batch N] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sim_generations import decide_by_survival, record_insert
from server.common.config import EvolutionSettings, TrackingSettings
from server.evolution.improve import run_improvement
from server.store import Store
from server.templates.catalog import BUILTIN_ROOT, Catalog

TEMPLATE = "python/dataclass"
HABIT_A = 0.9
HABIT_B = 0.2
UNDO = 0.25
NOISE = 0.04
SHARE_IMPORTING = 1.0  # blocks inserted where the dataclasses import is still missing
FUTURE = "from __future__ import annotations\n"
CLASSES = ["Order", "Invoice", "Customer", "Product", "Shipment", "Payment", "Refund", "Ticket", "Account", "Review"]
FIELDS = [
    "id: int, name: str",
    "id: int, total: float",
    "sku: str, price: float, tags: list[str]",
    "user_id: int, note: str = ''",
]


def simulate_user(rng: random.Random, rendered: str, undo: float) -> str:
    """The text this user keeps after editing the inserted block ("" when they undo it)."""
    if rng.random() < NOISE:
        return ""
    kept = rendered
    if "from dataclasses import" in kept and FUTURE not in kept and rng.random() < HABIT_A:
        if rng.random() < undo:
            return ""
        kept = FUTURE + kept
    if "frozen=True" not in kept and rng.random() < HABIT_B:
        if rng.random() < undo:
            return ""
        kept = (
            kept.replace("@dataclass(", "@dataclass(frozen=True, ", 1)
            if "@dataclass(" in kept
            else kept.replace("@dataclass", "@dataclass(frozen=True)", 1)
        )
    return kept


def generate(store: Store, catalog: Catalog, rng: random.Random, index: int, scenario: dict) -> tuple[str, bool]:
    template = catalog.get(TEMPLATE)
    name = f"{rng.choice(CLASSES)}{index}"
    importing = rng.random() < scenario["importing"]
    features = {
        "stem": name.lower(),
        "place": "module",
        "language": "python",
        "identifiers": [] if importing else ["dataclass"],
    }
    given = {"class_name": name, "fields": rng.choice(FIELDS)}
    generation, rendered = record_insert(store, template, features, given, f"src/models/{name.lower()}.py")
    kept = simulate_user(rng, rendered, scenario["undo"])
    accepted = decide_by_survival(store, generation, rendered, kept, scenario["keep_threshold"])
    return template.version, accepted


def run(generations: int, batch: int, seed: int, importing: float = SHARE_IMPORTING, undo: float = UNDO) -> str:
    rng = random.Random(seed)
    scenario = {"importing": importing, "undo": undo, "keep_threshold": TrackingSettings().keep_threshold}
    settings = EvolutionSettings()
    with tempfile.TemporaryDirectory(prefix="scion-evolution-sim-") as folder:
        workspace = Path(folder)
        shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", workspace / ".scion" / "templates" / TEMPLATE / "1.1.0")
        catalog = Catalog([(workspace / ".scion" / "templates", "workspace"), (BUILTIN_ROOT, "builtin")])
        store = Store(workspace / "scion.db")
        windows, runs = [], []
        for start in range(0, generations, batch):
            outcomes = [
                generate(store, catalog, rng, index, scenario)
                for index in range(start, min(start + batch, generations))
            ]
            versions = sorted({version for version, _ in outcomes})
            windows.append(
                (start + 1, start + len(outcomes), ", ".join(versions), sum(ok for _, ok in outcomes) / len(outcomes))
            )
            began = time.perf_counter()
            report = run_improvement(store, catalog, workspace, settings, None)
            runs.append((start + len(outcomes), time.perf_counter() - began, report))
        return _markdown(store, windows, runs)


def _markdown(store: Store, windows: list, runs: list) -> str:
    lines = [
        "### Success rate per window of generations",
        "",
        "| generations | version used | success |",
        "|---|---|---:|",
    ]
    lines += [f"| {first}-{last} | {versions} | {rate:.0%} |" for first, last, versions, rate in windows]
    lines += [
        "",
        "### Per template version",
        "",
        "| version | decided | success | deployed after generation | replay before -> after |",
        "|---|---:|---:|---:|---|",
    ]
    deployed_at = {d["version"]: n for n, _, report in runs for d in report["deployed"]}
    deployments = {row["version"]: row for row in store.deployments(TEMPLATE)}
    for row in store.success_rates():
        deployment = deployments.get(row["version"])
        replay = (
            f"{deployment['evidence']['replay_before']:.3f} -> {deployment['evidence']['replay_after']:.3f}"
            if deployment
            else ""
        )
        lines.append(
            f"| {row['version']} | {row['decided']} | {row['rate']:.0%} | {deployed_at.get(row['version'], '')} | {replay} |"
        )
    analysed = [(n, seconds) for n, seconds, report in runs if report["analysed"]]
    lines += [
        "",
        f"Evolution ran {len(runs)} times; it analysed a version {len(analysed)} times "
        f"(mean {sum(s for _, s in analysed) / max(len(analysed), 1):.2f} s per run that analysed).",
    ]
    for row in deployments.values():
        lines.append(f"- {row['version']}: {row['changelog']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20, help="generations between evolution runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--importing", type=float, default=SHARE_IMPORTING, help="share of blocks that bring the dataclasses import"
    )
    parser.add_argument(
        "--undo", type=float, default=UNDO, help="chance that a user whose habit the output misses undoes it"
    )
    args = parser.parse_args()
    print(
        f"Scenario: {args.generations} generations, evolution every {args.batch}, seed {args.seed}, "
        f"blocks with the import {args.importing:.0%}, undo when a habit is missed {args.undo:.0%}\n"
    )
    print(run(args.generations, args.batch, args.seed, args.importing, args.undo))


if __name__ == "__main__":
    main()
