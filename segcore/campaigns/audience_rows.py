"""The frozen audience of a launched campaign: one row per user in ``campaign_audiences``.

Rows are written with upserts on the unique key (team_id, campaign_id, user_id), so writing a chunk twice
(a launch resumed after a crash) can never produce duplicates. Writes wait for the journal (``j=True``):
a launch that says a chunk is written must find it after a crash of the server too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne, WriteConcern
from pymongo.collection import Collection
from pymongo.database import Database

AUDIENCES = "campaign_audiences"
READ_BATCH = 1000


def audiences(db: Database[dict[str, Any]]) -> Collection[dict[str, Any]]:
    return db.get_collection(AUDIENCES, write_concern=WriteConcern(w=1, j=True))


def ensure_indexes(db: Database[dict[str, Any]]) -> None:
    audiences(db).create_index(
        [("team_id", ASCENDING), ("campaign_id", ASCENDING), ("user_id", ASCENDING)],
        unique=True, name="one_row_per_user",
    )


def write_rows(db: Database[dict[str, Any]], team_id: str, campaign_id: str,
               rows: Iterable[tuple[str, bool]], frozen_at: datetime) -> int:
    """Upsert (user_id, holdout) rows; returns how many rows were new."""
    ops = [
        UpdateOne(
            {"team_id": team_id, "campaign_id": campaign_id, "user_id": user_id},
            {"$setOnInsert": {"holdout": holdout, "frozen_at": frozen_at}},
            upsert=True,
        )
        for user_id, holdout in rows
    ]
    if not ops:
        return 0
    return audiences(db).bulk_write(ops, ordered=False).upserted_count


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
