"""The demo workspace a first run loads: which people it loaded, so that the admin page can say so and
`segments demo remove` takes exactly them (and their events) away again.

One record per workspace in the `demo` collection. It is written before the people, so two processes
starting at once (gunicorn workers) load the demo once, and it stays after a removal, so a removed demo
is never loaded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from segcore.storage import person_numbers

COLLECTION = "demo"
# What a first run counts as an empty database: none of these holds a document, in any workspace.
_CONTENT = ("segments", "campaigns", "users", "events")


@dataclass(frozen=True)
class Demo:
    team_id: str
    people: int
    events: int
    loaded_at: datetime
    removed_at: datetime | None

    @property
    def present(self) -> bool:
        return self.removed_at is None


def database_is_empty(db: Database[dict[str, Any]]) -> bool:
    # Person numbers first: a tiny collection that holds a counter as soon as anyone was ever written,
    # while a look at a large users collection costs a full scan on the embedded server (29 s at 1M).
    return all(db[name].find_one({}, {"_id": 1}) is None for name in (person_numbers.COLLECTION, *_CONTENT))


def demo_of(db: Database[dict[str, Any]], team_id: str) -> Demo | None:
    doc = db[COLLECTION].find_one({"_id": team_id}, {"user_ids": 0})
    if doc is None:
        return None
    return Demo(team_id, int(doc.get("people", 0)), int(doc.get("events", 0)), doc["loaded_at"],
                doc.get("removed_at"))


def claim(db: Database[dict[str, Any]], team_id: str, now: datetime) -> bool:
    """True for the one caller that may load the demo into this workspace (never again after that)."""
    try:
        db[COLLECTION].insert_one({"_id": team_id, "people": 0, "events": 0, "loaded_at": now,
                                   "removed_at": None, "user_ids": []})
    except DuplicateKeyError:
        return False
    return True


def record_loaded(db: Database[dict[str, Any]], team_id: str, user_ids: list[str] | tuple[str, ...],
                  events: int) -> None:
    db[COLLECTION].update_one({"_id": team_id}, {"$set": {
        "people": len(user_ids), "events": events, "user_ids": list(user_ids)}})


def record_events(db: Database[dict[str, Any]], team_id: str, events: int) -> None:
    db[COLLECTION].update_one({"_id": team_id, "removed_at": None}, {"$set": {"events": events}})


def remove(db: Database[dict[str, Any]], team_id: str, now: datetime) -> Demo | None:
    """Delete the demo's people and their events from the workspace; None when it holds no demo.

    Only the people the demo loaded go (by id): anything imported under other ids stays."""
    doc = db[COLLECTION].find_one({"_id": team_id})
    if doc is None or doc.get("removed_at") is not None:
        return None
    ids = list(doc.get("user_ids", []))
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        db["users"].delete_many({"team_id": team_id, "user_id": {"$in": chunk}})
        db["events"].delete_many({"team_id": team_id, "user_id": {"$in": chunk}})
    db[COLLECTION].update_one({"_id": team_id}, {"$set": {"removed_at": now}})
    return demo_of(db, team_id)


def notice(demo: Demo | None) -> str | None:
    """The line the console and the admin page show while a demo is in the workspace."""
    if demo is None or not demo.present:
        return None
    what = f"{demo.people:,} people" + (f" and {demo.events:,} events" if demo.events else "")
    return (f"Demo data: {what} in workspace {demo.team_id}. To remove: run `segments demo remove` "
            f"(`bash scripts/run.sh demo remove` in a checkout); it is never loaded again.")
