"""Audience sizes over time, and who the members were: one size row per segment each time it is counted,
and, beside the rows taken on save and by the scheduler, the snapshot's people (``snapshot_members``).

The people of a snapshot are kept as sets of person numbers (``segcore.storage.member_sets``): everyone in
the workspace, the members, and for each condition of the rule who passed it, so a later "why did it
change?" can tell who entered or left and which condition changed for them. Sizes are a few bytes and stay
for the history chart (the latest 90 are shown); members are kept ``member_days`` (SEGMENTS_SNAPSHOT_DAYS,
35 by default) and removed by the step that records the next snapshot of the same segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import Binary, ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from segcore.storage.errors import Outage
from segcore.storage.member_sets import Numbers, decode, encode

MEMBERS = "snapshot_members"
DEFAULT_DAYS = 35


@dataclass(frozen=True)
class ConditionPasses:
    """Who passed one condition of the rule: ``key`` identifies the condition across snapshots."""

    key: str
    condition: dict[str, Any]  # the condition's rule JSON
    passed: Numbers


@dataclass(frozen=True)
class People:
    """The people behind one count: everyone in the workspace, the members, each condition's passes."""

    highest: int  # the workspace's highest person number when read: anyone above it is newer
    everyone: Numbers
    members: Numbers
    conditions: tuple[ConditionPasses, ...]
    engine: str


@dataclass(frozen=True)
class MemberSnapshot:
    id: str
    segment_id: str
    at: datetime
    rule: dict[str, Any]
    people: People
    stored_bytes: int


class SnapshotRepository:
    def __init__(self, collection: Collection[dict[str, Any]], outage: Outage | None = None,
                 member_days: int = DEFAULT_DAYS) -> None:
        self.collection = collection
        self.members = collection.database[MEMBERS]
        self.outage = outage or Outage()
        self.member_days = member_days

    def record(self, team_id: str, segment_id: str, size: int, at: datetime, engine: str = "mongodb") -> str:
        with self.outage.guard():
            result = self.collection.insert_one(
                {"team_id": team_id, "segment_id": segment_id, "size": int(size), "at": at, "engine": engine}
            )
        return str(result.inserted_id)

    def history(self, team_id: str, segment_id: str, limit: int = 90) -> list[tuple[datetime, int]]:
        """The latest ``limit`` sizes, oldest first."""
        with self.outage.guard():
            docs = list(
                self.collection.find({"team_id": team_id, "segment_id": segment_id}, {"at": 1, "size": 1})
                .sort("at", DESCENDING)
                .limit(max(1, limit))
            )
        return [(d["at"], int(d["size"])) for d in reversed(docs)]

    def sizes_at(self, team_id: str, moment: datetime) -> dict[str, int]:
        """Each segment's latest recorded size at or before ``moment`` (for "since yesterday")."""
        with self.outage.guard():
            rows = self.collection.aggregate([
                {"$match": {"team_id": team_id, "at": {"$lte": moment}}},
                {"$sort": {"at": 1}},
                {"$group": {"_id": "$segment_id", "size": {"$last": "$size"}}},
            ])
            return {str(r["_id"]): int(r["size"]) for r in rows}

    def delete_for(self, team_id: str, segment_id: str) -> int:
        with self.outage.guard():
            self.members.delete_many({"team_id": team_id, "segment_id": segment_id})
            return self.collection.delete_many({"team_id": team_id, "segment_id": segment_id}).deleted_count

    # -- members ------------------------------------------------------------------------------------------

    def ensure_indexes(self) -> None:
        with self.outage.guard():
            self.members.create_index([("team_id", ASCENDING), ("segment_id", ASCENDING), ("at", ASCENDING)],
                                      name="team_segment_at")

    def record_members(self, team_id: str, segment_id: str, snapshot_id: str, at: datetime,
                       rule: dict[str, Any], people: People) -> int:
        """Keep a snapshot's people; drop this segment's members older than ``member_days``. Bytes stored."""
        sets = {"everyone": encode(people.everyone), "members": encode(people.members)}
        passes = [{"key": c.key, "condition": c.condition, "passed": Binary(encode(c.passed))}
                  for c in people.conditions]
        stored = sum(len(b) for b in sets.values()) + sum(len(p["passed"]) for p in passes)
        doc = {
            "_id": ObjectId(snapshot_id), "team_id": team_id, "segment_id": segment_id, "at": at, "rule": rule,
            "highest": int(people.highest), "engine": people.engine, "size": len(people.members),
            **{name: Binary(data) for name, data in sets.items()}, "conditions": passes, "bytes": stored,
        }
        with self.outage.guard():
            self.members.insert_one(doc)
            self.members.delete_many({"team_id": team_id, "segment_id": segment_id,
                                      "at": {"$lt": at - timedelta(days=self.member_days)}})
        return stored

    def member_snapshots(self, team_id: str, segment_id: str) -> list[tuple[str, datetime, int]]:
        """(id, at, size) of the snapshots that kept members, oldest first."""
        with self.outage.guard():
            docs = self.members.find({"team_id": team_id, "segment_id": segment_id},
                                     {"at": 1, "size": 1}).sort("at", ASCENDING)
            return [(str(d["_id"]), d["at"], int(d["size"])) for d in docs]

    def members_at(self, team_id: str, segment_id: str, moment: datetime) -> MemberSnapshot | None:
        """The latest snapshot with members taken at or before ``moment``; else the earliest one kept."""
        query = {"team_id": team_id, "segment_id": segment_id}
        with self.outage.guard():
            doc = self.members.find_one({**query, "at": {"$lte": moment}}, sort=[("at", DESCENDING)])
            if doc is None:
                doc = self.members.find_one(query, sort=[("at", ASCENDING)])
        return None if doc is None else _snapshot(doc)

    def latest_members(self, team_id: str, segment_id: str, before: Sequence[str] = ()) -> MemberSnapshot | None:
        """The newest snapshot with members (other than the ids in ``before``)."""
        query: dict[str, Any] = {"team_id": team_id, "segment_id": segment_id}
        if before:
            query["_id"] = {"$nin": [ObjectId(i) for i in before]}
        with self.outage.guard():
            doc = self.members.find_one(query, sort=[("at", DESCENDING)])
        return None if doc is None else _snapshot(doc)


def _snapshot(doc: dict[str, Any]) -> MemberSnapshot:
    people = People(
        highest=int(doc["highest"]),
        everyone=decode(bytes(doc["everyone"])),
        members=decode(bytes(doc["members"])),
        conditions=tuple(ConditionPasses(c["key"], c["condition"], decode(bytes(c["passed"])))
                         for c in doc.get("conditions", [])),
        engine=str(doc.get("engine", "")),
    )
    return MemberSnapshot(str(doc["_id"]), doc["segment_id"], doc["at"], doc["rule"], people, int(doc["bytes"]))


__all__ = ["DEFAULT_DAYS", "MEMBERS", "ConditionPasses", "MemberSnapshot", "People", "SnapshotRepository"]
