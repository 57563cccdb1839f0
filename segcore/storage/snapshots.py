"""Audience sizes over time: one row per segment each time it is counted for the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection

from segcore.storage.errors import Outage


class SnapshotRepository:
    def __init__(self, collection: Collection[dict[str, Any]], outage: Outage | None = None) -> None:
        self.collection = collection
        self.outage = outage or Outage()

    def record(self, team_id: str, segment_id: str, size: int, at: datetime, engine: str = "mongodb") -> None:
        with self.outage.guard():
            self.collection.insert_one(
                {"team_id": team_id, "segment_id": segment_id, "size": int(size), "at": at, "engine": engine}
            )

    def history(self, team_id: str, segment_id: str, limit: int = 90) -> list[tuple[datetime, int]]:
        """The latest ``limit`` sizes, oldest first."""
        with self.outage.guard():
            docs = list(
                self.collection.find({"team_id": team_id, "segment_id": segment_id}, {"at": 1, "size": 1})
                .sort("at", DESCENDING)
                .limit(max(1, limit))
            )
        return [(d["at"], int(d["size"])) for d in reversed(docs)]

    def delete_for(self, team_id: str, segment_id: str) -> int:
        with self.outage.guard():
            return self.collection.delete_many({"team_id": team_id, "segment_id": segment_id}).deleted_count
