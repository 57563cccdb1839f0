"""Whether a workspace still has the Slack app, and removing everything a workspace owns.

When Slack tells us the app was uninstalled (or its bot token revoked), the workspace is marked
``uninstalled`` in ``slack_workspaces``: the scheduler then posts nothing to it (no digest, no alert, no
launch report), while its segments, campaigns, people and history stay, so a reinstall finds them. A new
installation (OAuth) or a bot token that Slack accepts at start-up clears the mark.

Removing all of a workspace's data is a separate, deliberate act (``segments workspace delete --team T
--yes``): every document carrying its ``team_id``, in every collection, the audit log included. What was
removed, when and by whom is kept in ``workspace_deletions`` (which holds no personal data: counts per
collection) and logged, since the workspace's own audit log is gone with the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import WriteConcern
from pymongo.database import Database

from segcore.errors import SegmentError

WORKSPACES = "slack_workspaces"
DELETIONS = "workspace_deletions"
# Never emptied by a deletion: the record of deletions itself.
KEPT = frozenset({DELETIONS})

log = logging.getLogger("segments.workspaces")


def mark_uninstalled(db: Database[Any], team_id: str, reason: str, at: datetime) -> None:
    db[WORKSPACES].update_one(
        {"_id": team_id},
        {"$set": {"team_id": team_id, "status": "uninstalled", "reason": reason, "at": at}},
        upsert=True,
    )


def mark_installed(db: Database[Any], team_id: str, at: datetime) -> None:
    db[WORKSPACES].update_one(
        {"_id": team_id},
        {"$set": {"team_id": team_id, "status": "installed", "reason": None, "at": at}},
        upsert=True,
    )


def is_uninstalled(db: Database[Any], team_id: str) -> bool:
    found = db[WORKSPACES].find_one({"_id": team_id}, {"status": 1})
    return found is not None and found.get("status") == "uninstalled"


@dataclass(frozen=True)
class WorkspaceDeletion:
    team_id: str
    removed: dict[str, int]  # collection -> documents removed

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def delete_workspace(db: Database[Any], team_id: str, actor: str, now: datetime | None = None) -> WorkspaceDeletion:
    """Remove every document of ``team_id`` from every collection and record the deletion."""
    if not team_id or not isinstance(team_id, str):
        raise SegmentError("Name the workspace to delete with its team id (for example --team T0123ABC).")
    at = now or datetime.now(UTC)
    # Recorded first: if the deletion stops half-way, the record says it was started and by whom.
    record = db.get_collection(DELETIONS, write_concern=WriteConcern(w=1, j=True)).insert_one(
        {"team_id": team_id, "actor": actor, "started_at": at, "finished_at": None, "removed": {}})
    removed: dict[str, int] = {}
    for name in sorted(db.list_collection_names()):
        if name in KEPT or name.startswith("system."):
            continue
        count = db[name].delete_many({"team_id": team_id}).deleted_count
        if count:
            removed[name] = count
    db[DELETIONS].update_one({"_id": record.inserted_id},
                             {"$set": {"removed": removed, "finished_at": datetime.now(UTC)}})
    log.warning("workspace %s: all its data deleted by %s (%d documents: %s)", team_id, actor,
                sum(removed.values()), ", ".join(f"{k} {v}" for k, v in removed.items()) or "none")
    return WorkspaceDeletion(team_id, removed)


def deletions(db: Database[Any], team_id: str) -> list[dict[str, Any]]:
    return list(db[DELETIONS].find({"team_id": team_id}, {"_id": 0}).sort("started_at", 1))
