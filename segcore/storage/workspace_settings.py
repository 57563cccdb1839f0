"""Per-workspace settings: one document per team in ``workspace_settings`` (today: its time zone).

A workspace that sets no zone reads calendar words in the deployment's default (SEGMENTS_TIMEZONE, UTC
unless set). Saved segments store calendar words, never instants, so changing the zone moves where their
"last month" starts and ends at the next count, and nothing stored needs rewriting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo.collection import Collection

from segcore.storage.audit import AuditLog
from segcore.storage.errors import Outage
from segcore.timezones import DEFAULT_ZONE, in_zone, time_zone, zone_name


@dataclass(frozen=True)
class WorkspaceSettings:
    team_id: str
    time_zone: str
    # True when the workspace set no zone of its own and follows the deployment's default.
    time_zone_is_default: bool


class WorkspaceRepository:
    def __init__(
        self,
        collection: Collection[dict[str, Any]],
        audit: AuditLog,
        outage: Outage | None = None,
        default_zone: str = DEFAULT_ZONE,
    ) -> None:
        self.collection = collection
        self.audit = audit
        self.outage = outage or Outage()
        self.default_zone = zone_name(time_zone(default_zone))

    def settings(self, team_id: str) -> WorkspaceSettings:
        with self.outage.guard():
            doc = self.collection.find_one({"_id": team_id}, {"time_zone": 1})
        chosen = (doc or {}).get("time_zone")
        if isinstance(chosen, str) and chosen:
            return WorkspaceSettings(team_id, chosen, False)
        return WorkspaceSettings(team_id, self.default_zone, True)

    def time_zone(self, team_id: str) -> ZoneInfo:
        """The zone the workspace's calendar words are read in."""
        return time_zone(self.settings(team_id).time_zone)

    def local_now(self, team_id: str, now: datetime) -> datetime:
        """The instant ``now`` on the workspace's clock (the form every reader of calendar words takes)."""
        return in_zone(now, self.time_zone(team_id))

    def set_time_zone(self, team_id: str, name: object, by: str) -> WorkspaceSettings:
        """Set the workspace's zone (``InvalidTimeZone`` names what is allowed); an empty name or None goes
        back to the deployment's default."""
        if name is None or (isinstance(name, str) and not name.strip()):
            with self.outage.guard():
                self.collection.update_one({"_id": team_id}, {"$unset": {"time_zone": ""},
                                                              "$set": {"updated_at": datetime.now(UTC)}})
            self.audit.record(team_id, by, "workspace.set_time_zone", team_id, {"time_zone": None})
            return self.settings(team_id)
        chosen = zone_name(time_zone(name))
        with self.outage.guard():
            self.collection.update_one(
                {"_id": team_id},
                {"$set": {"team_id": team_id, "time_zone": chosen, "updated_at": datetime.now(UTC)}},
                upsert=True,
            )
        self.audit.record(team_id, by, "workspace.set_time_zone", team_id, {"time_zone": chosen})
        return WorkspaceSettings(team_id, chosen, False)
