"""Scenarios for issue 16's template improvement: edit histories and A/B trials.

Part 1, edit histories (`--edits`): a team uses a workspace template through
the domain APIs the server uses (a real Store and Catalog, answers resolved
and rendered as the server does, the version a generation gets chosen by
`trials.serve`, verdicts from the tracker's survival metric with the keep
threshold 0.5) and `run_improvement` runs after every batch of generations,
as the server's debounced engine would. Three habits:

- two-line: most users replace two lines by two unlike lines;
- two-places: most users insert a line at the top and another in the middle;
- where-it-applies: a `close()` method is rendered for 70% of the answers
  (behind `{% if cleanup %}`); 80% of the users who get it change one of its
  lines, so the edit is in only about half of all generations.

A user whose habit the output misses makes the edit (the code survives:
accepted) or undoes the block (rejected); a few undo for reasons of their own.
Prints per scenario the success per template version and the replay distance
before and after each deployment.

Part 2, A/B trials (`--ab`): a candidate version on trial against the current
one, whose true kept rates differ by +5 or -5 points; generations are served
by `trials.serve` (20% get the candidate), verdicts drawn at those rates and
recorded in a real Store, `review_trials` after every 20 generations. Prints
how many generations each trial ran and how often it decided wrong, over
seeded runs.

    .venv/bin/python bench/evolution_edits_sim.py --edits [--generations 400] [--seed 7]
    .venv/bin/python bench/evolution_edits_sim.py --ab [--runs 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sim_generations import decide_by_survival, record_insert
from server.common.config import EvolutionSettings, TrackingSettings
from server.evolution.improve import run_improvement
from server.evolution.trials import review_trials, serve, start_trial
from server.store import Store
from server.templates.catalog import Catalog

TEMPLATE = "team/worker"
MANIFEST = """title: Worker
mode: insert
where: [module, empty_file]
languages: [python]
questions:
  class_name:
    type: str
    default: "{{ ctx.stem | pascal }}"
  cleanup:
    type: bool
    default: false
changelog:
  1.0.0: First version
examples:
  - answers: {class_name: Mail, cleanup: true}
    contains: ["class MailWorker:", "def close(self):"]
"""
SOURCE = '''class {{ class_name }}Worker:
    """Runs {{ class_name | lower }} jobs."""

    retries = 3
    timeout = 10.0

    def run(self, job):
        return job()
{%- if cleanup %}

    def close(self):
        self.pool.shutdown()
{%- endif %}
'''
NAMES = ["Mail", "Invoice", "Report", "Export", "Import", "Billing", "Search", "Audit", "Backup", "Sync"]
NOISE = 0.03


@dataclass(frozen=True)
class Habit:
    name: str
    applies: Callable[[str], bool]  # does this output hold what the habit edits?
    done: Callable[[str], bool]  # does it already look the way the user wants?
    edit: Callable[[str], str]
    share: float  # users who have the habit (where it applies)
    undo: float  # of those whose output misses it, the share who undo instead of editing
    cleanup: float  # share of generations answered cleanup=true


def two_lines(text: str) -> str:
    return text.replace(
        "    retries = 3\n    timeout = 10.0\n", "    max_attempts: int = 5\n    deadline_s: float = 30.0\n"
    )


def two_places(text: str) -> str:
    text = "from __future__ import annotations\n\n\n" + text
    return text.replace("    timeout = 10.0\n", "    timeout = 10.0\n    poll_interval = 0.5\n")


def waiting_close(text: str) -> str:
    return text.replace("        self.pool.shutdown()", "        self.pool.shutdown(wait=True)")


HABITS = [
    Habit(
        "two-line replacement",
        lambda t: "retries = 3" in t or "max_attempts" in t,
        lambda t: "max_attempts: int = 5" in t,
        two_lines,
        0.75,
        0.3,
        0.3,
    ),
    Habit(
        "insertion at two places",
        lambda t: True,
        lambda t: "poll_interval" in t and t.startswith("from __future__"),
        two_places,
        0.75,
        0.3,
        0.3,
    ),
    Habit(
        "80% of users where it applies",
        lambda t: "def close(self)" in t,
        lambda t: "shutdown(wait=True)" in t,
        waiting_close,
        0.8,
        0.35,
        0.7,
    ),
]


def write_template(workspace: Path) -> None:
    folder = workspace / ".scion" / "templates" / TEMPLATE / "1.0.0"
    (folder / "files").mkdir(parents=True)
    (folder / "template.yml").write_text(MANIFEST)
    (folder / "files" / "worker.py.jinja").write_text(SOURCE)


def kept_by_user(rng: random.Random, habit: Habit, rendered: str) -> str:
    if rng.random() < NOISE:
        return ""
    if not habit.applies(rendered) or habit.done(rendered) or rng.random() >= habit.share:
        return rendered
    return "" if rng.random() < habit.undo else habit.edit(rendered)


def generate(
    store: Store, catalog: Catalog, workspace: Path, rng: random.Random, habit: Habit, index: int
) -> tuple[str, bool]:
    template = serve(store, workspace, catalog.get(TEMPLATE), rng)
    name = f"{rng.choice(NAMES)}{index}"
    features = {"stem": name.lower(), "place": "module", "language": "python", "identifiers": []}
    given = {"class_name": name, "cleanup": rng.random() < habit.cleanup}
    generation, rendered = record_insert(store, template, features, given, f"src/{name.lower()}.py")
    kept = kept_by_user(rng, habit, rendered)
    accepted = decide_by_survival(store, generation, rendered, kept, TrackingSettings().keep_threshold)
    return template.version, accepted


def run_edits(habit: Habit, generations: int, batch: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="scion-edits-sim-") as folder:
        workspace = Path(folder)
        write_template(workspace)
        catalog = Catalog([(workspace / ".scion" / "templates", "workspace")])
        store = Store(workspace / "scion.db")
        seconds = []
        for start in range(0, generations, batch):
            for index in range(start, min(start + batch, generations)):
                generate(store, catalog, workspace, rng, habit, index)
            began = time.perf_counter()
            run_improvement(store, catalog, workspace, EvolutionSettings(), None)
            seconds.append(time.perf_counter() - began)
        deployments = {row["version"]: row for row in store.deployments(TEMPLATE)}
        rows = []
        for row in store.success_rates():
            deployment = deployments.get(row["version"])
            evidence = (deployment or {}).get("evidence") or {}
            replay = (
                f"{evidence['replay_before']:.3f} → {evidence['replay_after']:.3f}"
                if "replay_before" in evidence
                else ""
            )
            on_trial = any(t["version"] == row["version"] for t in store.trials(TEMPLATE))
            how = (
                "after a trial"
                if "trial" in evidence
                else "deployed"
                if deployment
                else "on trial"
                if on_trial
                else "original"
            )
            rows.append(
                f"| {habit.name} | {row['version']} ({how}) | {row['decided']} | {row['rate']:.0%} | "
                f"{percent(row['edit_rate'])} | {replay} |"
            )
        trials = [f"{t['version']}: {t['state']}" for t in store.trials(TEMPLATE)]
        store.close()
    rows.append(
        f"| {habit.name} | evolution runs: {len(seconds)}, slowest {max(seconds):.2f} s"
        f"{'; trials ' + ', '.join(trials) if trials else ''} | | | | |"
    )
    return rows


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


# -- A/B --------------------------------------------------------------------------


def run_trial(seed: int, current: float, candidate: float, share: float, batch: int, limit: int) -> tuple[str, int]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="scion-ab-sim-") as folder:
        workspace = Path(folder)
        write_template(workspace)
        catalog = Catalog([(workspace / ".scion" / "templates", "workspace")])
        store = Store()
        template = catalog.get(TEMPLATE)
        start_trial(workspace, store, template, template.path, "1.1.0", share, ["a bench candidate"], {"decided": 0})
        served_candidate = serve(store, workspace, template, _Always())
        generations = 0
        while generations < limit:
            for _ in range(batch):
                generations += 1
                # serve() itself decides the arm (the store lookup is the real one); the draw below is the user.
                chosen = served_candidate if rng.random() < share else template
                rate = candidate if chosen is served_candidate else current
                generation = store.record_generation(
                    TEMPLATE, chosen.version, "src/x.py", "insert", {}, rendered_text="x", status="applied"
                )
                store.decide(generation, "accepted" if rng.random() < rate else "rejected", 1.0, "x")
            report = review_trials(store, workspace)
            if report["deployed"]:
                return "deployed", generations
            if report["dropped"]:
                return "dropped", generations
        return "running", generations


class _Always(random.Random):
    def random(self) -> float:
        return 0.0


def run_ab(runs: int, base: float, share: float, batch: int, limit: int) -> list[str]:
    rows = []
    for label, delta in (("5 points better", 0.05), ("5 points worse", -0.05)):
        began = time.perf_counter()
        results = [run_trial(seed, base, base + delta, share, batch, limit) for seed in range(runs)]
        right = "deployed" if delta > 0 else "dropped"
        wrong = sum(outcome != right for outcome, _ in results)
        lengths = sorted(n for _, n in results)
        p90 = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
        rows.append(
            f"| {label} ({base:.0%} → {base + delta:.0%}) | {runs} | {statistics.median(lengths):.0f} | {p90} | "
            f"{max(lengths)} | {wrong} ({wrong / runs:.0%}) | {time.perf_counter() - began:.0f} s |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", action="store_true", help="the edit-history scenarios")
    parser.add_argument("--ab", action="store_true", help="the A/B trial scenarios")
    parser.add_argument("--generations", type=int, default=400)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--base", type=float, default=0.75, help="the current version's kept rate in the A/B runs")
    args = parser.parse_args()
    if args.edits or not args.ab:
        print(f"### Edit histories ({args.generations} generations, evolution every {args.batch}, seed {args.seed})\n")
        print("| habit | version | decided | success | edited | replay distance before → after |")
        print("|---|---|---:|---:|---:|---|")
        for habit in HABITS:
            for line in run_edits(habit, args.generations, args.batch, args.seed):
                print(line, flush=True)
        print()
    if args.ab:
        print(f"### A/B trials (share 20%, review every {args.batch} generations, {args.runs} seeded runs)\n")
        print("| candidate | runs | generations to decide: median | p90 | max | wrong decisions | time |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for line in run_ab(args.runs, args.base, EvolutionSettings().trial_share, args.batch, 40_000):
            print(line, flush=True)


if __name__ == "__main__":
    main()
