"""Events in: /v1/batch fed by the official Segment library, `import --events`, and how soon a tracked event
is visible. Prints numbers beside the issue's targets (issue 14, "Benchmark").

Runs `segments serve` on the embedded default (no MONGODB_URI: its own database in a temporary data
folder), as a user would. Short by default; `--events N` for a longer run.

    .venv/bin/python bench/bench_ingest.py [--events 20000] [--import-events 30000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from segcore.catalog import default_catalog
from segcore.events.importing import import_events
from segcore.events.store import EventStore
from segcore.storage.embedded import STATE_FILE, free_port

TEAM = "TBENCH"
# A storefront's stream: mostly views, a few orders (each new order also updates its person; the shared
# events-sample.jsonl is a compressed history with 35% orders, a worst case for that).
KINDS = (("Product Viewed", 0.6), ("Product Added", 0.15), ("Email Opened", 0.12), ("Checkout Started", 0.05),
         ("Email Clicked", 0.04), ("Order Completed", 0.03), ("Coupon Applied", 0.01))
CATEGORIES = ("Electronics", "Fashion", "Home", "Beauty", "Books")


def message(rng: random.Random, now: datetime, n: int) -> dict[str, Any]:
    event = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    props = {"category": rng.choice(CATEGORIES)} if event.startswith("Product") else {}
    return {"type": "track", "userId": f"u{rng.randrange(20_000):05d}", "event": event,
            "timestamp": (now - timedelta(seconds=rng.randrange(180 * 86400))).isoformat(),
            "properties": props, "messageId": f"file-{n}"}


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="events sent through /v1/batch")
    parser.add_argument("--import-events", type=int, default=30_000, help="events in the imported file")
    args = parser.parse_args()
    segments = str(Path(sys.executable).with_name("segments"))
    data = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI" and not k.startswith("SLACK_")}
        # No demo workspace: on a first run serve seeds one in the background, which would share the database.
    env.update(SEGMENTS_DATA_DIR=str(data), SEGMENTS_SCHEDULER="off", SEGMENTS_MIRROR="off", SEGMENTS_DEMO="off")
    key = run([segments, "source", "create", "--team", TEAM, "--name", "bench"], env).strip().splitlines()[-1]
    port = free_port()
    serve = subprocess.Popen([segments, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        state = json.loads((data / STATE_FILE).read_text())
        client: MongoClient[dict[str, Any]] = MongoClient(f"mongodb://{state['host']}:{state['port']}/?directConnection=true",
                                                          tz_aware=True)
        db = client["segments"]
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        _bench_reference(db, args.import_events)
        _bench_http(base, key, db, args.events)
        _bench_visible(base, key, db, data)
        _bench_import(db, args.import_events, data)
        _bench_first_import(client, state, args.import_events, data)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        client.close()
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("segments serve did not start")


def _bench_reference(db: Any, n: int) -> None:
    """The issue's reference in this run: plain insert_many, batches of 1,000, unordered; then the same
    documents as events are stored now (``_id`` from workspace and message id, the one counting index), and
    with the four indexes events had before (a quarter as many documents: they are slow)."""
    from pymongo import ASCENDING

    from segcore.events.indexes import event_id, event_indexes

    rng = random.Random(3)
    now = datetime.now(UTC)
    docs: list[dict[str, Any]] = [{"team_id": TEAM, "message_id": f"ref-{i}", "user_id": f"u{rng.randrange(20_000):05d}",
             "anonymous_id": None, "event": "Product Viewed", "timestamp": now,
             "properties": {"category": "Books"}, "received_at": now} for i in range(n)]
    Indexes = dict[str, tuple[list[tuple[str, int]], dict[str, Any]]]
    before: Indexes = {"team_message": ([("team_id", ASCENDING), ("message_id", ASCENDING)], {"unique": True}),
              "team_event_time": ([("team_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)], {}),
              "team_user_event_time": ([("team_id", ASCENDING), ("user_id", ASCENDING), ("event", ASCENDING),
                                        ("timestamp", ASCENDING)], {}),
              "team_anonymous": ([("team_id", ASCENDING), ("anonymous_id", ASCENDING)],
                                 {"partialFilterExpression": {"anonymous_id": {"$type": "string"}}})}
    variants: tuple[tuple[str, Indexes, bool, int], ...] = (("plain insert_many (no index)", {}, False, n),
                ("as events are stored now (_id = workspace+message id, 1 index)", event_indexes(), True, n),
                ("with the 4 indexes events had before", before, False, n // 4))
    for label, indexes, keyed, size in variants:
        collection = db[f"reference_{uuid.uuid4().hex[:6]}"]
        for name, (keys, options) in indexes.items():
            collection.create_index(keys, name=name, **options)
        batch = [dict(d, _id=event_id(TEAM, d["message_id"])) if keyed else dict(d) for d in docs[:size]]
        started = time.perf_counter()
        for start in range(0, size, 1000):
            collection.insert_many(batch[start : start + 1000], ordered=False)
        elapsed = time.perf_counter() - started
        print(f"reference, {label}: {size:,} documents in {elapsed:.1f} s = {size / elapsed:,.0f} docs/s")
        collection.drop()


def _bench_http(base: str, key: str, db: Any, n: int) -> None:
    from segment.analytics import Client

    rng = random.Random(1)
    now = datetime.now(UTC)
    errors: list[Any] = []
    # Defaults but a queue that holds the whole run (the library drops what does not fit) and full-size
    # batches (it sends at most 475 KB; 500 of these messages are about 150 KB).
    analytics = Client(key, host=base, gzip=True, max_queue_size=n + 1, upload_size=500,
                       on_error=lambda e, batch: errors.append(e))
    started = time.perf_counter()
    for i in range(n):
        m = message(rng, now, i)
        analytics.track(m["userId"], m["event"], m["properties"], timestamp=datetime.fromisoformat(m["timestamp"]),
                        message_id=f"http-{i}")
    analytics.flush()
    elapsed = time.perf_counter() - started
    analytics.shutdown()
    stored = db.events.count_documents({"team_id": TEAM, "message_id": {"$regex": "^http-"}})
    print(f"/v1/batch (segment-analytics-python, gzip, 500 a batch): {n:,} events in {elapsed:.1f} s = "
          f"{n / elapsed:,.0f} events/s (target >= 5,000); stored {stored:,}, lost {n - stored:,}, "
          f"client errors {len(errors)}")


def _bench_visible(base: str, key: str, db: Any, folder: Path) -> None:
    """How soon a tracked event is in MongoDB after its 200, and in a count by the mirror (the way sizes are
    counted): a mirror in this process follows the database's change stream, as the one in serve does."""
    from segment.analytics import Client

    from segcore import validate_json
    from segcore.events.indexes import event_id
    from segcore.mirror import UserMirror

    analytics = Client(key, host=base, sync_mode=True)
    catalog = default_catalog()
    mirror = UserMirror(folder / "visible.duckdb", db, catalog, max_lag=3600)
    mirror.build()
    mirror.start()
    rule = validate_json({"event": "Coupon Applied", "when": {"op": "within_last",
                                                               "value": {"amount": 1, "unit": "day"}}}, catalog)
    in_db, in_count, calls = [], [], []
    try:
        for i in range(10):
            person = f"visible-{i}-{uuid.uuid4().hex[:6]}"
            analytics.identify(person, {"plan": "pro"})
            before = _wait_count(mirror, rule, None)
            mid = f"visible-{uuid.uuid4().hex}"
            sent = time.perf_counter()
            analytics.track(person, "Coupon Applied", {}, message_id=mid)
            answered = time.perf_counter()
            calls.append(answered - sent)
            while db.events.find_one({"_id": event_id(TEAM, mid)}, {"_id": 1}) is None:
                time.sleep(0.005)
            in_db.append(time.perf_counter() - answered)
            _wait_count(mirror, rule, before)
            in_count.append(time.perf_counter() - answered)
    finally:
        mirror.stop()
    print(f"tracked event after its 200 (the call itself median {statistics.median(calls) * 1000:.0f} ms): in "
          f"MongoDB median {statistics.median(in_db) * 1000:.1f} ms; in the mirror's count median "
          f"{statistics.median(in_count) * 1000:.0f} ms, max {max(in_count) * 1000:.0f} ms (target within 2 s)")


def _wait_count(mirror: Any, rule: Any, above: int | None, timeout: float = 30.0) -> int:
    """The mirror's count, once it answers (and is above ``above`` when given)."""
    from segcore.mirror import MirrorUnavailable

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            size = int(mirror.count(TEAM, rule, datetime.now(UTC)).size)
            if above is None or size > above:
                return size
        except MirrorUnavailable:
            pass
        time.sleep(0.01)
    raise SystemExit("the mirror did not count the event within 30 s")


def _bench_import(db: Any, n: int, folder: Path) -> None:
    rng = random.Random(2)
    now = datetime.now(UTC)
    path = folder / "events.jsonl"
    with open(path, "w") as out:
        for i in range(n):
            out.write(json.dumps(message(rng, now, i)) + "\n")
    store = EventStore(db, durable=False)
    started = time.perf_counter()
    report = import_events(store, default_catalog(), TEAM, path)
    elapsed = time.perf_counter() - started
    print(f"import --events (JSONL, in process, batches of 1,000): {report.stored:,} events in {elapsed:.1f} s = "
          f"{report.stored / elapsed:,.0f} events/s (target >= 10,000; reference insert_many ~12,000 docs/s)")
    started = time.perf_counter()
    again = import_events(store, default_catalog(), TEAM, path)
    print(f"the same file again: {again.stored:,} new, {again.duplicates:,} already there, "
          f"{time.perf_counter() - started:.1f} s")


def _bench_first_import(client: Any, state: dict[str, Any], n: int, folder: Path) -> None:
    """`import --events` as a new installation's first one: the events' index is built after the load
    (segcore/events/bulk_load.py), timed with that build, into a database of its own on the same server."""
    from segcore.events.bulk_load import event_index_after_load
    from segcore.storage.database import Store
    from segcore.storage.embedded import EmbeddedServer

    server = EmbeddedServer(folder, host=state["host"], port=int(state["port"]), pid=int(state["pid"]))
    store = Store(client, client["segments_first"], default_catalog(), server=server, owns_client=False)
    store.ensure_indexes()
    started = time.perf_counter()
    with event_index_after_load(store, n) as deferred:
        report = import_events(EventStore(store.db, durable=False), default_catalog(), TEAM, folder / "events.jsonl")
    elapsed = time.perf_counter() - started
    print(f"first import --events into a new installation (index {'built after' if deferred else 'kept'}): "
          f"{report.stored:,} events in {elapsed:.1f} s = {report.stored / elapsed:,.0f} events/s "
          "(target >= 10,000)")
    client.drop_database("segments_first")


if __name__ == "__main__":
    main()
