"""The audit log: who changed what in a workspace, and when."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection

from segcore.storage.errors import Outage, StorageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    team_id: str
    at: datetime
    actor: str
    action: str
    target: str
    details: Mapping[str, Any]


class AuditLog:
    def __init__(self, collection: Collection[dict[str, Any]], outage: Outage | None = None) -> None:
        self.collection = collection
        self.outage = outage or Outage()

    def record(
        self, team_id: str, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None
    ) -> None:
        entry = {
            "team_id": team_id,
            "at": datetime.now(UTC),
            "actor": actor,
            "action": action,
            "target": target,
            "details": dict(details or {}),
        }
        try:
            with self.outage.guard():
                self.collection.insert_one(entry)
        except StorageError as exc:
            # Every entry records a change already made: failing here would tell the user it was not made,
            # and they would make it again. The entry goes to the error log instead, whole, to be restored.
            log.error("audit entry not stored (%s): %r", exc, entry)

    def has(self, team_id: str, action: str, target: str) -> bool:
        """Whether ``action`` on ``target`` is already recorded (a create repeated by a replay is not)."""
        with self.outage.guard():
            return self.collection.find_one({"team_id": team_id, "action": action, "target": target},
                                            {"_id": 1}) is not None

    def list(self, team_id: str, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first."""
        with self.outage.guard():
            docs = list(self.collection.find({"team_id": team_id}).sort("at", DESCENDING).limit(max(1, limit)))
        return [
            AuditEntry(d["team_id"], d["at"], d["actor"], d["action"], d["target"], d.get("details", {}))
            for d in docs
        ]
