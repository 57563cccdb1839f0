"""Segments, campaigns and members as JSON-ready dicts, the same for the API and the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from segcore import describe, rule_to_json
from segcore.catalog import FieldCatalog

if TYPE_CHECKING:
    from segcore.storage.campaigns import Campaign
    from segcore.storage.segments import Segment


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


def segment_json(segment: Segment, catalog: FieldCatalog) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "rule": rule_to_json(segment.rule),
        "description": describe(segment.rule, catalog),
        "text": segment.text,
        "source": segment.source,
        "size": segment.last_size,
        "counted_at": iso(segment.last_counted_at),
        "created_by": segment.created_by,
        "created_at": iso(segment.created_at),
        "updated_at": iso(segment.updated_at),
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "channel": campaign.channel,
        "message": campaign.message,
        "owner": campaign.owner,
        "segment_ids": list(campaign.segment_ids),
        "status": campaign.status,
        "schedule_at": iso(campaign.schedule_at),
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
    }


def plain(value: Any) -> Any:
    """A stored document's value as JSON: dates as ISO 8601 text, ids as strings."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k != "_id"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def history_json(points: list[tuple[datetime, int]]) -> list[dict[str, Any]]:
    return [{"at": iso(at), "size": size} for at, size in points]
