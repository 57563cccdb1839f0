"""Run one launch in its own process (the crash test kills it half-way).

Usage: python launch_child.py URI DATABASE TEAM CAMPAIGN_ID CHUNK_SIZE. Prints the number of chunks written
after each chunk, flushed, so the parent knows the launch is under way.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from pymongo import MongoClient

from segcore.campaigns import launch
from segcore.catalog import default_catalog
from segcore.storage.database import Store


def main() -> None:
    uri, database, team_id, campaign_id, chunk = sys.argv[1:6]
    client: MongoClient = MongoClient(uri, tz_aware=True)
    store = Store.from_database(client[database], default_catalog())
    launch(store, team_id, campaign_id, datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "U-CHILD",
           holdout_percent=10, chunk_size=int(chunk), on_chunk=lambda n: print(n, flush=True))
    print("done", flush=True)


if __name__ == "__main__":
    main()
