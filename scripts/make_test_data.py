"""Writes the test suite's own data, tests/data/users.jsonl, with the project's seed code.

The suite reads the file, not the generator, so a change to segcore/seed.py never changes what the tests
see; run this script again (and commit the file) only when the tests need other people.

    .venv/bin/python scripts/make_test_data.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bson import json_util

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segcore.seed import generate_users  # noqa: E402

USERS = 6000
SEED = 15
# The tests' clock: dates are spread before it, so "visited in the last month" finds people on that day.
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TARGET = ROOT / "tests" / "data" / "users.jsonl"


def main() -> None:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    options = json_util.JSONOptions(json_mode=json_util.JSONMode.RELAXED, tz_aware=True, tzinfo=UTC)
    with TARGET.open("w", encoding="utf-8", newline="\n") as out:
        for user in generate_users(USERS, seed=SEED, now=NOW):
            out.write(json_util.dumps(user, json_options=options, ensure_ascii=False) + "\n")
    print(f"Wrote {USERS} users (seed {SEED}, now {NOW.isoformat()}) to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
