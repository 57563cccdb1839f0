"""Grammar parse speed: median and p95 per prompt, and prompts per second.

    .venv/bin/python bench/bench_parse.py [--rounds N]

Runs on the shared examples (../shared/segments/nl-examples.jsonl), on the extra phrasings of
tests/segcore/test_grammar.py and on the held-out set of tests/segcore/test_grammar_heldout.py.
Prints numbers; asserts nothing (tests never time things).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "segcore"))

from segcore import default_catalog  # noqa: E402
from segcore.errors import SegmentError  # noqa: E402
from segcore.grammar import parse  # noqa: E402

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _examples() -> list[str]:
    path = ROOT.parent / "shared" / "segments" / "nl-examples.jsonl"
    if not path.is_file():
        print("shared examples: ../shared/segments/nl-examples.jsonl is absent; measured without them")
        return []
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _extra() -> list[str]:
    from test_grammar import READINGS  # the reviewed phrasings beyond the examples

    return [text for text, _ in READINGS]


def _held_out() -> list[str]:
    from test_grammar_heldout import HELD_OUT, REFUSED  # the adversarial set, refusals included

    return [text for text, _ in HELD_OUT] + [text for text, _ in REFUSED]


def measure(name: str, prompts: list[str], rounds: int) -> None:
    catalog = default_catalog()
    for text in prompts:  # warm up: builds the catalog vocabulary once
        with contextlib.suppress(SegmentError):
            parse(text, catalog, NOW)
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        for text in prompts:
            t0 = time.perf_counter()
            with contextlib.suppress(SegmentError):
                parse(text, catalog, NOW)
            samples.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    samples.sort()
    median = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    print(f"{name:<22} {len(prompts):>4} prompts x {rounds} rounds: median {median:.3f} ms, "
          f"p95 {p95:.3f} ms, {len(samples) / elapsed:,.0f} prompts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    examples = _examples()
    if examples:
        measure("shared examples", examples, args.rounds)
    measure("extra phrasings", _extra(), args.rounds)
    measure("held-out phrasings", _held_out(), args.rounds)


if __name__ == "__main__":
    main()
