"""Campaigns: a message on a channel, owned by someone, aimed at one or more segments of the workspace.

Launching, audiences and holdouts come later; ``status`` and the document leave room for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection

from segcore.errors import SegmentError
from segcore.rules import to_millisecond
from segcore.storage.audit import AuditLog
from segcore.storage.errors import DuplicateCampaignName, NotFound, Outage
from segcore.storage.named import NamedRepository, stored_now
from segcore.storage.segments import SegmentRepository

CHANNELS = ("email", "sms", "push", "other")
STATUSES = ("draft", "scheduled", "launching", "launched", "cancelled", "failed")
MAX_MESSAGE = 5000
MAX_SEGMENTS = 20
EDITABLE = ("name", "channel", "message", "owner", "segment_ids", "status", "schedule_at")


class CampaignNotFound(NotFound):
    """No campaign with that id in this workspace."""


class InvalidCampaign(SegmentError):
    """A campaign field has a value that is not allowed."""


@dataclass(frozen=True)
class Campaign:
    id: str
    team_id: str
    name: str
    channel: str
    message: str
    owner: str
    segment_ids: tuple[str, ...]
    status: str
    schedule_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Campaign:
        return cls(
            id=str(doc["_id"]),
            team_id=doc["team_id"],
            name=doc["name"],
            channel=doc["channel"],
            message=doc.get("message", ""),
            owner=doc.get("owner", ""),
            segment_ids=tuple(doc.get("segment_ids", ())),
            status=doc.get("status", "draft"),
            schedule_at=doc.get("schedule_at"),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


def _channel(value: Any) -> str:
    if value not in CHANNELS:
        raise InvalidCampaign(f"Unknown channel {value!r}; allowed: {', '.join(CHANNELS)}.")
    return str(value)


def _status(value: Any) -> str:
    if value not in STATUSES:
        raise InvalidCampaign(f"Unknown campaign status {value!r}; allowed: {', '.join(STATUSES)}.")
    return str(value)


def _message(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidCampaign("The campaign message must be text.")
    if len(value) > MAX_MESSAGE:
        raise InvalidCampaign(f"A campaign message can be at most {MAX_MESSAGE:,} characters.")
    return value


def _schedule(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidCampaign("The schedule must be a moment with a time zone (UTC), or none.")
    return to_millisecond(value.astimezone(UTC))


# The fields whose new value needs nothing but itself to be checked, in the order they are checked.
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "channel": _channel,
    "message": _message,
    "owner": str,
    "status": _status,
    "schedule_at": _schedule,
}


class CampaignRepository(NamedRepository[Campaign]):
    model = Campaign
    what = "campaign"
    not_found_error = CampaignNotFound
    duplicate_error = DuplicateCampaignName
    duplicate_advice = "Choose another name."

    def __init__(
        self,
        collection: Collection[dict[str, Any]],
        segments: SegmentRepository,
        audit: AuditLog,
        outage: Outage | None = None,
    ) -> None:
        super().__init__(collection, audit, outage)
        self.segments = segments

    def _segment_ids(self, team_id: str, segment_ids: Iterable[str]) -> list[str]:
        ids: list[str] = []
        for segment_id in segment_ids:
            if self.segments.get(team_id, segment_id) is None:
                raise self.segments.not_found(segment_id)
            if segment_id not in ids:
                ids.append(segment_id)
        if len(ids) > MAX_SEGMENTS:
            raise InvalidCampaign(f"A campaign can target at most {MAX_SEGMENTS} segments.")
        return ids

    def create(
        self,
        team_id: str,
        name: str,
        channel: str,
        message: str,
        owner: str,
        segment_ids: Iterable[str] = (),
        schedule_at: datetime | None = None,
        *,
        campaign_id: str | None = None,
    ) -> Campaign:
        """A new campaign; ``campaign_id`` as for ``SegmentRepository.create`` (a repeated call with the
        same id returns the campaign the first one made)."""
        named = self._name_fields(name)
        now = stored_now()
        doc: dict[str, Any] = {
            "team_id": team_id,
            **named,
            "channel": _channel(channel),
            "message": _message(message),
            "owner": owner,
            "segment_ids": self._segment_ids(team_id, segment_ids),
            "status": "scheduled" if schedule_at is not None else "draft",
            "schedule_at": _schedule(schedule_at),
            "created_at": now,
            "updated_at": now,
        }
        return self.insert_new(doc, campaign_id, owner, "campaign.create",
                               {"name": named["name"], "channel": channel})

    def update(self, team_id: str, campaign_id: str, by: str = "", **changes: Any) -> Campaign:
        """Change some of name, channel, message, owner, segment_ids, status, schedule_at."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidCampaign(f"Cannot change {', '.join(unknown)}; editable: {', '.join(EDITABLE)}.")
        fields: dict[str, Any] = {}
        if "name" in changes:
            fields.update(self._name_fields(changes["name"]))
        for field, check in _CHECKS.items():
            if field in changes:
                fields[field] = check(changes[field])
        if "segment_ids" in changes:
            fields["segment_ids"] = self._segment_ids(team_id, changes["segment_ids"])
        fields["updated_at"] = stored_now()
        campaign = self._change(team_id, campaign_id, {"$set": fields}, fields.get("name"))
        logged = {k: v for k, v in fields.items() if k not in ("name_lower", "updated_at")}
        self.audit.record(team_id, by or campaign.owner, "campaign.update", campaign.id, logged)
        return campaign

    def attach(self, team_id: str, campaign_id: str, segment_id: str, by: str = "") -> Campaign:
        """Aim the campaign at one more segment (which must exist in the same workspace)."""
        self._segment_ids(team_id, [segment_id])
        current = self.get(team_id, campaign_id)
        if current is None:
            raise self.not_found(campaign_id)
        if segment_id not in current.segment_ids and len(current.segment_ids) >= MAX_SEGMENTS:
            raise InvalidCampaign(f"A campaign can target at most {MAX_SEGMENTS} segments.")
        campaign = self._change(
            team_id, campaign_id, {"$addToSet": {"segment_ids": segment_id}, "$set": {"updated_at": stored_now()}}
        )
        self.audit.record(team_id, by or campaign.owner, "campaign.attach", campaign.id, {"segment_id": segment_id})
        return campaign

    def detach(self, team_id: str, campaign_id: str, segment_id: str, by: str = "") -> Campaign:
        campaign = self._change(
            team_id, campaign_id, {"$pull": {"segment_ids": segment_id}, "$set": {"updated_at": stored_now()}}
        )
        self.audit.record(team_id, by or campaign.owner, "campaign.detach", campaign.id, {"segment_id": segment_id})
        return campaign

    def delete(self, team_id: str, campaign_id: str, by: str = "", status: str | None = None) -> bool:
        """Delete the campaign; with ``status``, only while it still has that status (the caller's check
        of who may delete it held for that status), else nothing is deleted and the answer is False."""
        doc = self._remove(team_id, campaign_id, {} if status is None else {"status": status})
        if doc is None:
            return False
        self.audit.record(team_id, by or doc.get("owner", ""), "campaign.delete", campaign_id, {"name": doc["name"]})
        return True
