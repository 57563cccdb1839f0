"""Benchmark: "why did it change?" between two snapshots of a ~500,000-member segment at 1,000,000 people.

    .venv/bin/python bench/bench_why.py [--people 1000000] [--runs 5]

People are generated straight into the mirror's DuckDB ``users`` table (as bench/bench_events.py does):
loading a million people through the embedded server takes far longer than everything measured here.
Snapshots and segments live in a real embedded MongoDB; the snapshots are taken through the product's own
path (``keep_members``: one DuckDB pass, the sets encoded, stored in ``snapshot_members``).

Between the two snapshots: 2% stop visiting, 1% leave Pune/Mumbai, 1% are deleted, 2% come back, and 20,000
new people arrive. Printed: the count of the segment (same run), the time to read and keep a snapshot, the
bytes a snapshot takes per million members, the why between the two snapshots (median), and the machine's
load average beside them (the machine is shared: numbers move with it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from segcore import default_catalog, validate_json
from segcore.audience import AudienceEngine
from segcore.explain.keep import keep_members
from segcore.explain.why import main_cause, why_changed
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer

TEAM = "bench"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()
RULE = validate_json({"all": [
    {"field": "last_visit_at", "op": "within_last", "value": {"amount": 30, "unit": "day"}},
    {"field": "city", "op": "in", "value": ["Pune", "Mumbai"]},
    {"field": "visits", "op": "gte", "value": 2},
]}, CATALOG)
CITIES = ["Pune", "Mumbai", "Delhi", "Chennai"]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def fill(mirror: UserMirror, people: int) -> float:
    """Everyone in SQL: person numbers 1..N, a city, visits and a last visit (about half are members)."""
    file = mirror._file  # the bench writes the tables a rebuild would write, without MongoDB
    started = time.perf_counter()
    file.open()
    with file.cursor() as cur:
        cur.execute(mirror._schema.create_table("users"))
        cur.execute(mirror._event_schema.create_table("events"))
        cur.execute(
            "INSERT INTO users (_id, team_id, user_id, person_no, city, visits, last_visit_at) "
            "SELECT 's' || i, ?, 'u' || lpad(i::VARCHAR, 7, '0'), i + 1, "
            "CASE WHEN hash(i) % 100 < 40 THEN 'Pune' WHEN hash(i) % 100 < 80 THEN 'Mumbai' "
            "     WHEN hash(i) % 100 < 90 THEN 'Delhi' ELSE 'Chennai' END, "
            "(hash(i * 3) % 20)::BIGINT, "
            "?::TIMESTAMPTZ - to_seconds((hash(i * 7) % (45 * 86400))::BIGINT) "
            "FROM range(?) t(i) ORDER BY 2, 3",
            [TEAM, NOW, people])
        file._set_meta(cur, "schema", file.signature)
        file._set_meta(cur, "token", "{}")
        cur.execute("CHECKPOINT")
    file.close()
    mirror._open()
    mirror._state, mirror._as_of = "ready", datetime.now(UTC)  # a bench mirror follows no stream
    return time.perf_counter() - started


def change(mirror: UserMirror, people: int) -> None:
    with mirror._file.cursor() as cur:
        cur.execute("UPDATE users SET last_visit_at = ?::TIMESTAMPTZ - INTERVAL 40 DAY WHERE person_no % 50 = 1",
                    [NOW])
        cur.execute("UPDATE users SET last_visit_at = ?::TIMESTAMPTZ - INTERVAL 2 DAY WHERE person_no % 50 = 2",
                    [NOW])
        cur.execute("UPDATE users SET city = 'Delhi' WHERE person_no % 100 = 3")
        cur.execute("DELETE FROM users WHERE person_no % 100 = 4")
        cur.execute(
            "INSERT INTO users (_id, team_id, user_id, person_no, city, visits, last_visit_at) "
            "SELECT 'n' || i, ?, 'n' || i, ? + i + 1, 'Pune', 10, ?::TIMESTAMPTZ - INTERVAL 1 DAY FROM range(20000) t(i)",
            [TEAM, people, NOW])
    mirror._as_of = datetime.now(UTC)


def median_ms(run: Any, times: int) -> tuple[float, Any]:
    result, spent = None, []
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-why-") as tmp:
        server = EmbeddedServer(Path(tmp) / "db").start()
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
        try:
            store = Store.from_database(client["bench_why"], CATALOG)
            store.ensure_indexes()
            mirror = UserMirror(Path(tmp) / "m.duckdb", store.db, CATALOG, max_lag=1e9)
            spent = fill(mirror, args.people)
            print(f"{args.people:,} people generated into the mirror in {spent:.1f} s")
            engine = AudienceEngine(store, [MirrorCounter(mirror)])
            segment = store.segments.create(TEAM, "Active in Pune or Mumbai", RULE, "bench", "grammar", "bench")
            count_ms, counted = median_ms(lambda: engine.count(TEAM, RULE, NOW), args.runs)
            print(f"count of the segment: {counted.size:,} people ({counted.engine}), median {count_ms:.0f} ms")

            def snapshot(at: datetime) -> int:
                snap = store.snapshots.record(TEAM, segment.id, 0, at, "mirror")
                stored = keep_members(engine, TEAM, segment.id, RULE, snap, at, NOW)
                assert stored is not None, "the snapshot kept no members"
                return stored

            first_at = NOW - timedelta(days=1)
            started = time.perf_counter()
            first = snapshot(first_at)
            keep_ms = (time.perf_counter() - started) * 1000
            size = store.snapshots.members_at(TEAM, segment.id, first_at)
            assert size is not None
            members = len(size.people.members)
            print(f"snapshot 1: {members:,} members, read and kept in {keep_ms:.0f} ms; {first / 1e6:.2f} MB in all "
                  f"(everyone, members, 3 conditions) = {first / members:.2f} bytes a member, "
                  f"{first / members * 1e6 / 2**20:.2f} MiB per million members")
            change(mirror, args.people)
            second = snapshot(NOW)
            print(f"snapshot 2: {second / 1e6:.2f} MB")
            why_ms, why = median_ms(
                lambda: why_changed(engine, segment, first_at, NOW, until=NOW, examples=False), args.runs)
            print(f"why between the two snapshots: median {why_ms:.0f} ms ({args.runs} runs): {main_cause(why)}")
            print(f"  entered {why.entered.total:,} ({why.entered.newcomers:,} new), left {why.left.total:,} "
                  f"({why.left.newcomers:,} removed)")
            for side, movement in (("entered", why.entered), ("left", why.left)):
                for cause in movement.by_condition:
                    print(f"    {side}: {cause.count:>7,} {cause.text}")
            now_ms, _ = median_ms(lambda: why_changed(engine, segment, first_at, NOW, examples=False), args.runs)
            print(f"why between snapshot 1 and now (one DuckDB pass more): median {now_ms:.0f} ms")
            print(f"after: {load()}")
            mirror.stop()
        finally:
            client.close()
            server.stop()


if __name__ == "__main__":
    main()
