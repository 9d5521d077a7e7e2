"""The team hub's pulls: what a bounded pull costs, and whether a connection pool would pay.

A throwaway PostgreSQL cluster (tests/support/pg_cluster.py), a hub made by
`init_hub`, two logins. Measured:

(a) Bounded pulls: a teammate has pushed G decided generations at share
    level `code`; a new member's first sync pulls the newest MAX_ROWS_PER_SYNC
    of them in pages (rows pulled, seconds, local rows kept), and the next
    sync pulls only what came since (the steady state).
(b) Connections: one sync with nothing new, (1) on the connection the
    server's sync worker keeps open between syncs, (2) on a new connection
    each time (connect, join, sync, close: what `scion hub sync` does, one
    process per command), (3) borrowed from a psycopg-pool ConnectionPool.
    Median and p99 per sync, R repeats each.

    .venv/bin/python bench/hub_pulls.py [--generations 50000] [--repeats 50]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import summary, table, team_hub
from server.hub.client import MAX_ROWS_PER_SYNC, HubClient, connected
from server.hub.sync import HubLink, sync_once
from server.store import Store

BLOCK = "from dataclasses import dataclass\n\n\n@dataclass(slots=True)\nclass Order:\n    id: int\n    name: str\n"


def teammate_generations(url: str, count: int) -> None:
    """`count` decided generations of one version pushed by a teammate, 500 per push."""
    with connected(url, "bob-laptop") as bob:
        revision = 0
        for start in range(0, count, 500):
            batch = []
            for index in range(start, min(count, start + 500)):
                revision += 1
                payload = {
                    "id": uuid.uuid4().hex,
                    "template_id": "python/dataclass",
                    "template_version": "1.1.0",
                    "status": "accepted" if index % 4 else "rejected",
                    "created_at": "2026-11-30T09:00:00+00:00",
                    "answers": {"class_name": f"Order{index}"},
                    "file_path": f"src/m{index}.py",
                    "rendered_text": BLOCK,
                    "retained_text": BLOCK,
                }
                batch.append({"id": revision, "kind": "generation", "key": payload["id"], "payload": payload})
            bob.push(batch)


def bounded_pulls(url: str, generations: int, folder: Path) -> list[list]:
    rows = []
    with Store(folder / "ann.db") as store:
        link = HubLink(url, "ann-laptop")
        try:
            for run in ("first sync (new member)", "next sync, 500 new"):
                started = time.perf_counter()
                link.sync(store)
                seconds = time.perf_counter() - started
                kept = store._scalar("SELECT count(*) FROM team_generations")
                rows.append([run, generations if run.startswith("first") else 500, f"{seconds:.2f}", kept])
                teammate_generations(url.replace("//ann@", "//bob@"), 500)
        finally:
            link.close()
    return rows


def connections(url: str, repeats: int, folder: Path) -> list[list]:
    rows = []
    with Store(folder / "quiet.db") as store:
        kept = connected(url, "ann-laptop")
        sync_once(kept, store)  # the cursors are current: every measured sync has nothing new
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            sync_once(kept, store)
            samples.append((time.perf_counter() - started) * 1000)
        kept.close()
        rows.append(["kept open (the server's sync worker)", repeats, *[f"{v:.2f}" for v in summary(samples)]])

        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            with connected(url, "ann-laptop") as fresh:
                sync_once(fresh, store)
            samples.append((time.perf_counter() - started) * 1000)
        rows.append(["new connection per sync (scion hub sync)", repeats, *[f"{v:.2f}" for v in summary(samples)]])

        try:
            from psycopg_pool import ConnectionPool  # not a dependency of Scion: `pip install psycopg-pool`
        except ImportError:
            rows.append(["borrowed from a psycopg-pool pool (not installed)", 0, "-", "-"])
            return rows
        with ConnectionPool(url, min_size=1, max_size=2, open=True) as pool:
            client = HubClient.__new__(HubClient)  # the client's own connection comes from the pool
            client.url, client.instance_id, client.team = url, "ann-laptop", ""
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                with pool.connection() as conn:
                    client.conn = conn
                    client.join()
                    sync_once(client, store)
                samples.append((time.perf_counter() - started) * 1000)
        rows.append(["borrowed from a psycopg-pool pool", repeats, *[f"{v:.2f}" for v in summary(samples)]])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with team_hub("hub", "shop", ["ann", "bob"]) as hub:
        ann, bob = hub.member("ann"), hub.member("bob")
        teammate_generations(bob, 1000)  # a small team's month
        with tempfile.TemporaryDirectory() as folder:
            print("\n### One sync with nothing new, 1,000 teammates' generations on the hub (ms)\n")
            print(table(["connection", "syncs", "median", "p99"], connections(ann, args.repeats, Path(folder))))
        started = time.perf_counter()
        teammate_generations(bob, args.generations)
        print(
            f"\npushed {args.generations} more generations at share level code in {time.perf_counter() - started:.1f} s"
        )
        with tempfile.TemporaryDirectory() as folder:
            print(f"\n### Bounded pulls (at most {MAX_ROWS_PER_SYNC} rows per sync, the newest)\n")
            print(
                table(
                    ["sync", "waiting on the hub", "seconds", "teammates' rows kept locally"],
                    bounded_pulls(ann, args.generations + 1000, Path(folder)),
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
