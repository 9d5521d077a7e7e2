"""Synthesis time: straight conventions must not get slower now that the search also finds branches.

The peer is the synthesis module of another commit (default `main`), loaded
from git into this same process, so both run on the same machine at the same
moment. Each convention is synthesised `--runs` times by each, alternating.

    .venv/bin/python bench/bench_synthesis.py [--runs 30] [--peer main]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import summary, table
from server.evolution import synthesis
from server.templates.filters import pascal
from tests.evolution.contexts import examples_for
from tests.evolution.conventions import CONVENTIONS

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["order", "user", "invoice", "cart", "token", "price", "report", "email", "queue", "event", "rule", "line"]


def peer_synthesis(commit: str):
    """The synthesis module as it is at `commit` (it imports today's dsl.py, which reads older programs too)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:server/evolution/synthesis.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="scion-peer-")) / "peer_synthesis.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("peer_synthesis", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["peer_synthesis"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def branching_cases() -> list[tuple[str, list]]:
    def layer(rel: str) -> str:
        stem = Path(rel).stem
        return pascal(stem) + ("Repository" if "/repos/" in rel else "Service")

    cases = []
    for per_branch in (2, 4, 12):
        rels = [f"app/{'repos' if n % 2 else 'services'}/{WORDS[n % len(WORDS)]}_{n}.py" for n in range(2 * per_branch)]
        cases.append((f"suffix by folder, {per_branch} per branch", [(examples_for([(r, layer(r))])[0]) for r in rels]))
    return cases


def noise_case() -> tuple[str, list]:
    answers = ["qwe", "rty", "uio", "pas", "dfg", "hjk", "lzx", "cvb", "nmq", "wer", "tyu", "iop"]
    pairs = [(f"{f}/{w}.py", a) for f, w, a in zip("abcdefghijkl", WORDS, answers, strict=False)]
    return "no convention (12 answers, search to its budget)", examples_for(pairs)


def measure(ours, theirs, examples: list, runs: int) -> tuple[list[float], list[float], str, str]:
    """Alternate the two so that load changes hit both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    found = ["", ""]
    for _ in range(runs):
        for index, function in enumerate((ours, theirs)):
            started = time.perf_counter()
            programs = function(examples)
            samples[index].append((time.perf_counter() - started) * 1000)
            found[index] = str(programs[0]) if programs else "none"
    return samples[0], samples[1], found[0], found[1]


def main(args: argparse.Namespace) -> None:
    peer = peer_synthesis(args.peer)
    straight = [(name, examples_for(training, language)) for name, language, training, _ in CONVENTIONS]
    rows = []
    for name, examples in [*straight, *branching_cases(), noise_case()]:
        ours, theirs, found, peer_found = measure(synthesis.synthesize, peer.synthesize, examples, args.runs)
        ours_median, ours_p99 = summary(ours)
        peer_median, peer_p99 = summary(theirs)
        rows.append(
            [
                name,
                len(examples),
                peer_median,
                peer_p99,
                ours_median,
                ours_p99,
                f"{ours_median / peer_median:.2f}x",
                f"`{found}`" if found == peer_found else f"`{found}` (peer: `{peer_found}`)",
            ]
        )
    print(f"## Synthesis time (ms), {args.runs} runs each; peer = {args.peer}\n")
    headers = ["convention", "examples", "peer median", "peer p99", "median", "p99", "ratio", "best program"]
    print(table(headers, rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--peer", default="main", help="the commit whose synthesis is the peer")
    main(parser.parse_args())
