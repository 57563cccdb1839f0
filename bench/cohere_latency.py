"""Calls and latency of one Cohere reading against the local stand-in of the Cohere API (no network).

Run: .venv/bin/python bench/cohere_latency.py [repeats]
Prints, per scenario, HTTP calls per reading and the median / worst wall time of a reading. The stand-in
answers at once, so the numbers are our own overhead (SDK, prompt, schema, validation) plus any waiting
we do on purpose (timeouts); the real API adds its generation time (typically several hundred ms).
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "segcore"))

from cohere_standin import Answer, closed_port_url, cohere_standin, rules

from segcore import default_catalog
from segcore.cohere_reader import CohereReader, CohereUnavailable

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GOOD = {"all": [{"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
                {"field": "total_spend", "op": "gt", "value": 5000}]}
BAD = {"all": [{"field": "plan", "op": "eq", "value": "gold"}]}


def measure(name: str, script: list[Answer] | None, repeats: int, timeout: float = 4.0,
            cache_size: int = 0, same_text: bool = False) -> None:
    catalog = default_catalog()
    times: list[float] = []
    outcome: dict[str, int] = {}

    def run(url: str) -> int:
        reader = CohereReader("bench-key", "command-a-03-2025", base_url=url, timeout=timeout,
                              cache_size=cache_size)
        try:
            for i in range(repeats):
                text = "haven't visited in 5 months, spent over 5000" + ("" if same_text else f" #{i}")
                started = time.perf_counter()
                try:
                    reader.read(text, catalog, NOW)
                    key = "read"
                except CohereUnavailable as exc:
                    key = exc.reason
                times.append(time.perf_counter() - started)
                outcome[key] = outcome.get(key, 0) + 1
            return reader.stats.calls
        finally:
            reader.close()

    if script is None:
        calls = run(closed_port_url())
    else:
        with cohere_standin(*script) as api:
            calls = run(api.url)
    print(f"{name:<34} calls/reading {calls / repeats:4.2f}   median {statistics.median(times) * 1000:7.1f} ms"
          f"   worst {max(times) * 1000:7.1f} ms   {json.dumps(outcome)}")


def main(argv: list[str]) -> None:
    repeats = int(argv[1]) if len(argv) > 1 else 20
    logging.getLogger("segcore.cohere").setLevel(logging.ERROR)  # every fallback here is on purpose
    print(f"{repeats} readings per scenario; timeout 4.0 s unless said")
    measure("valid answer", [rules(GOOD)], repeats)
    measure("same text again (cache)", [rules(GOOD)], repeats, cache_size=64, same_text=True)
    scripts: list[tuple[str, list[Any]]] = [
        ("invalid, then repaired", [rules(BAD), rules(GOOD)] * repeats),
        ("invalid twice -> fallback", [rules(BAD)]),
        ("HTTP 429 -> fallback", [Answer(status=429)]),
        ("HTTP 500 -> fallback", [Answer(status=500)]),
    ]
    for name, script in scripts:
        measure(name, script, repeats)
    measure("slow answer, timeout 0.5 s", [Answer(text=json.dumps(GOOD), delay=2.0)], min(repeats, 5), timeout=0.5)
    measure("closed port -> fallback", None, repeats)


if __name__ == "__main__":
    main(sys.argv)
