"""Write keys: how a Segment-spec source (a website, an app, a server library) proves its workspace.

Made like API tokens (admin/tokens.py): 32 random bytes shown once and kept only as a SHA-256, looked up
by hash. A write key may only send events to its own workspace; it reads nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from segcore.errors import SegmentError

COLLECTION = "write_keys"
PREFIX = "wk_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


class WriteKeyError(SegmentError):
    """A write key could not be created, found or revoked; the message says why."""


@dataclass(frozen=True)
class Source:
    """What we keep about a write key: never the key itself."""

    id: str
    team_id: str
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _from_doc(doc: dict[str, Any]) -> Source:
    return Source(doc["_id"], doc["team_id"], doc["name"], doc["hint"], doc["created_at"],
                  doc.get("last_used_at"), doc.get("revoked_at"))


class SourceStore:
    """The ``write_keys`` collection."""

    def __init__(self, db: Database[dict[str, Any]]) -> None:
        self.collection = db[COLLECTION]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("hash", ASCENDING)], unique=True, name="hash_unique")
        self.collection.create_index([("team_id", ASCENDING), ("name", ASCENDING)], name="team_name")

    def create(self, team_id: str, name: str | None = None, now: datetime | None = None) -> tuple[Source, str]:
        """A new write key for ``team_id``; the key is returned once and never stored."""
        if not isinstance(team_id, str) or not team_id.strip():
            raise WriteKeyError("A source needs a workspace: give --team with the Slack team id, e.g. T0123ABC.")
        now = now or datetime.now(UTC)
        name = (name or f"source-{now:%Y%m%d-%H%M%S}").strip()
        if not _NAME.match(name):
            raise WriteKeyError(
                f"Source name {name!r} is not allowed: use up to 64 letters, digits, spaces, dots, dashes or "
                "underscores, starting with a letter or digit."
            )
        if self.collection.find_one({"team_id": team_id, "name": name, "revoked_at": None}):
            raise WriteKeyError(f"Workspace {team_id} already has an active source named {name!r}; pick another name.")
        key = PREFIX + secrets.token_urlsafe(32)
        doc = {"_id": uuid.uuid4().hex, "team_id": team_id, "name": name, "hash": hash_key(key),
               "hint": key[: len(PREFIX) + 4], "created_at": now, "last_used_at": None, "revoked_at": None}
        self.collection.insert_one(doc)
        return _from_doc(doc), key

    def list(self, team_id: str | None = None, include_revoked: bool = False) -> list[Source]:
        query: dict[str, Any] = {} if team_id is None else {"team_id": team_id}
        if not include_revoked:
            query["revoked_at"] = None
        return [_from_doc(d) for d in self.collection.find(query).sort([("team_id", 1), ("created_at", 1)])]

    def revoke(self, id_or_name: str, team_id: str | None = None, now: datetime | None = None) -> Source:
        query: dict[str, Any] = {"revoked_at": None, "$or": [{"_id": id_or_name}, {"name": id_or_name}]}
        if team_id is not None:
            query["team_id"] = team_id
        found = list(self.collection.find(query).limit(3))
        if not found:
            raise WriteKeyError(f"No active source with id or name {id_or_name!r}. `segments source list` shows them.")
        if len(found) > 1:
            raise WriteKeyError(
                f"{id_or_name!r} names active sources in more than one workspace; revoke by id or add --team."
            )
        doc = found[0]
        doc["revoked_at"] = now or datetime.now(UTC)
        self.collection.update_one({"_id": doc["_id"]}, {"$set": {"revoked_at": doc["revoked_at"]}})
        return _from_doc(doc)

    def verify(self, key: str, now: datetime | None = None) -> Source | None:
        """The active source of ``key``, or None."""
        if not key.startswith(PREFIX) or len(key) > 200:
            return None
        doc = self.collection.find_one({"hash": hash_key(key), "revoked_at": None})
        if doc is None:
            return None
        moment = now or datetime.now(UTC)
        last = doc.get("last_used_at")
        # At most once a minute: a busy source should not write on every call.
        if last is None or (moment - last).total_seconds() > 60:
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {"last_used_at": moment}})
            doc["last_used_at"] = moment
        return _from_doc(doc)
