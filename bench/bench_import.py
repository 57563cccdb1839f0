"""Import throughput beside the database's own speed, in one run on one embedded server.

    python bench/bench_import.py --users 200000
    python bench/bench_import.py --users 50000 --formats jsonl,csv
    python bench/bench_import.py --users 200000 --first-only   # the empty installation only

First, on an empty installation: a plain pymongo ``insert_many`` of the same typed documents (unordered
batches of 1,000) into a bare collection (no index but ``_id``: the issue's reference) and into an empty,
indexed ``users`` collection of another database, and the import of the file
into the empty ``users`` collection of another (what `segments import` does there: the secondary indexes are
built after the load, ``segcore.storage.bulk_load``). Then, per format, in a collection that already holds
other workspaces: the reference ``insert_many`` into another workspace, ``import_users`` of the file into an
empty workspace (a first import), the same file again (0% changed), and a file where 10% of the people changed
(and 1% are new). The reference runs again at the end: the machine is shared, and the reference runs show how
much the speed moved meanwhile. Every line is people (documents) per second.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bson import json_util

from bench.common import NOW
from segcore.importing import import_users
from segcore.seed import generate_users
from segcore.storage.bulk_load import indexes_after_load
from segcore.storage.database import Store, open_store
from segcore.storage.users import coerce_user

COLUMNS = ["user_id", "name", "email", "city", "country", "plan", "tags", "age", "email_opt_in", "visits",
           "orders", "total_spend", "signup_date", "last_visit_at", "last_order_at"]


def write_jsonl(path: Path, users: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for user in users:
            out.write(json_util.dumps(user) + "\n")


def write_csv(path: Path, users: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for user in users:
            row = []
            for c in COLUMNS:
                value = user.get(c)
                if c == "tags":
                    value = ";".join(value or [])
                elif hasattr(value, "isoformat"):
                    value = value.isoformat()
                row.append("" if value is None else value)
            writer.writerow(row)


def changed(n: int, share: float) -> list[dict[str, Any]]:
    """The same people with ``share`` of them changed (visits and spend) and 1% new ones at the end."""
    rng = random.Random(11)
    users = list(generate_users(n, now=NOW))
    for user in users:
        if rng.random() < share:
            user["visits"] = int(user.get("visits") or 0) + 1
            user["total_spend"] = round(float(user.get("total_spend") or 0) + 99.5, 2)
    extra = max(1, n // 100) if share else 0
    for i, user in enumerate(generate_users(extra, seed=99, now=NOW)):
        user["user_id"] = f"new-{i}"
        users.append(user)
    return users


def reference(store: Store, team: str, docs: list[dict[str, Any]]) -> float:
    """A plain insert_many of already typed documents: what the database does without us."""
    users = store.db["users"]
    started = time.perf_counter()
    for i in range(0, len(docs), 1000):
        users.insert_many([{"team_id": team, **d} for d in docs[i : i + 1000]], ordered=False)
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--formats", default="jsonl")
    parser.add_argument("--first-only", action="store_true",
                        help="only the empty installation: the bare reference and the first import")
    args = parser.parse_args()
    n = args.users
    with tempfile.TemporaryDirectory(prefix="segments-bench-") as folder:
        base = Path(folder)
        store = open_store(None, base / "data", "bench")
        catalog = store.catalog
        typed = [{k: v for k, v in coerce_user(u, catalog).items() if v is not None}
                 for u in generate_users(n, now=NOW)]
        rows: list[tuple[str, float, str]] = []
        # The reference: a plain insert_many into a collection with no index but _id.
        bare_ref = Store.from_database(store.client["bench_bare"], catalog)
        rows.append(("reference insert_many, bare collection", reference(bare_ref, "R", typed), ""))
        if not args.first_only:
            empty_ref = Store.from_database(store.client["bench_reference"], catalog)
            empty_ref.ensure_indexes()
            rows.append(("reference insert_many, empty indexed collection", reference(empty_ref, "R", typed),
                         "all 14 indexes kept per document"))
        fmt = args.formats.split(",")[0]
        first = base / f"users.{fmt}"
        (write_jsonl if fmt == "jsonl" else write_csv)(first, generate_users(n, now=NOW))
        started = time.perf_counter()
        with indexes_after_load(store, n, at_least=0):
            report = import_users(store.users, "T-first", first)
        took = time.perf_counter() - started
        rows.append((f"{fmt} import, empty collection (indexes after)", n / took, f"{took:.1f} s; {report.summary()}"))
        try:
            for i, fmt in enumerate([] if args.first_only else args.formats.split(",")):
                write = write_jsonl if fmt == "jsonl" else write_csv
                first, tenth = base / f"users.{fmt}", base / f"users-10pc.{fmt}"
                write(first, generate_users(n, now=NOW))
                write(tenth, changed(n, 0.10))
                rows.append((f"reference insert_many, {n:,} new", reference(store, f"R{i}a", typed), ""))
                team = f"T{i}"
                for label, path, count in (
                    (f"{fmt} first import, {n:,} new", first, n),
                    (f"{fmt} same file again (0% changed)", first, n),
                    (f"{fmt} 10% changed, 1% new", tenth, n + n // 100),
                ):
                    started = time.perf_counter()
                    report = import_users(store.users, team, path)
                    took = time.perf_counter() - started
                    rows.append((label, count / took, f"{took:.1f} s; {report.summary()}"))
                rows.append((f"reference insert_many again, {n:,} new", reference(store, f"R{i}b", typed), ""))
        finally:
            store.close()
    bare = [rate for label, rate, _ in rows if label == "reference insert_many, bare collection"]
    shared = [rate for label, rate, _ in rows if label.startswith("reference") and "collection" not in label]
    print(f"# {n:,} people; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':48s} {'people/s':>10s} {'vs insert_many':>15s}")
    for label, rate, note in rows:
        # A first load into an empty installation is held to the bare insert (the reference); work
        # in a collection holding other workspaces to an insert into that same collection.
        ref = bare if "collection" in label else shared
        print(f"{label:48s} {rate:10,.0f} {rate / (sum(ref) / len(ref)):14.2f}x  {note}")
    print("(the empty-installation lines against the bare insert_many; the rest against insert_many into the"
          " same collection, the mean of its runs)")


if __name__ == "__main__":
    main()
