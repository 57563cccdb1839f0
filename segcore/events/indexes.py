"""The indexes of the ``events``, ``unlinked_events`` and ``identities`` collections (built by
``Store.ensure_indexes``).

Kept apart from the store so that opening the database needs nothing else of this package.

Every secondary index costs the embedded server about as much per inserted event as the insert itself
(docs/scale.md "Events", measured), so ``events`` has exactly one: ``(team_id, event, timestamp)``, which
every event condition reads. The rest rides elsewhere: a message id is unique per workspace because the
event's ``_id`` is made from the workspace and the message id (:func:`event_id`), and the events still
waiting for an identify to name their person are listed in the small ``unlinked_events`` collection
instead of an index over every event's ``anonymous_id``.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import OperationFailure

EVENTS = "events"
# One document per fact about the whole installation; {"_id": EVENTS_MARK} exists once any event was written,
# so a first load can tell "no events yet" without asking ``events`` (which the embedded server answers by
# reading the whole collection).
MARKS = "installation_marks"
EVENTS_MARK = "events"
UNLINKED = "unlinked_events"
IDENTITIES = "identities"
# Indexes of earlier versions, now served by ``_id`` and ``unlinked_events``: dropped at start-up.
RETIRED = ("team_message", "team_user_event_time", "team_anonymous")


def event_id(team_id: str, message_id: str) -> str:
    """The ``_id`` of a workspace's event: one per (workspace, message id), so a retry is a duplicate key.
    The workspace's length leads, so no two (workspace, message id) pairs give the same text."""
    return f"{len(team_id)}:{team_id}:{message_id}"


def mark_events_written(marks: Collection[dict[str, Any]], at: datetime | None) -> None:
    """Note in ``MARKS`` that the installation has events; ``at`` is None when they were found, not written."""
    marks.update_one({"_id": EVENTS_MARK}, {"$setOnInsert": {"at": at}}, upsert=True)


def event_indexes() -> dict[str, tuple[list[tuple[str, int]], dict[str, Any]]]:
    """The events' indexes: name -> (keys, options)."""
    return {"team_event_time": ([("team_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)], {})}


def ensure_event_indexes(db: Database[dict[str, Any]]) -> None:
    for name, (keys, options) in event_indexes().items():
        db[EVENTS].create_index(keys, name=name, **options)
    existing = db[EVENTS].index_information() if EVENTS in db.list_collection_names() else {}
    for name in RETIRED:
        if name in existing:
            with suppress(OperationFailure):  # another process dropped it first
                db[EVENTS].drop_index(name)
    db[UNLINKED].create_index([("team_id", ASCENDING), ("anonymous_id", ASCENDING)], name="team_anonymous")
    db[IDENTITIES].create_index(
        [("team_id", ASCENDING), ("anonymous_id", ASCENDING)], unique=True, name="team_anonymous"
    )
