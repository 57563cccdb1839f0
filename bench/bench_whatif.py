"""Benchmark: a what-if curve from the DuckDB mirror beside a plain count of the same segment, same run.

    .venv/bin/python bench/bench_whatif.py [--people 1000000 --events 10000000 --runs 9]

People (and events) are generated straight into the mirror's DuckDB tables, as bench_events.py does:
loading a million people through the embedded MongoDB server would take far longer than the query.
For each segment it prints the median of ``--runs`` plain counts (``UserMirror.count``), of one curve per
threshold (``segcore.explain.whatif_sql.mirror_curve``: one query, nine values), and what the naive way
costs (one count per value), and checks that the curve's point at the current value equals the count.
The machine's load average is printed beside the numbers (the machine may be shared).
Nothing here is a test: it prints numbers. Target (issue 19): a curve under 50 ms median at 1M people.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from segcore import default_catalog, validate_json
from segcore.explain.whatif import points, put, thresholds
from segcore.explain.whatif_sql import mirror_curve
from segcore.mirror import UserMirror
from segcore.rules import Rule

TEAM = "bench"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()
CITIES = ["Bengaluru", "Mumbai", "Delhi", "Pune", "Chennai", "Hyderabad", "Kolkata", "Singapore", "London", "Dubai"]
MIX = [("Product Viewed", 0.30), ("Order Completed", 0.25), ("Email Opened", 0.14), ("Product Added", 0.11),
       ("Coupon Applied", 0.08), ("Checkout Started", 0.07), ("Email Clicked", 0.05)]

SEGMENTS: dict[str, dict[str, Any]] = {
    "spent over ₹5,000, visited in the last 3 months, in Mumbai or Pune": {"all": [
        {"field": "total_spend", "op": "gt", "value": 5000},
        {"field": "last_visit_at", "op": "within_last", "value": {"amount": 3, "unit": "month"}},
        {"field": "city", "op": "in", "value": ["Mumbai", "Pune"]},
    ]},
    "more than 50 visits or pro plan, not aged 18-24": {"all": [
        {"any": [{"field": "visits", "op": "gt", "value": 50}, {"field": "plan", "op": "eq", "value": "pro"}]},
        {"not": {"field": "age", "op": "between", "value": [18, 24]}},
    ]},
    "ordered at least 3 times in the last 90 days, in Delhi": {"all": [
        {"event": "Order Completed", "count": {"op": "gte", "value": 3},
         "when": {"op": "within_last", "value": {"amount": 90, "unit": "day"}}},
        {"field": "city", "op": "eq", "value": "Delhi"},
    ]},
}


def _case(column: str) -> str:
    parts, edge = [], 0.0
    for name, share in MIX:
        edge += share
        parts.append(f"WHEN {column} < {edge:.4f} THEN '{name}'")
    return "CASE " + " ".join(parts) + f" ELSE '{MIX[-1][0]}' END"


def fill_mirror(mirror: UserMirror, people: int, events: int) -> float:
    """People and events generated in SQL into the mirror's own tables (the layout a rebuild writes)."""
    file = mirror._file  # the bench writes the tables a rebuild would write, without MongoDB
    started = time.perf_counter()
    file.open()
    with file.cursor() as cur:
        cur.execute(mirror._schema.create_table("users"))
        cur.execute(
            """INSERT INTO users (_id, team_id, user_id, city, plan, age, visits, orders, total_spend,
                                  signup_date, last_visit_at)
               SELECT 's' || i, ?, 'u' || lpad(i::VARCHAR, 7, '0'), (?::VARCHAR[])[1 + (hash(i) % 10)::INT],
                      CASE WHEN i % 10 = 0 THEN 'pro' WHEN i % 41 = 0 THEN 'enterprise' ELSE 'free' END,
                      (16 + hash(i * 3) % 60)::BIGINT, (hash(i * 5) % 120)::BIGINT, o,
                      CASE WHEN o = 0 THEN 0 ELSE round(o * (200 + (hash(i * 11) % 8800)), 2) END,
                      ?::TIMESTAMPTZ - to_microseconds(((hash(i * 13) % 1400) * 86400e6)::BIGINT),
                      CASE WHEN i % 20 = 0 THEN NULL
                           ELSE ?::TIMESTAMPTZ - to_microseconds(((hash(i * 17) % 700) * 86400e6)::BIGINT) END
               FROM (SELECT i, (hash(i * 7) % 9)::BIGINT AS o FROM range(?) t(i))""",
            [TEAM, CITIES, NOW, NOW, people])
        if events:
            cur.execute(
                f"""CREATE TABLE events AS SELECT _key, team_id, user_id, event, ts,
                       NULL::VARCHAR AS "properties.category", NULL::VARCHAR AS "properties.campaign"
                    FROM (SELECT (hash(i) // 2)::BIGINT AS _key, ?::VARCHAR AS team_id,
                                 'u' || lpad((hash(i * 7 + 1) % ?)::VARCHAR, 7, '0') AS user_id,
                                 {_case("random()")} AS event,
                                 ?::TIMESTAMPTZ - to_microseconds((random() * 180 * 86400e6)::BIGINT) AS ts
                          FROM range(?) t(i))
                    ORDER BY team_id, event, ts""",
                [TEAM, people, NOW, events])
            columns = [row[0] for row in cur.execute("DESCRIBE events").fetchall()]
            assert columns == mirror._event_schema.arrow_schema().names, columns  # the mirror's own layout
        cur.execute("CHECKPOINT")
        file._set_meta(cur, "schema", file.signature)
        file._set_meta(cur, "token", "{}")
    file.close()
    mirror._open()
    mirror._state, mirror._as_of = "ready", datetime.now(UTC)  # a bench mirror follows no stream
    return time.perf_counter() - started


def median_ms(run: Any, times: int) -> tuple[float, Any]:
    result, spent = None, []
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), result


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def bench_segment(mirror: UserMirror, name: str, rule: Rule, runs: int) -> list[float]:
    count_ms, counted = median_ms(lambda: mirror.count(TEAM, rule, NOW), runs)
    print(f"\n{name}\n  plain count {counted.size:>10,} people        median {count_ms:8.1f} ms")
    curves = []
    for threshold in thresholds(rule, CATALOG):
        wholes = [threshold.with_value(v) for v in points(threshold, CATALOG)]
        leaves = [threshold.edited(w) for w in wholes]
        curve_ms, sizes = median_ms(lambda t=threshold, lv=leaves: mirror_curve(mirror, TEAM, rule, t.path, lv, NOW),
                                    runs)
        current = sizes[wholes.index(threshold.value)]
        assert current == counted.size, (threshold, current, counted.size)
        naive_ms, _ = median_ms(lambda t=threshold, lv=leaves: [mirror.count(TEAM, put(rule, t.path, leaf), NOW)
                                                                for leaf in lv], max(1, runs // 3))
        print(f"  curve of {threshold.text(CATALOG)[:58]:<58} {len(leaves)} values  median {curve_ms:8.1f} ms"
              f"   (one count per value: {naive_ms:,.1f} ms)")
        print(f"      sizes {', '.join(f'{s:,}' for s in sizes)}")
        curves.append(curve_ms)
    return curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=9, help="runs per measurement (median reported)")
    args = parser.parse_args()
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as tmp:
        client: MongoClient[dict[str, Any]] = MongoClient("mongodb://127.0.0.1:9", connect=False)
        mirror = UserMirror(Path(tmp) / "m.duckdb", client["unused"], CATALOG, max_lag=1e9)
        spent = fill_mirror(mirror, args.people, args.events)
        print(f"{args.people:,} people and {args.events:,} events generated into the mirror in {spent:.1f} s")
        field_curves: list[float] = []
        event_curves: list[float] = []
        for name, data in SEGMENTS.items():
            rule = validate_json(data, CATALOG)
            found = bench_segment(mirror, name, rule, args.runs)
            (event_curves if "event" in str(data) else field_curves).extend(found)
        mirror.stop()
        client.close()
    print(f"\nmedian over field curves: {statistics.median(field_curves):.1f} ms; "
          f"over event curves: {statistics.median(event_curves) if event_curves else float('nan'):.1f} ms")
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
