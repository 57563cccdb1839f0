"""Shared set-up of the benchmarks: an embedded server on a temporary folder, loaded with demo users."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segcore.catalog import default_catalog
from segcore.seed import generate_users
from segcore.storage.database import Store, open_store
from segcore.validation import validate_json

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TEAM = "TBENCH"

# SPEC example prompts (nl-examples.jsonl) with their rules written by hand, so the benchmark does not
# depend on the parser.
PROMPTS: list[tuple[str, dict[str, Any]]] = [
    ("people who haven't visited in 5 months but spent more than ₹5000",
     {"all": [{"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
              {"field": "total_spend", "op": "gt", "value": 5000}]}),
    ("visits > 50", {"field": "visits", "op": "gt", "value": 50}),
    ("total_spend > 10000", {"field": "total_spend", "op": "gt", "value": 10000}),
    ("spent more than 1 lakh", {"field": "total_spend", "op": "gt", "value": 100000}),
    ("users in Hyderabad", {"field": "city", "op": "eq", "value": "Hyderabad"}),
    ("visited in the last 7 days", {"field": "last_visit_at", "op": "within_last", "value": {"amount": 7, "unit": "day"}}),
    ("pro users in Delhi who spent over 10k",
     {"all": [{"field": "plan", "op": "eq", "value": "pro"}, {"field": "city", "op": "eq", "value": "Delhi"},
              {"field": "total_spend", "op": "gt", "value": 10000}]}),
]


def rules() -> list[tuple[str, Any]]:
    catalog = default_catalog()
    return [(text, validate_json(data, catalog)) for text, data in PROMPTS]


@contextmanager
def loaded_store(n: int, seed: int = 0) -> Iterator[Store]:
    """A fresh embedded server on a temporary folder with ``n`` demo users in workspace TBENCH."""
    with tempfile.TemporaryDirectory(prefix="segments-bench-") as folder:
        store = open_store(None, Path(folder), "bench", indexes=False)
        try:
            started = time.perf_counter()
            batch: list[dict[str, Any]] = []
            for user in generate_users(n, seed=seed, now=NOW):
                user["team_id"] = TEAM
                batch.append(user)
                if len(batch) == 5000:
                    store.db["users"].insert_many(batch, ordered=False)
                    batch = []
            if batch:
                store.db["users"].insert_many(batch, ordered=False)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            store.ensure_indexes()
            print(f"# loaded {n:,} users in {loaded:.1f} s, indexes in {time.perf_counter() - started:.1f} s")
            yield store
        finally:
            store.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def median(values: list[float]) -> float:
    return statistics.median(values)
