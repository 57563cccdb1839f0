"""The Slack app's own MongoDB collections: deliveries seen (dedupe), drafts, and thread conversations.

All three expire on their own (TTL indexes); none of them holds anything that is not also elsewhere.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

DELIVERIES = "slack_deliveries"
DRAFTS = "slack_drafts"
CONVERSATIONS = "conversations"

DELIVERY_TTL = 24 * 3600  # Slack retries within minutes; a day is plenty
DRAFT_TTL = 7 * 24 * 3600  # a card's buttons keep working for a week
CONVERSATION_TTL = 7 * 24 * 3600


class DeliveryLog:
    """Each Slack delivery (event_id, a command's trigger_id) is processed once, across all instances."""

    def __init__(self, db: Database[Any], now: Callable[[], datetime]) -> None:
        self.collection = db[DELIVERIES]
        self.now = now

    def ensure_indexes(self) -> None:
        self.collection.create_index([("at", ASCENDING)], expireAfterSeconds=DELIVERY_TTL, name="ttl_at")

    def first_time(self, key: str) -> bool:
        try:
            self.collection.insert_one({"_id": key, "at": self.now()})
        except DuplicateKeyError:
            return False
        return True


class DraftStore:
    """A segment read from a request but not saved yet; card buttons carry the draft's id."""

    def __init__(self, db: Database[Any], now: Callable[[], datetime]) -> None:
        self.collection = db[DRAFTS]
        self.now = now

    def ensure_indexes(self) -> None:
        self.collection.create_index([("created_at", ASCENDING)], expireAfterSeconds=DRAFT_TTL, name="ttl_created")

    def save(self, team_id: str, **fields: Any) -> str:
        draft_id = secrets.token_hex(8)
        self.collection.insert_one({"_id": draft_id, "team_id": team_id, "created_at": self.now(), **fields})
        return draft_id

    def get(self, team_id: str, draft_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": draft_id, "team_id": team_id})


class ConversationStore:
    """The rules a thread is about, so a follow-up ("only in Mumbai") refines them."""

    def __init__(self, db: Database[Any], now: Callable[[], datetime]) -> None:
        self.collection = db[CONVERSATIONS]
        self.now = now

    def ensure_indexes(self) -> None:
        self.collection.create_index(
            [("team_id", ASCENDING), ("channel", ASCENDING), ("thread_ts", ASCENDING)], unique=True, name="thread"
        )
        self.collection.create_index(
            [("updated_at", ASCENDING)], expireAfterSeconds=CONVERSATION_TTL, name="ttl_updated"
        )

    def get(self, team_id: str, channel: str, thread_ts: str) -> dict[str, Any] | None:
        return self.collection.find_one({"team_id": team_id, "channel": channel, "thread_ts": thread_ts})

    def put(self, team_id: str, channel: str, thread_ts: str, rule: dict[str, Any], text: str) -> None:
        self.collection.update_one(
            {"team_id": team_id, "channel": channel, "thread_ts": thread_ts},
            {"$set": {"rule": rule, "text": text, "updated_at": self.now()},
             "$inc": {"turns": 1}},
            upsert=True,
        )
