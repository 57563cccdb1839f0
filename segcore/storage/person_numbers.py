"""Person numbers: a small integer per person, unique in the workspace, given once and never changed.

Snapshots keep their members as sorted person numbers (compact: the differences are small), the mirror
joins people and events on them, and "new to the workspace" is simply "a number above the old snapshot's
highest". So numbers only ever grow, and a person gets theirs in the same write that creates them.

One counter document per workspace in ``person_numbers`` (``next`` is the last number handed out):
a writer reserves a range for a whole batch with one atomic ``$inc``, so a 5,000-person batch costs one
extra round trip. Writers that already know which people are new (``BulkUserWriter``) number exactly those.
Blind upserts (identify, orders) cannot know: they reserve one number per person and put it in
``$setOnInsert``; the numbers of people who already existed go unused. When a whole range went unused and
nobody reserved after it, it is given back, so the gaps stay small (numbers need to be unique and
increasing, not dense).

People written before numbers existed get theirs once per workspace (``ensure_numbered``, run by the first
snapshot that needs them), in the order they were stored; the counter document remembers it was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database

COLLECTION = "person_numbers"
FIELD = "person_no"
_CHUNK = 5000


def counters(db: Database[Any]) -> Collection[dict[str, Any]]:
    return db[COLLECTION]


def reserve(db: Database[Any], team_id: str, n: int, *, workspace_was_empty: bool = False) -> int:
    """The first of ``n`` fresh numbers for ``team_id`` (the range is first..first+n-1).

    ``workspace_was_empty``: the caller saw no people in the workspace before its first write, so a
    counter created now has nobody unnumbered to catch up with."""
    if n <= 0:
        return 0
    doc = counters(db).find_one_and_update(
        {"_id": team_id},
        {"$inc": {"next": n}, "$setOnInsert": {"team_id": team_id, "numbered_all": workspace_was_empty}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None  # an upsert returning the document after always has one
    return int(doc["next"]) - n + 1


def give_back(db: Database[Any], team_id: str, first: int, n: int) -> None:
    """Return an unused range, when it is still the last one handed out (else it stays a gap)."""
    if n > 0:
        counters(db).update_one({"_id": team_id, "next": first + n - 1}, {"$inc": {"next": -n}})


def numbered_upserts(db: Database[Any], team_id: str, writes: Sequence[tuple[dict[str, Any], dict[str, Any]]]
                     ) -> tuple[list[UpdateOne], tuple[int, int]]:
    """Upserts of people (filter, update), each with a number set only if the upsert creates the person.

    Returns the ops and the reserved range (first, n), for ``upserted_none`` after the write."""
    first = reserve(db, team_id, len(writes))
    ops = []
    for i, (query, update) in enumerate(writes):
        numbered = {**update, "$setOnInsert": {**update.get("$setOnInsert", {}), FIELD: first + i}}
        ops.append(UpdateOne(query, numbered, upsert=True))
    return ops, (first, len(writes))


def upserted_none(db: Database[Any], team_id: str, reserved: tuple[int, int], upserted: int) -> None:
    """After the write: give the range back when no upsert created a person."""
    if upserted == 0:
        give_back(db, team_id, *reserved)


def highest(db: Database[Any], team_id: str) -> int:
    doc = counters(db).find_one({"_id": team_id}, {"next": 1})
    return int(doc["next"]) if doc else 0


def ensure_numbered(db: Database[Any], team_id: str) -> int:
    """Number the people of the workspace who have no number yet (once per workspace); how many."""
    doc = counters(db).find_one({"_id": team_id}, {"numbered_all": 1})
    if doc is not None and doc.get("numbered_all"):
        return 0
    users = db["users"]
    missing = [d["_id"] for d in users.find({"team_id": team_id, FIELD: None}, {"_id": 1}).sort("_id", 1)]
    done = 0
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        first = reserve(db, team_id, len(chunk))
        # The filter keeps a number given meanwhile (another catch-up running at once): never renumbered.
        ops = [UpdateOne({"_id": key, FIELD: None}, {"$set": {FIELD: first + i}}) for i, key in enumerate(chunk)]
        done += users.bulk_write(ops, ordered=False).modified_count
    counters(db).update_one(
        {"_id": team_id},
        {"$set": {"numbered_all": True, "numbered_at": datetime.now(UTC)}, "$setOnInsert": {"next": 0, "team_id": team_id}},
        upsert=True,
    )
    return done


__all__ = ["COLLECTION", "FIELD", "ensure_numbered", "give_back", "highest", "numbered_upserts", "reserve",
           "upserted_none"]
