"""A lease in MongoDB so that, with several app instances, each scheduled run happens once.

One document per job in ``job_leases``: who holds it, until when, and the latest run (``slot``, the
scheduled fire time) that was claimed. A claim is one ``find_one_and_update`` with ``upsert=True`` whose
filter matches only when the lease has expired AND this slot has not been claimed before; when it does
not match, the upsert tries to insert a second document with the same ``_id`` and the database refuses it
with ``DuplicateKeyError``. So the second claimant of a slot loses even after the first has finished, and
a holder that died frees the job when its lease expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

LEASES = "job_leases"


@dataclass(frozen=True)
class Lease:
    key: str
    holder: str
    slot: datetime
    expires_at: datetime


class LeaseManager:
    def __init__(self, db: Database[dict[str, Any]], holder: str, ttl: timedelta) -> None:
        self.collection: Collection[dict[str, Any]] = db[LEASES]
        self.holder = holder
        self.ttl = ttl

    def claim(self, key: str, slot: datetime, now: datetime) -> Lease | None:
        """The lease for ``slot`` of ``key``, or None when another instance has it or already ran it."""
        expires = now + self.ttl
        try:
            doc = self.collection.find_one_and_update(
                {"_id": key, "expires_at": {"$lte": now}, "slot": {"$lt": slot}},
                {"$set": {"holder": self.holder, "expires_at": expires, "slot": slot, "claimed_at": now}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return None
        if doc is None or doc.get("holder") != self.holder:
            return None
        return Lease(key, self.holder, slot, expires)

    def renew(self, lease: Lease, now: datetime) -> bool:
        """Extend a lease still held (long jobs call this between steps)."""
        result = self.collection.update_one(
            {"_id": lease.key, "holder": self.holder, "slot": lease.slot},
            {"$set": {"expires_at": now + self.ttl}},
        )
        return result.modified_count == 1

    def release(self, lease: Lease, now: datetime) -> None:
        """Let the next slot be claimed at once; the slot itself stays claimed."""
        self.collection.update_one(
            {"_id": lease.key, "holder": self.holder, "slot": lease.slot},
            {"$set": {"expires_at": now, "released_at": now}},
        )
