"""The indexes of the ``events`` and ``identities`` collections (built by ``Store.ensure_indexes``).

Kept apart from the store so that opening the database needs nothing else of this package.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

EVENTS = "events"
IDENTITIES = "identities"


def event_indexes() -> dict[str, tuple[list[tuple[str, int]], dict[str, Any]]]:
    """The events' and identities' indexes: name -> (keys, options)."""
    return {
        "team_message": ([("team_id", ASCENDING), ("message_id", ASCENDING)], {"unique": True}),
        "team_event_time": ([("team_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)], {}),
        "team_user_event_time": (
            [("team_id", ASCENDING), ("user_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)], {}
        ),
        # Only events that carry an anonymous id are in it, so events sent with a user id cost it nothing.
        "team_anonymous": (
            [("team_id", ASCENDING), ("anonymous_id", ASCENDING)],
            {"partialFilterExpression": {"anonymous_id": {"$type": "string"}}},
        ),
    }


def ensure_event_indexes(db: Database[dict[str, Any]]) -> None:
    for name, (keys, options) in event_indexes().items():
        db[EVENTS].create_index(keys, name=name, **options)
    db[IDENTITIES].create_index(
        [("team_id", ASCENDING), ("anonymous_id", ASCENDING)], unique=True, name="team_anonymous"
    )
