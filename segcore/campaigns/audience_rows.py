"""The frozen audience of a launched campaign: one row per user in ``campaign_audiences``.

The unique key (team_id, campaign_id, user_id) means writing a chunk twice (a launch resumed after a
crash) can never produce duplicates. Writes wait for the journal (``j=True``):
a launch that says a chunk is written must find it after a crash of the server too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, WriteConcern
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

AUDIENCES = "campaign_audiences"
READ_BATCH = 1000
DUPLICATE_KEY = 11000


def audiences(db: Database[dict[str, Any]]) -> Collection[dict[str, Any]]:
    return db.get_collection(AUDIENCES, write_concern=WriteConcern(w=1, j=True))


def ensure_indexes(db: Database[dict[str, Any]]) -> None:
    audiences(db).create_index(
        [("team_id", ASCENDING), ("campaign_id", ASCENDING), ("user_id", ASCENDING)],
        unique=True, name="one_row_per_user",
    )


def write_rows(db: Database[dict[str, Any]], team_id: str, campaign_id: str,
               rows: Sequence[tuple[str, bool]], frozen_at: datetime) -> int:
    """Write (user_id, holdout) rows, in user_id order, that are not there yet; returns how many were new.

    Rows already written (a chunk redone after a crash) are found with one range read on the unique index
    and skipped; a row written by a concurrent launcher meanwhile is refused by that index and ignored.
    Plain inserts are about ten times faster than upserts on the embedded server.
    """
    if not rows:
        return 0
    collection = audiences(db)
    existing = {d["user_id"] for d in collection.find(
        {"team_id": team_id, "campaign_id": campaign_id,
         "user_id": {"$gte": rows[0][0], "$lte": rows[-1][0]}}, {"_id": 0, "user_id": 1})}
    docs = [{"team_id": team_id, "campaign_id": campaign_id, "user_id": user_id, "holdout": holdout,
             "frozen_at": frozen_at} for user_id, holdout in rows if user_id not in existing]
    if not docs:
        return 0
    try:
        return len(collection.insert_many(docs, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return int(exc.details.get("nInserted", 0))


def count_rows(db: Database[dict[str, Any]], team_id: str, campaign_id: str, holdout: bool | None = None) -> int:
    query: dict[str, Any] = {"team_id": team_id, "campaign_id": campaign_id}
    if holdout is not None:
        query["holdout"] = holdout
    return audiences(db).count_documents(query)


def iter_rows(db: Database[dict[str, Any]], team_id: str, campaign_id: str, holdout: bool | None = None,
              batch: int = READ_BATCH) -> Iterator[dict[str, Any]]:
    """Rows in user_id order, read page by page on the unique index (no long-lived cursor)."""
    after: str | None = None
    while True:
        query: dict[str, Any] = {"team_id": team_id, "campaign_id": campaign_id}
        if holdout is not None:
            query["holdout"] = holdout
        if after is not None:
            query["user_id"] = {"$gt": after}
        page = list(audiences(db).find(query, {"_id": 0, "user_id": 1, "holdout": 1})
                    .sort("user_id", ASCENDING).limit(batch))
        yield from page
        if len(page) < batch:
            return
        after = page[-1]["user_id"]
