"""Events in the stored shape, for tests: Segment-spec track messages converted as the ingest path stores them.

The settled shape (one document per event): ``{team_id, message_id, user_id, anonymous_id, event,
timestamp, properties, received_at}``, snake_case, ``timestamp`` a UTC datetime cut to milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from segcore.rules import to_millisecond

RECEIVED = datetime(2026, 11, 25, tzinfo=UTC)


def stored_event(message: Mapping[str, Any], team_id: str) -> dict[str, Any]:
    """One Segment-spec track message as the ``events`` collection holds it."""
    stamp = datetime.fromisoformat(str(message["timestamp"]).replace("Z", "+00:00"))
    return {
        "team_id": team_id,
        "message_id": message["messageId"],
        "user_id": message.get("userId"),
        "anonymous_id": message.get("anonymousId"),
        "event": message["event"],
        "timestamp": to_millisecond(stamp.astimezone(UTC)),
        "properties": dict(message.get("properties") or {}),
        "received_at": RECEIVED,
    }


def read_messages(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def insert_events(db: Database[Any], docs: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == 5000:
            db.events.insert_many(batch, ordered=False)
            batch = []
    if batch:
        db.events.insert_many(batch, ordered=False)


def ensure_event_indexes(db: Database[Any]) -> None:
    """The read index event conditions lead with (events-ingest owns the full set in the Store)."""
    db.events.create_index([("team_id", ASCENDING), ("event", ASCENDING), ("timestamp", ASCENDING)])
