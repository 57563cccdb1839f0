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
    env.update(SEGMENTS_DATA_DIR=str(data), SEGMENTS_SCHEDULER="off", SEGMENTS_MIRROR="off")
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
        _bench_visible(base, key, db)
        _bench_import(db, args.import_events, data)
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
    """The issue's reference in this run: plain insert_many, batches of 1,000, unordered; also into a
    collection with the events' indexes (what any event store here pays before our own work)."""
    from segcore.events.indexes import event_indexes

    rng = random.Random(3)
    now = datetime.now(UTC)
    docs = [{"team_id": TEAM, "message_id": f"ref-{i}", "user_id": f"u{rng.randrange(20_000):05d}",
             "anonymous_id": None, "event": "Product Viewed", "timestamp": now,
             "properties": {"category": "Books"}, "received_at": now} for i in range(n)]
    for label, indexed in (("plain insert_many (no index)", False), ("insert_many with the events' indexes", True)):
        collection = db[f"reference_{uuid.uuid4().hex[:6]}"]
        if indexed:
            for name, (keys, options) in event_indexes().items():
                collection.create_index(keys, name=name, **options)
        started = time.perf_counter()
        for start in range(0, n, 1000):
            collection.insert_many([dict(d) for d in docs[start : start + 1000]], ordered=False)
        elapsed = time.perf_counter() - started
        print(f"reference, {label}: {n:,} documents in {elapsed:.1f} s = {n / elapsed:,.0f} docs/s")
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


def _bench_visible(base: str, key: str, db: Any) -> None:
    from segment.analytics import Client

    analytics = Client(key, host=base, sync_mode=True)
    delays = []
    for _ in range(10):
        mid = f"visible-{uuid.uuid4().hex}"
        sent = time.perf_counter()
        analytics.track("u00001", "Product Viewed", {"category": "Books"}, message_id=mid)
        answered = time.perf_counter()
        while db.events.find_one({"team_id": TEAM, "message_id": mid}) is None:
            time.sleep(0.005)
        delays.append((time.perf_counter() - answered, answered - sent))
    after = [d for d, _ in delays]
    calls = [c for _, c in delays]
    print(f"tracked event visible in MongoDB after its 200: median {statistics.median(after) * 1000:.1f} ms, "
          f"max {max(after) * 1000:.1f} ms (target within 2 s; the call itself took median "
          f"{statistics.median(calls) * 1000:.0f} ms); mirror: no events table on this branch yet")


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


if __name__ == "__main__":
    main()
