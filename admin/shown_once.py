"""Secrets shown once and kept only as a hash: API tokens and the write keys of event sources.

A secret is 32 random bytes behind a prefix (``seg_``, ``wk_``). Because it is random and long, a plain
SHA-256 of it is enough at rest: there is nothing to brute-force the way there is with a password, and the
hash lets us look a secret up in one indexed query. Each kind keeps its records in its own collection and
says what its records are called, so the messages speak of "token" or "source" as the reader knows them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pymongo import ASCENDING
from pymongo.database import Database

from segcore.errors import SegmentError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")

Record = TypeVar("Record")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ShownOnceStore(Generic[Record]):
    """One collection of shown-once secrets; a subclass names them and turns a document into its record."""

    collection_name: str
    prefix: str
    word: str  # what a record is called: "token", "source"
    command: str  # the CLI that manages them: "segments token"
    error: type[SegmentError]

    def __init__(self, db: Database[dict[str, Any]]) -> None:
        self.collection = db[self.collection_name]

    def record(self, doc: dict[str, Any]) -> Record:
        raise NotImplementedError

    def ensure_indexes(self) -> None:
        self.collection.create_index([("hash", ASCENDING)], unique=True, name="hash_unique")
        self.collection.create_index([("team_id", ASCENDING), ("name", ASCENDING)], name="team_name")

    def _create(self, team_id: str, name: str | None, now: datetime | None,
                extra: dict[str, Any] | None = None) -> tuple[Record, str]:
        """A new secret for ``team_id``; the plain secret is returned once and never stored."""
        if not isinstance(team_id, str) or not team_id.strip():
            raise self.error(
                f"A {self.word} needs a workspace: give --team with the Slack team id, e.g. T0123ABC.")
        now = now or datetime.now(UTC)
        name = (name or f"{self.word}-{now:%Y%m%d-%H%M%S}").strip()
        if not _NAME.match(name):
            raise self.error(
                f"{self.word.capitalize()} name {name!r} is not allowed: use up to 64 letters, digits, spaces, "
                "dots, dashes or underscores, starting with a letter or digit."
            )
        if self.collection.find_one({"team_id": team_id, "name": name, "revoked_at": None}):
            raise self.error(
                f"Workspace {team_id} already has an active {self.word} named {name!r}; pick another name.")
        secret = self.prefix + secrets.token_urlsafe(32)
        doc = {
            "_id": uuid.uuid4().hex,
            "team_id": team_id,
            "name": name,
            "hash": hash_secret(secret),
            "hint": secret[: len(self.prefix) + 4],  # so a person can tell their secrets apart
            "created_at": now,
            "last_used_at": None,
            "revoked_at": None,
            **(extra or {}),
        }
        self.collection.insert_one(doc)
        return self.record(doc), secret

    def list(self, team_id: str | None = None, include_revoked: bool = False) -> list[Record]:
        query: dict[str, Any] = {} if team_id is None else {"team_id": team_id}
        if not include_revoked:
            query["revoked_at"] = None
        return [self.record(d) for d in self.collection.find(query).sort([("team_id", 1), ("created_at", 1)])]

    def revoke(self, id_or_name: str, team_id: str | None = None, now: datetime | None = None) -> Record:
        """Revoke one active secret by id or name; a name used in several workspaces needs ``team_id``."""
        query: dict[str, Any] = {"revoked_at": None, "$or": [{"_id": id_or_name}, {"name": id_or_name}]}
        if team_id is not None:
            query["team_id"] = team_id
        found = list(self.collection.find(query).limit(3))
        if not found:
            raise self.error(
                f"No active {self.word} with id or name {id_or_name!r}. `{self.command} list` shows them.")
        if len(found) > 1:
            raise self.error(
                f"{id_or_name!r} names active {self.word}s in more than one workspace; revoke by id or add --team."
            )
        doc = found[0]
        doc["revoked_at"] = now or datetime.now(UTC)
        self.collection.update_one({"_id": doc["_id"]}, {"$set": {"revoked_at": doc["revoked_at"]}})
        return self.record(doc)

    def verify(self, secret: str, now: datetime | None = None) -> Record | None:
        """The active record of ``secret``, or None. Looking up by hash compares no secrets in Python."""
        if not secret.startswith(self.prefix) or len(secret) > 200:
            return None
        doc = self.collection.find_one({"hash": hash_secret(secret), "revoked_at": None})
        if doc is None:
            return None
        moment = now or datetime.now(UTC)
        last = doc.get("last_used_at")
        # Record use at most once a minute: a busy integration should not write on every call.
        if last is None or (moment - last).total_seconds() > 60:
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {"last_used_at": moment}})
            doc["last_used_at"] = moment
        return self.record(doc)
