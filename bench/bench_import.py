"""Import throughput: users per second for a JSONL file and a CSV file of generated users.

    python bench/bench_import.py --users 100000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bson import json_util

from bench.common import NOW
from segcore.importing import import_users
from segcore.seed import generate_users
from segcore.storage.database import open_store

COLUMNS = ["user_id", "name", "email", "city", "country", "plan", "tags", "age", "email_opt_in", "visits",
           "orders", "total_spend", "signup_date", "last_visit_at", "last_order_at"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--formats", default="jsonl,csv")
    parser.add_argument("--again", action="store_true", help="also time importing the same file a second time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="segments-bench-") as folder:
        base = Path(folder)
        jsonl, csv_path = base / "users.jsonl", base / "users.csv"
        with open(jsonl, "w", encoding="utf-8") as out:
            for user in generate_users(args.users, now=NOW):
                out.write(json_util.dumps(user) + "\n")
        with open(csv_path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for user in generate_users(args.users, now=NOW):
                row = []
                for c in COLUMNS:
                    value = user.get(c)
                    if c == "tags":
                        value = ";".join(value)
                    elif hasattr(value, "isoformat"):
                        value = value.isoformat()
                    row.append("" if value is None else value)
                writer.writerow(row)
        store = open_store(None, base / "data", "bench")
        try:
            for i, fmt in enumerate(args.formats.split(",")):
                path = jsonl if fmt == "jsonl" else csv_path
                team = f"T{i}"
                started = time.perf_counter()
                report = import_users(store.users, team, path)
                first = time.perf_counter() - started
                print(f"{fmt:5s} {args.users:,} new users: {first:.1f} s, {args.users / first:,.0f} users/s "
                      f"({report.summary()})")
                if not args.again:
                    continue
                started = time.perf_counter()
                report = import_users(store.users, team, path)
                again = time.perf_counter() - started
                print(f"{fmt:5s} same file again: {again:.1f} s, {args.users / again:,.0f} users/s "
                      f"({report.summary()})")
        finally:
            store.close()


if __name__ == "__main__":
    main()
