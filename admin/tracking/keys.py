"""Write keys: how a Segment-spec source (a website, an app, a server library) proves its workspace.

Made like API tokens (admin/shown_once.py): 32 random bytes shown once and kept only as a SHA-256, looked
up by hash. A write key may only send events to its own workspace; it reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from admin.shown_once import ShownOnceStore
from segcore.errors import SegmentError

COLLECTION = "write_keys"
PREFIX = "wk_"


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


def _from_doc(doc: dict[str, Any]) -> Source:
    return Source(doc["_id"], doc["team_id"], doc["name"], doc["hint"], doc["created_at"],
                  doc.get("last_used_at"), doc.get("revoked_at"))


class SourceStore(ShownOnceStore[Source]):
    """The ``write_keys`` collection."""

    collection_name = COLLECTION
    prefix = PREFIX
    word = "source"
    command = "segments source"
    error = WriteKeyError

    def record(self, doc: dict[str, Any]) -> Source:
        return _from_doc(doc)

    def create(self, team_id: str, name: str | None = None, now: datetime | None = None) -> tuple[Source, str]:
        """A new write key for ``team_id``; the key is returned once and never stored."""
        return self._create(team_id, name, now)
