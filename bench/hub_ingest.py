"""The team hub under load: ingest from many instances at once, and how fast a promotion reaches them.

A throwaway PostgreSQL cluster (tests/support/pg_cluster.py), a hub made by
`init_hub`, one login per instance. Measured:

(a) Ingest: N instances (threads, each its own connection and login) push
    outbox batches of 500 generation events through `HubClient.push_json`, the
    server's push path (row-level security on every row), at once. Events/s over the whole run; then the same
    batches again, which must store nothing new (idempotence).
(b) Promotion: every instance LISTENs on its team's channel (`hub.sync.listen`);
    one instance publishes a program; the time until each instance has heard
    and pulled it (`pull_programs`), repeated R times.

    .venv/bin/python bench/hub_ingest.py [--instances 50] [--batches 20] [--repeats 10]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import summary, table, team_hub
from server.evolution.programs import source_digest
from server.hub.client import HubClient, connected
from server.hub.sync import listen

BATCH = 500


def events(instance: int, batches: int) -> list[str]:
    """What an outbox at share level `answers` holds, one entry per generation state, in batches.

    Each batch is the JSON array text an instance's sync reads from its outbox
    (SQLite builds it: store/outbox.py `outbox_slice`) and pushes as it is.
    """
    made, revision = [], 0
    for _ in range(batches):
        batch = []
        for _ in range(BATCH):
            revision += 1
            generation_id = uuid.uuid4().hex
            payload = {
                "id": generation_id,
                "template_id": f"python/t{revision % 20}",
                "template_version": "1.0.0",
                "mode": "insert",
                "status": "accepted" if revision % 4 else "rejected",
                "quality_score": 0.8,
                "created_at": "2026-11-30T10:00:00+00:00",
                "decided_at": "2026-11-30T10:10:00+00:00",
                "answers": {"class_name": f"Order{revision}Model", "frozen": False},
                "answer_sources": {"class_name": "user", "frozen": "default"},
                "file_path": f"src/shop/order_{revision}.py",
            }
            batch.append({"id": revision, "kind": "generation", "key": generation_id, "payload": payload})
        made.append(json.dumps(batch, ensure_ascii=False))
    return made


def member_url(admin: str, name: str) -> str:
    return admin.replace("postgresql://postgres@", f"postgresql://{name}@", 1)


def ingest(admin: str, instances: int, batches: int) -> tuple[float, float, int]:
    work = [events(i, batches) for i in range(instances)]
    clients = [connected(member_url(admin, f"m{i}"), f"instance-{i}") for i in range(instances)]
    start = threading.Barrier(instances + 1)

    def push_all(client: HubClient, batches_of: list[str]) -> None:
        start.wait()
        for batch in batches_of:
            client.push_json(batch)

    def run() -> float:
        threads = [threading.Thread(target=push_all, args=(c, w)) for c, w in zip(clients, work, strict=True)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    first = run()
    start.reset()
    again = run()
    with HubClient(admin, "admin") as admin_client:
        stored = admin_client.conn.execute("SELECT count(*) FROM scion_hub.generations").fetchone()[0]
    for client in clients:
        client.close()
    return first, again, stored


def promotion(admin: str, instances: int, repeats: int) -> list[float]:
    """Seconds from a publication's commit to each instance having pulled it."""
    latencies: list[float] = []
    lock = threading.Lock()
    published_at: dict[int, float] = {}
    stop = threading.Event()
    ready = threading.Barrier(instances + 1)

    def instance(number: int) -> None:
        client = connected(member_url(admin, f"m{number}"), f"instance-{number}")
        seen = 0

        def heard() -> None:
            nonlocal seen
            rows = client.pull_programs(0)
            newest = max((row["version"] for row in rows), default=0)
            if newest > seen:
                seen = newest
                with lock:
                    latencies.append(time.perf_counter() - published_at[newest])

        ready.wait()
        try:
            listen(member_url(admin, f"m{number}"), client.team, stop, heard, tick_s=0.2)
        finally:
            client.close()

    threads = [threading.Thread(target=instance, args=(i,)) for i in range(instances)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(1.0)  # every listener has run LISTEN
    with connected(member_url(admin, "m0"), "instance-0") as publisher:
        for version in range(1, repeats + 1):
            source = f"def infer(ctx):\n    return ctx['stem'] + '{version}'\n"
            entry = {"task": "python/t:q", "source": source, "sha256": source_digest(source), "examples": []}
            published_at[version] = time.perf_counter()
            publisher.publish_program(entry, "hybrid")
            deadline = time.perf_counter() + 10
            while len(latencies) < version * instances and time.perf_counter() < deadline:
                time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    members = [f"m{number}" for number in range(args.instances)]
    with team_hub("bench", "bench", members) as hub:
        total = args.instances * args.batches * BATCH
        first, again, stored = ingest(hub.admin, args.instances, args.batches)
        print(f"load average {os.getloadavg()[0]:.1f}, {args.instances} instances, {total} events\n")
        print(
            table(
                ["run", "events", "seconds", "events/s", "rows stored"],
                [
                    ["first push", total, first, round(total / first), stored],
                    ["same batches again", total, again, round(total / again), stored],
                ],
            )
        )
        latencies = promotion(hub.admin, args.instances, args.repeats)
        median, p99 = summary(latencies)
        print()
        print(
            table(
                ["promotion -> pulled by each instance (ms)", "samples", "median", "p99", "max"],
                [["LISTEN/NOTIFY + pull", len(latencies), median * 1000, p99 * 1000, max(latencies) * 1000]],
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
