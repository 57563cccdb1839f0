"""Benchmark: an edit's audience difference (before, after, entered, left) by the mirror and by MongoDB.

    .venv/bin/python bench/bench_diff.py --users 100000   (100k: about 3 minutes to load on the embedded server)

Prints, for a few typical edits, the difference counted by the DuckDB mirror (median of several runs, one
overlap query each) and by MongoDB (one run, one $facet), checked equal, beside a plain count of the edited
segment in the same run, and how long the words take. Nothing here is a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NOW, TEAM, loaded_store, median, timed
from segcore.audience import AudienceEngine
from segcore.explain.changes import changes
from segcore.explain.difference import diff
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.rules import Rule
from segcore.validation import validate_json

EDITS = [
    ("spend threshold 5k -> 10k", {"field": "total_spend", "op": "gt", "value": 5000},
     {"field": "total_spend", "op": "gt", "value": 10000}),
    ("add Mumbai to Pune", {"field": "city", "op": "eq", "value": "Pune"},
     {"field": "city", "op": "in", "value": ["Pune", "Mumbai"]}),
    ("'and' -> 'or', window 3 -> 6 months",
     {"all": [{"field": "plan", "op": "eq", "value": "pro"},
              {"field": "last_visit_at", "op": "within_last", "value": {"amount": 3, "unit": "month"}}]},
     {"any": [{"field": "plan", "op": "eq", "value": "pro"},
              {"field": "last_visit_at", "op": "within_last", "value": {"amount": 6, "unit": "month"}}]}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with loaded_store(args.users) as store, tempfile.TemporaryDirectory(prefix="segments-bench-mirror-") as folder:
        catalog = store.catalog
        mirror = UserMirror(Path(folder) / "mirror.duckdb", store.db, catalog, max_lag=1e9)
        started = time.perf_counter()
        mirror.build()
        print(f"# mirror built in {time.perf_counter() - started:.1f} s")
        fast = AudienceEngine(store, [MirrorCounter(mirror)])
        slow = AudienceEngine(store)
        print(f"{'edit':<38} {'mirror diff ms':>14} {'mirror count ms':>15} {'mongodb diff ms':>15} {'words ms':>9}  "
              "before → after (+entered −left)")
        for name, before_json, after_json in EDITS:
            _measure(name, validate_json(before_json, catalog), validate_json(after_json, catalog), fast, slow,
                     args.runs)
        mirror.stop()


def _measure(name: str, before: Rule, after: Rule, fast: AudienceEngine, slow: AudienceEngine, runs: int) -> None:
    catalog = fast.catalog
    mirrored = [timed(lambda: diff(fast, TEAM, before, after, NOW)) for _ in range(runs)]
    counts = [timed(lambda: fast.count(TEAM, after, NOW))[1] for _ in range(runs)]
    words = [timed(lambda: changes(before, after, catalog, NOW))[1] for _ in range(runs)]
    found, mongo_ms = timed(lambda: diff(slow, TEAM, before, after, NOW))
    assert all(result == found for result, _ in mirrored), (name, found, mirrored[0][0])
    print(f"{name:<38} {median([ms for _, ms in mirrored]):>14.1f} {median(counts):>15.1f} "
          f"{mongo_ms:>15.0f} {median(words):>9.2f}  {found.before:,} → {found.after:,} "
          f"(+{found.entered:,} −{found.left:,})")


if __name__ == "__main__":
    main()
