"""Benchmark: event conditions counted by the DuckDB mirror and by MongoDB (the embedded server).

    .venv/bin/python bench/bench_events.py [--people 1000000 --events 20000000]
                                           [--mongo-people 10000 --mongo-events 200000]

1. The mirror at scale: people and events are generated straight into the mirror's DuckDB file (its real
   tables, laid out as a rebuild lays them out: events ordered by workspace, event and time), because
   loading 20M events through the embedded server would take hours (about 2,300 inserts/s here). Each
   event condition is then counted through ``UserMirror.count`` (the SQL of ``compile_sql``, the checks of
   a real count), median of several runs. The file's size with and without the events gives the memory
   the mirror needs per 10M events.
2. MongoDB on the embedded server: the same kind of data, smaller (it is inserted for real), counted by
   ``MongoCounter`` (one aggregation on events per condition, see ``segcore.event_audience``), and by a
   mirror built from that database, both counts checked equal; the ratio is printed.

Nothing here is a test: it prints numbers. Reference (issue 14, this kind of machine, busy): DuckDB counts
"added to cart in the last 7 days and no checkout in those 7 days" over 20M events in 67 ms when the table
is ordered by (workspace, event, time), 160-390 ms when it is not.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from pymongo import ASCENDING, MongoClient

from segcore import default_catalog, validate_json
from segcore.audience import MongoCounter
from segcore.mirror import UserMirror
from segcore.mirror.schema import person_key
from segcore.rules import Rule
from segcore.storage.embedded import EmbeddedServer

TEAM = "bench"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAYS = 180
CATALOG = default_catalog()
# Event names with their share of all events (roughly the shared sample's mix).
MIX = [("Product Viewed", 0.30), ("Order Completed", 0.25), ("Email Opened", 0.14), ("Product Added", 0.11),
       ("Coupon Applied", 0.08), ("Checkout Started", 0.07), ("Email Clicked", 0.05)]
CATEGORIES = ["Electronics", "Fashion", "Home", "Beauty", "Books"]
CAMPAIGNS = ["Diwali Sale", "Winter Launch", "Weekly Digest", "Cart Reminder"]


def _window(days: int) -> dict[str, Any]:
    return {"op": "within_last", "value": {"amount": days, "unit": "day"}}


CONDITIONS: dict[str, dict[str, Any]] = {
    "added to cart in the last 7 days, no checkout in those 7 days": {"all": [
        {"event": "Product Added", "when": _window(7)},
        {"event": "Checkout Started", "count": {"op": "eq", "value": 0}, "when": _window(7)},
    ]},
    "ordered at least 3 times in 90 days": {"event": "Order Completed", "count": {"op": "gte", "value": 3},
                                            "when": _window(90)},
    "viewed electronics fewer than 2 times in 30 days": {
        "event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "Electronics"}],
        "count": {"op": "lt", "value": 2}, "when": _window(30)},
}


def rules() -> dict[str, Rule]:
    return {name: validate_json(data, CATALOG) for name, data in CONDITIONS.items()}


def median_ms(run: Any, times: int = 7) -> tuple[float, Any]:
    result, spent = None, []
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), result


def _case(column: str) -> str:
    """SQL picking an event name by the mix from a uniform number in ``column``."""
    parts, edge = [], 0.0
    for name, share in MIX:
        edge += share
        parts.append(f"WHEN {column} < {edge:.4f} THEN '{name}'")
    return "CASE " + " ".join(parts) + f" ELSE '{MIX[-1][0]}' END"


def fill_mirror(mirror: UserMirror, people: int, events: int) -> tuple[float, int, int]:
    """People and events generated in SQL into the mirror's own tables; returns (seconds, bytes before
    events, bytes after)."""
    file = mirror._file  # the bench writes the tables a rebuild would write, without MongoDB
    started = time.perf_counter()
    file.open()
    with file.cursor() as cur:
        cur.execute(mirror._schema.create_table("users"))
        cur.execute(
            "INSERT INTO users (_id, team_id, user_id, plan, visits) "
            "SELECT 's' || i, ?, 'u' || lpad(i::VARCHAR, 7, '0'), "
            "CASE WHEN i % 10 = 0 THEN 'pro' ELSE 'free' END, (i % 97)::BIGINT FROM range(?) t(i)",
            [TEAM, people])
        # Each person's number as the mirror computes it (schema.person_key), joined in by user_id.
        ids = [f"u{i:07d}" for i in range(people)]
        cur.register("people_keys", pa.table({"user_id": ids, "number": [person_key(TEAM, u) for u in ids]}))
        cur.execute("UPDATE users SET _person = k.number FROM people_keys k WHERE users.user_id = k.user_id")
        cur.execute("CHECKPOINT")
        before = _size(cur)
        cur.execute(
            f"""CREATE TABLE generated AS SELECT * FROM (
                SELECT (hash(i) // 2)::BIGINT AS _key, ?::VARCHAR AS team_id,
                       'u' || lpad((hash(i * 7 + 1) % ?)::VARCHAR, 7, '0') AS user_id,
                       {_case("r")} AS event,
                       ?::TIMESTAMPTZ - to_microseconds((random() * {DAYS * 86400e6})::BIGINT) AS ts,
                       r, i
                FROM (SELECT i, random() AS r FROM range(?) t(i))
            )""",
            [TEAM, people, NOW, events])
        # Properties only where the event has them, as stored events do; ordered as a rebuild orders them.
        cur.execute(
            """CREATE TABLE events AS SELECT _key, team_id, g.user_id, k.number AS person, event, ts,
                   CASE WHEN event IN ('Product Viewed', 'Product Added')
                        THEN (?::VARCHAR[])[1 + (hash(i * 3) % 5)::INT] END AS "properties.category",
                   CASE WHEN event IN ('Email Opened', 'Email Clicked')
                        THEN (?::VARCHAR[])[1 + (hash(i * 5) % 4)::INT] END AS "properties.campaign"
               FROM generated g JOIN people_keys k ON k.user_id = g.user_id ORDER BY team_id, event, ts""",
            [CATEGORIES, CAMPAIGNS])
        cur.execute("DROP TABLE generated")
        cur.unregister("people_keys")
        columns = [row[0] for row in cur.execute("DESCRIBE events").fetchall()]
        assert columns == mirror._event_schema.arrow_schema().names, columns  # the mirror's own layout
        cur.execute("CHECKPOINT")
        after = _size(cur)
        file._set_meta(cur, "schema", file.signature)
        file._set_meta(cur, "token", "{}")
    file.close()
    mirror._open()
    mirror._state, mirror._as_of = "ready", datetime.now(UTC)  # a bench mirror follows no stream
    return time.perf_counter() - started, before, after


def _size(cur: Any) -> int:
    row = cur.execute("SELECT used_blocks * block_size FROM pragma_database_size()").fetchall()[0]
    return int(row[0])


def mirror_at_scale(people: int, events: int) -> dict[str, float]:
    print(f"\n== Mirror: {people:,} people, {events:,} events (generated in DuckDB, not loaded through MongoDB)")
    with tempfile.TemporaryDirectory() as tmp:
        client: MongoClient[dict[str, Any]] = MongoClient("mongodb://127.0.0.1:9", connect=False)
        mirror = UserMirror(Path(tmp) / "m.duckdb", client["unused"], CATALOG, max_lag=1e9)
        spent, before, after = fill_mirror(mirror, people, events)
        per_10m = (after - before) / events * 10_000_000
        print(f"generated and ordered in {spent:.1f} s; file {before / 2**20:,.0f} MiB without events, "
              f"{after / 2**20:,.0f} MiB with them: {per_10m / 2**20:,.0f} MiB per 10M events")
        medians = {}
        for name, rule in rules().items():
            ms, counted = median_ms(lambda r=rule: mirror.count(TEAM, r, NOW))
            medians[name] = ms
            print(f"  {name:<62} {counted.size:>9,} people  median {ms:8.1f} ms")
        mirror.stop()
        client.close()
    return medians


def stored_events(people: int, events: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    docs = []
    for i, name in enumerate(rng.choices(names, weights, k=events)):
        props: dict[str, Any] = {}
        if name in ("Product Viewed", "Product Added"):
            props["category"] = rng.choice(CATEGORIES)
        elif name.startswith("Email"):
            props["campaign"] = rng.choice(CAMPAIGNS)
        stamp = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
        docs.append({"team_id": TEAM, "message_id": f"m{i}", "user_id": f"u{rng.randrange(people):07d}",
                     "anonymous_id": None, "event": name, "timestamp": stamp.replace(microsecond=0),
                     "properties": props, "received_at": NOW})
    return docs


def mongo_path(people: int, events: int, mirror_medians: dict[str, float]) -> None:
    print(f"\n== MongoDB (embedded server): {people:,} people, {events:,} events, inserted for real")
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(Path(tmp) / "db").start()
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
        try:
            db = client["bench_events"]
            started = time.perf_counter()
            db.users.insert_many([{"team_id": TEAM, "user_id": f"u{i:07d}", "plan": "pro" if i % 10 == 0 else "free"}
                                  for i in range(people)], ordered=False)
            db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)], unique=True)
            docs = stored_events(people, events)
            for start in range(0, len(docs), 1000):
                db.events.insert_many(docs[start:start + 1000], ordered=False)
            inserted = time.perf_counter() - started
            db.events.create_index([("team_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)])
            print(f"inserted in {inserted:.0f} s ({events / inserted:,.0f} events/s), "
                  f"index in {time.perf_counter() - started - inserted:.0f} s")
            mirror = UserMirror(Path(tmp) / "m.duckdb", db, CATALOG, max_lag=1e9)
            started = time.perf_counter()
            mirror.build()
            print(f"mirror built from MongoDB in {time.perf_counter() - started:.1f} s")
            counter = MongoCounter(db.users, CATALOG)
            for name, rule in rules().items():
                mongo_ms, truth = median_ms(lambda r=rule: counter.count(TEAM, r, NOW), times=1)
                mirror_ms, counted = median_ms(lambda r=rule: mirror.count(TEAM, r, NOW))
                assert counted.size == truth, (name, counted.size, truth)
                print(f"  {name:<62} {truth:>7,} people  MongoDB {mongo_ms:8.0f} ms  mirror {mirror_ms:6.1f} ms  "
                      f"ratio {mongo_ms / mirror_ms:,.0f}x  (mirror at full scale {mirror_medians[name]:.1f} ms)")
            mirror.stop()
        finally:
            client.close()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--mongo-people", type=int, default=10_000)
    parser.add_argument("--mongo-events", type=int, default=200_000)
    args = parser.parse_args()
    medians = mirror_at_scale(args.people, args.events)
    mongo_path(args.mongo_people, args.mongo_events, medians)


if __name__ == "__main__":
    main()
