"""Audience counts for SPEC example prompts: our engine vs the same query sent by hand with pymongo.

    python bench/bench_audience.py --users 100000 [--repeat 3]

"ours" is ``AudienceEngine.count``; "pymongo" sends the very pipeline the engine runs (an index-led first
``$match``, the rest in a second one, then ``$count``) with plain ``aggregate``, in the same process against
the same embedded server: their difference is our overhead (validation, compilation, scoping), and "py ms"
times that Python work alone. Two other ways to ask the same question are timed for comparison, not as
overhead: "flat ms" is ``count_documents`` on the scoped filter in one ``$match`` (what the index-led pipeline
buys), and "$and ms" the reference filter of nl-examples.jsonl wrapped in {"$and": [{"team_id": ...}, filter]}.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NOW, TEAM, loaded_store, median, rules, timed
from segcore.audience import AudienceEngine
from segcore.compile_mongo import to_mongo_filter
from segcore.rules import Rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with loaded_store(args.users) as store:
        engine = AudienceEngine(store)
        users = store.db["users"]
        print(f"{'prompt':62s} {'size':>8s} {'ours ms':>9s} {'pymongo ms':>10s} {'measured':>8s} "
              f"{'py ms':>6s} {'py %':>6s} {'flat ms':>9s} {'$and ms':>9s}")
        total_ours = total_hand = total_py = 0.0
        for text, rule in rules():
            flat = engine.mongo.filter(TEAM, rule, NOW)
            same_query = [*engine.mongo.pipeline(TEAM, rule, NOW), {"$count": "n"}]
            wrapped = {"$and": [{"team_id": TEAM}, to_mongo_filter(rule, store.catalog, NOW)]}
            ours: list[float] = []
            hand: list[float] = []
            users.count_documents(flat)  # warm the cache once, for both
            for i in range(args.repeat):
                # Alternate the order so neither side always runs on a warmer cache.
                pair: list[tuple[str, Callable[[], int]]] = [("ours", lambda r=rule: engine.count(TEAM, r, NOW).size),
                        ("hand", lambda p=same_query: _first_count(users.aggregate(p)))]
                for name, fn in pair if i % 2 == 0 else reversed(pair):
                    size, ms = timed(fn)
                    (ours if name == "ours" else hand).append(ms)
            _, flat_ms = timed(lambda f=flat: users.count_documents(f))
            _, wrapped_ms = timed(lambda w=wrapped: users.count_documents(w))
            o, h = median(ours), median(hand)
            total_ours += o
            total_hand += h
            # What our engine adds in Python (validate, compile, scope, liveness check), timed on its own:
            # the A/B difference above is dominated by noise on a shared machine.
            py = _python_overhead_ms(engine, rule)
            total_py += py
            print(f"{text[:62]:62s} {size:8,d} {o:9.1f} {h:10.1f} {100 * (o - h) / h:7.1f}% "
                  f"{py:6.3f} {100 * py / h:5.2f}% {flat_ms:9.1f} {wrapped_ms:9.1f}")
        print(f"{'all prompts':62s} {'':8s} {total_ours:9.1f} {total_hand:10.1f} "
              f"{100 * (total_ours - total_hand) / total_hand:7.1f}% {total_py:6.3f} "
              f"{100 * total_py / total_hand:5.2f}%")


def _first_count(rows: Any) -> int:
    found = list(rows)
    return int(found[0]["n"]) if found else 0


def _python_overhead_ms(engine: AudienceEngine, rule: Rule, rounds: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        checked = engine._rule(rule)
        with engine.store.outage.guard():
            engine.mongo.filter(TEAM, checked, NOW)
    return (time.perf_counter() - started) * 1000 / rounds


if __name__ == "__main__":
    main()
