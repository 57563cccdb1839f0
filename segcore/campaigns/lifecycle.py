"""Status changes other than launch: schedule, unschedule, cancel. Each is checked and audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from segcore.campaigns.errors import LaunchError
from segcore.campaigns.launch import get_campaign, launches
from segcore.campaigns.status import check_transition

STALE_LAUNCH = timedelta(minutes=5)

if TYPE_CHECKING:
    from segcore.storage.campaigns import Campaign
    from segcore.storage.database import Store


def schedule(store: Store, team_id: str, campaign_id: str, at: datetime, actor: str, now: datetime) -> Campaign:
    """Launch automatically at ``at`` (the scheduler's launch job picks it up). Callers check the role."""
    campaign = get_campaign(store, team_id, campaign_id)
    if at.tzinfo is None:
        raise LaunchError("Give the launch time with a time zone (e.g. 2026-12-01T09:00+05:30).")
    if at <= now:
        raise LaunchError(f"The launch time {at:%Y-%m-%d %H:%M} UTC is in the past; choose a later time.")
    if not campaign.segment_ids:
        raise LaunchError(f"Campaign {campaign.name!r} has no segment attached; attach one before scheduling.")
    if campaign.status != "scheduled":
        check_transition(campaign.name, campaign.status, "scheduled")
    store.campaigns.update(team_id, campaign_id, by=actor, status="scheduled", schedule_at=at)
    store.audit.record(team_id, actor, "campaign.schedule", campaign_id, {"at": at.isoformat()})
    return get_campaign(store, team_id, campaign_id)


def unschedule(store: Store, team_id: str, campaign_id: str, actor: str) -> Campaign:
    return _unschedule_to(store, team_id, campaign_id, actor, "draft", "campaign.unschedule")


def cancel(store: Store, team_id: str, campaign_id: str, actor: str) -> Campaign:
    return _unschedule_to(store, team_id, campaign_id, actor, "cancelled", "campaign.cancel")


def _unschedule_to(store: Store, team_id: str, campaign_id: str, actor: str, status: str, action: str) -> Campaign:
    """Move the campaign to ``status`` with no launch time left, if that move is allowed; audit it as ``action``."""
    campaign = get_campaign(store, team_id, campaign_id)
    check_transition(campaign.name, campaign.status, status)
    store.campaigns.update(team_id, campaign_id, by=actor, status=status, schedule_at=None)
    store.audit.record(team_id, actor, action, campaign_id, {})
    return get_campaign(store, team_id, campaign_id)


def fail_scheduled(store: Store, team_id: str, campaign_id: str, actor: str, reason: str) -> None:
    """A scheduled campaign that could not even start launching stops being due (no retry every minute)."""
    campaign = get_campaign(store, team_id, campaign_id)
    if campaign.status != "scheduled":
        return
    store.campaigns.update(team_id, campaign_id, by=actor, status="failed")
    store.audit.record(team_id, actor, "campaign.fail", campaign_id, {"reason": reason})


def due_campaigns(store: Store, now: datetime, stale: timedelta = STALE_LAUNCH) -> list[tuple[str, str]]:
    """(team_id, campaign_id) of scheduled campaigns whose time has come, and launches left half-way.

    A launch counts as left half-way when its campaign is still "launching" and its progress has not
    moved for ``stale`` (a launch that is running right now, from Slack say, is left alone).
    """
    due = [(d["team_id"], str(d["_id"])) for d in store.db.campaigns.find(
        {"status": "scheduled", "schedule_at": {"$lte": now}}, {"team_id": 1}).sort("schedule_at", 1)]
    for doc in store.db.campaigns.find({"status": "launching"}, {"team_id": 1}):
        state = launches(store.db).find_one({"_id": f"{doc['team_id']}:{doc['_id']}"}, {"heartbeat": 1})
        beat = state.get("heartbeat") if state else None
        if beat is None or beat <= now - stale:
            due.append((doc["team_id"], str(doc["_id"])))
    return due
