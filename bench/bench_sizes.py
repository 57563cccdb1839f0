"""Sizing 20 saved segments: one $facet pass vs 20 separate count_documents calls.

    python bench/bench_sizes.py --users 100000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NOW, TEAM, loaded_store, timed
from segcore.audience import AudienceEngine
from segcore.catalog import default_catalog
from segcore.validation import validate_json

SEGMENTS = [
    {"field": "total_spend", "op": "gt", "value": 5000},
    {"field": "total_spend", "op": "gt", "value": 50000},
    {"field": "visits", "op": "gt", "value": 50},
    {"field": "visits", "op": "lte", "value": 3},
    {"field": "orders", "op": "eq", "value": 0},
    {"field": "orders", "op": "gte", "value": 5},
    {"field": "city", "op": "eq", "value": "Pune"},
    {"field": "city", "op": "in", "value": ["Mumbai", "Delhi"]},
    {"field": "country", "op": "ne", "value": "IN"},
    {"field": "plan", "op": "eq", "value": "enterprise"},
    {"field": "tags", "op": "has", "value": "vip"},
    {"field": "tags", "op": "has_none", "value": ["churn-risk"]},
    {"field": "email_opt_in", "op": "is", "value": True},
    {"field": "age", "op": "between", "value": [18, 24]},
    {"field": "last_visit_at", "op": "within_last", "value": {"amount": 7, "unit": "day"}},
    {"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
    {"field": "last_order_at", "op": "within_last", "value": {"amount": 14, "unit": "day"}},
    {"field": "signup_date", "op": "within_last", "value": {"amount": 3, "unit": "month"}},
    {"all": [{"field": "plan", "op": "eq", "value": "pro"}, {"field": "city", "op": "eq", "value": "Delhi"}]},
    {"any": [{"field": "visits", "op": "gt", "value": 30}, {"field": "orders", "op": "gt", "value": 10}]},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    catalog = default_catalog()
    rules = {f"s{i}": validate_json(data, catalog) for i, data in enumerate(SEGMENTS)}
    with loaded_store(args.users) as store:
        engine = AudienceEngine(store)
        users = store.db["users"]
        filters = {k: engine.mongo.filter(TEAM, r, NOW) for k, r in rules.items()}
        one_pass, pass_ms = timed(lambda: engine.sizes(TEAM, rules, NOW))
        separate, separate_ms = timed(lambda: {k: users.count_documents(f) for k, f in filters.items()})
        led, led_ms = timed(lambda: {k: engine.count(TEAM, r, NOW).size for k, r in rules.items()})
        assert one_pass == separate == led, (one_pass, separate, led)
        print(f"20 segments on {args.users:,} users: one pass {pass_ms:,.0f} ms, "
              f"20 count_documents {separate_ms:,.0f} ms (ratio {separate_ms / pass_ms:.2f}x), "
              f"20 engine counts led by an index {led_ms:,.0f} ms (ratio {led_ms / pass_ms:.2f}x)")


if __name__ == "__main__":
    main()
