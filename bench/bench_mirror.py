"""Benchmark: the DuckDB audience mirror against MongoDB counts on the embedded server.

    .venv/bin/python bench/bench_mirror.py --users 100000

Prints: insert rate, mirror build time, each typical segment counted by the mirror (median of several
runs) and by a hand-written pymongo ``count_documents`` with the same filter (one run; it is slow), their
ratio, 20 segments sized in one pass, and the lag of the mirror under a stream of writes. Counts from
both engines are checked equal. Nothing here is a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, MongoClient, UpdateOne

from segcore import default_catalog, to_mongo_filter, validate_json
from segcore.compile_sql import to_sql
from segcore.mirror import UserMirror
from segcore.mirror.schema import MirrorSchema
from segcore.mirror.store import MirrorFile
from segcore.rules import Rule
from segcore.storage.embedded import EmbeddedServer

TEAM = "bench"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CITIES = ["Bengaluru", "Mumbai", "Delhi", "Pune", "Chennai", "Hyderabad", "Kolkata", "Singapore", "London", "Dubai"]
COUNTRY = {"Singapore": "SG", "London": "GB", "Dubai": "AE"}
TAGS = ["vip", "newsletter", "churn-risk", "beta", "wholesale", "student"]


def c(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


# The SPEC's typical segments (nl-examples.jsonl), as rules.
SEGMENTS: dict[str, dict[str, Any]] = {
    "haven't visited in 5 months, spent > 5000": {
        "all": [c("last_visit_at", "not_within_last", {"amount": 5, "unit": "month"}), c("total_spend", "gt", 5000)]
    },
    "visits > 50 and total_spend > 10000": {"all": [c("visits", "gt", 50), c("total_spend", "gt", 10000)]},
    "orders >= 2 or plan = enterprise": {"any": [c("orders", "gte", 2), c("plan", "eq", "enterprise")]},
    "vip users who haven't visited in 2 months": {
        "all": [c("tags", "has", "vip"), c("last_visit_at", "not_within_last", {"amount": 2, "unit": "month"})]
    },
    "users in Mumbai or Pune": c("city", "in", ["Mumbai", "Pune"]),
}


def twenty_segments() -> dict[str, dict[str, Any]]:
    extra = {
        "spent over 5k": c("total_spend", "gt", 5000),
        "at most 3 visits": c("visits", "lte", 3),
        "exactly 10 visits": c("visits", "eq", 10),
        "zero orders": c("orders", "eq", 0),
        "visited in the last 7 days": c("last_visit_at", "within_last", {"amount": 7, "unit": "day"}),
        "haven't ordered in 3 months": c("last_order_at", "not_within_last", {"amount": 3, "unit": "month"}),
        "signed up in 2025": c("signup_date", "on", "2025"),
        "outside the US": c("country", "ne", "US"),
        "not tagged churn-risk": c("tags", "has_none", ["churn-risk"]),
        "opted in to email": c("email_opt_in", "is", True),
        "aged 18-24": c("age", "between", [18, 24]),
        "pro in Delhi over 10k": {"all": [c("plan", "eq", "pro"), c("city", "eq", "Delhi"), c("total_spend", "gt", 10000)]},
        "30+ visits or 10+ orders": {"any": [c("visits", "gt", 30), c("orders", "gt", 10)]},
        "new in 30 days, no orders": {"all": [c("signup_date", "within_last", {"amount": 30, "unit": "day"}), c("orders", "eq", 0)]},
        "name contains 'an'": c("name", "contains", "an"),
    }
    return {**SEGMENTS, **extra}


def generate(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` users numbered from ``start``, shaped like the sample users (about 5% never visited)."""
    rng = random.Random(start)
    first = ["Asha", "Ravi", "Meera", "John", "Li", "Nina", "Arjun", "Sara", "Omar", "Priya"]
    last = ["Shah", "Das", "Smith", "Iyer", "Khan", "Rao", "Lee", "Patel"]
    users = []
    for i in range(start, start + n):
        city = rng.choice(CITIES)
        signup = NOW - timedelta(days=rng.randint(0, 1400), seconds=rng.randint(0, 86399))
        orders = rng.choice([0, 0, 1, 1, 2, 3, 5, 8, 13])
        doc: dict[str, Any] = {
            "team_id": TEAM,
            "user_id": f"u{i:08d}",
            "name": f"{rng.choice(first)} {rng.choice(last)}",
            "email": f"user{i}@example.com",
            "city": city,
            "country": COUNTRY.get(city, "IN"),
            "plan": rng.choices(["free", "pro", "enterprise"], [70, 25, 5])[0],
            "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2])),
            "age": rng.randint(16, 75),
            "email_opt_in": rng.random() < 0.6,
            "visits": int(rng.expovariate(1 / 30)),
            "orders": orders,
            "total_spend": round(orders * rng.uniform(200, 9000), 2),
            "signup_date": signup,
        }
        if rng.random() < 0.95:
            doc["last_visit_at"] = NOW - timedelta(seconds=rng.randint(0, int((NOW - signup).total_seconds())))
        if orders:
            doc["last_order_at"] = NOW - timedelta(days=rng.randint(0, 700))
        users.append(doc)
    return users


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="mirror runs per segment (median reported)")
    parser.add_argument("--writes-per-second", type=int, default=1000)
    parser.add_argument("--write-seconds", type=float, default=10.0)
    parser.add_argument("--skip-facet", action="store_true", help="skip MongoDB's 20-segment $facet (slow)")
    parser.add_argument("--mirror-only", action="store_true",
                        help="no MongoDB: load generated users straight into a mirror file and time its counts")
    parser.add_argument("--mongo-segments", type=int, default=len(SEGMENTS),
                        help="how many of the typical segments MongoDB also counts (each takes seconds)")
    args = parser.parse_args()
    catalog = default_catalog()
    if args.mirror_only:
        mirror_only(args.users, args.runs)
        return

    with tempfile.TemporaryDirectory(prefix="bench-mirror-") as tmp:
        server = EmbeddedServer(Path(tmp) / "data").start()
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
        mirror: UserMirror | None = None
        try:
            db = client["bench"]
            started = time.perf_counter()
            for start in range(0, args.users, 20_000):
                db.users.insert_many(generate(min(20_000, args.users - start), start), ordered=False)
            took = time.perf_counter() - started
            print(f"users: {args.users:,} inserted in {took:.1f} s ({args.users / took:,.0f}/s)")
            started = time.perf_counter()
            # Built after loading: inserting into an indexed collection is several times slower here.
            db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)], unique=True)
            print(f"index (team_id, user_id) built in {time.perf_counter() - started:.1f} s")

            mirror = UserMirror(Path(tmp) / "mirror.duckdb", db, catalog)
            started = time.perf_counter()
            rows = mirror.build()
            print(f"mirror build: {rows:,} rows in {time.perf_counter() - started:.1f} s")
            mirror.max_lag = 1e9  # the count comparison below outlasts any lag limit; freshness is measured later

            print("\nsegment | mirror median | MongoDB count_documents | ratio | size")
            medians = []
            for name, data in SEGMENTS.items():
                rule = validate_json(data, catalog)
                timings = []
                for _ in range(args.runs):
                    result = mirror.count(TEAM, rule, NOW)
                    timings.append(result.elapsed_ms / 1000)
                median = statistics.median(timings)
                medians.append(median)
                if len(medians) > args.mongo_segments:
                    print(f"{name} | {ms(median)} | - | - | {result.size:,}")
                    continue
                started = time.perf_counter()
                expected = db.users.count_documents({"$and": [{"team_id": TEAM}, to_mongo_filter(rule, catalog, NOW)]})
                mongo = time.perf_counter() - started
                agree = "" if expected == result.size else f"  MISMATCH: MongoDB says {expected:,}"
                print(f"{name} | {ms(median)} | {ms(mongo)} | {mongo / median:,.0f}x | {result.size:,}{agree}")
            print(f"median mirror count over the segments: {ms(statistics.median(medians))}")

            rules: dict[str, Rule] = {n: validate_json(d, catalog) for n, d in twenty_segments().items()}
            timings = [mirror.sizes_at(TEAM, rules, NOW).elapsed_ms / 1000 for _ in range(args.runs)]
            print(f"\n20 segments in one pass (count(*) FILTER): median {ms(statistics.median(timings))}")
            if not args.skip_facet:
                facet = {f"s{i}": [{"$match": to_mongo_filter(r, catalog, NOW)}, {"$count": "n"}]
                         for i, r in enumerate(rules.values())}
                started = time.perf_counter()
                list(db.users.aggregate([{"$match": {"team_id": TEAM}}, {"$facet": facet}]))
                print(f"20 segments in MongoDB (one $facet): {ms(time.perf_counter() - started)}")

            measure_lag(db, mirror, args.users, args.writes_per_second, args.write_seconds)
        finally:
            if mirror is not None:
                mirror.stop()
            client.close()
            server.stop()


def mirror_only(users: int, runs: int) -> None:
    """The DuckDB side alone at sizes the embedded server takes too long to load: same schema, same SQL."""
    catalog = default_catalog()
    schema = MirrorSchema.for_catalog(catalog)
    with tempfile.TemporaryDirectory(prefix="bench-mirror-") as tmp:
        file = MirrorFile(Path(tmp) / "mirror.duckdb", schema)
        file.open()
        started = time.perf_counter()
        spent = {"generate": 0.0, "convert": 0.0}

        def chunks() -> Any:
            for start in range(0, users, 50_000):
                began = time.perf_counter()
                docs = generate(min(50_000, users - start), start)
                for doc in docs:
                    doc["_id"] = doc["user_id"]
                spent["generate"] += time.perf_counter() - began
                began = time.perf_counter()
                table = schema.to_arrow(docs)
                spent["convert"] += time.perf_counter() - began
                yield table

        rows = file.rebuild(chunks(), "{}", 10**9)
        total = time.perf_counter() - started
        print(f"mirror only: {rows:,} users; generating {spent['generate']:.1f} s, converting to Arrow "
              f"{spent['convert']:.1f} s, loading into DuckDB {total - sum(spent.values()):.1f} s")
        medians = []
        for name, data in SEGMENTS.items():
            where, params = to_sql(validate_json(data, catalog), catalog, NOW)
            timings = []
            for _ in range(runs):
                began = time.perf_counter()
                size = file.query(f"SELECT count(*) FROM users WHERE team_id = ? AND {where}", [TEAM, *params])[0][0]
                timings.append(time.perf_counter() - began)
            medians.append(statistics.median(timings))
            print(f"{name} | {ms(medians[-1])} | {size:,}")
        print(f"median mirror count over the segments: {ms(statistics.median(medians))}")
        parts, params = [], []
        for data in twenty_segments().values():
            where, p = to_sql(validate_json(data, catalog), catalog, NOW)
            parts.append(f"count(*) FILTER (WHERE {where})")
            params.extend(p)
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            file.query(f"SELECT {', '.join(parts)} FROM users WHERE team_id = ?", [*params, TEAM])
            timings.append(time.perf_counter() - began)
        print(f"20 segments in one pass: median {ms(statistics.median(timings))}")
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            for data in twenty_segments().values():
                where, p = to_sql(validate_json(data, catalog), catalog, NOW)
                file.query(f"SELECT count(*) FROM users WHERE team_id = ? AND {where}", [TEAM, *p])
            timings.append(time.perf_counter() - began)
        print(f"20 segments as 20 queries: median {ms(statistics.median(timings))}")
        file.close()


def measure_lag(db: Any, mirror: UserMirror, users: int, rate: int, seconds: float) -> None:
    """A writer updates random users at ``rate``/s; probes inserted every 0.5 s are timed to visibility."""
    mirror.max_lag = 5.0
    mirror.start()
    deadline = time.monotonic() + 120
    # Caught up with everything before the writes start (the build's as_of is from before the counts above).
    while not (mirror.fresh_for(TEAM) and (mirror.lag_seconds() or 99) < 1.0) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        rng = random.Random(5)
        tick = 0.1
        while not stop.is_set():
            began = time.monotonic()
            ops = [UpdateOne({"team_id": TEAM, "user_id": f"u{rng.randrange(users):08d}"},
                             {"$set": {"last_visit_at": datetime.now(UTC)}, "$inc": {"visits": 1}})
                   for _ in range(int(rate * tick))]
            db.users.bulk_write(ops, ordered=False)
            written[0] += len(ops)
            stop.wait(max(0.0, tick - (time.monotonic() - began)))

    probe_rule = validate_json(c("user_id", "contains", "probe-"), default_catalog())
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    visible, lags = [], []
    began = time.monotonic()
    k = 0
    while time.monotonic() - began < seconds:
        db.users.insert_one({"team_id": TEAM, "user_id": f"probe-{k}"})
        k += 1
        sent = time.monotonic()
        while time.monotonic() - sent < 10:
            lag = mirror.lag_seconds()
            if lag is not None:
                lags.append(lag)
            try:
                if mirror.count(TEAM, probe_rule, NOW).size == k:
                    visible.append(time.monotonic() - sent)
                    break
            except Exception:  # not fresh for a moment: keep polling
                pass
            time.sleep(0.01)
        time.sleep(max(0.0, 0.5 - (time.monotonic() - sent)))
    stop.set()
    thread.join(5)
    elapsed = time.monotonic() - began
    print(f"\nlag under writes: {written[0] / elapsed:,.0f} updates/s for {elapsed:.0f} s; "
          f"{len(visible)}/{k} probe inserts seen in the mirror: median {ms(statistics.median(visible or [0]))}, "
          f"max {ms(max(visible or [0]))}; reported lag max {max(lags or [0]):.2f} s; status {mirror.status()}")


if __name__ == "__main__":
    main()
