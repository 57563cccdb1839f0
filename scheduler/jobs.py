"""What each scheduled job does. Each takes the context and ``now`` and returns a small summary dict,
which is stored with the run in ``job_runs``. A failure on one workspace or campaign does not stop the
others: it is logged, reported in the summary, and the run is recorded as an error at the end.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scheduler import alerts
from scheduler.blocks import alert_blocks, digest_blocks, failure_blocks, launched_blocks
from scheduler.config import SchedulerConfig
from scheduler.digest import build_digest
from scheduler.notifier import Notifier, NotInstalled
from segcore.campaigns.delivery import DeliveryAdapter, deliver, deliveries
from segcore.campaigns.launch import get_campaign, launch
from segcore.campaigns.lifecycle import due_campaigns, fail_scheduled
from segcore.errors import SegmentError
from segcore.explain.why import latest_why, main_cause
from segcore.storage.workspaces import is_uninstalled

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.database import Store

log = logging.getLogger(__name__)
SCHEDULER_ACTOR = "scheduler"


@dataclass
class JobContext:
    store: Store
    audience: AudienceEngine
    notifier: Notifier | None
    config: SchedulerConfig
    delivery: DeliveryAdapter | None = None
    renew: Callable[[], None] = lambda: None  # keeps the lease while a long job works


class PartialFailure(SegmentError):
    """Some items of a job failed; the others were done. The summary lists which."""


def _teams(store: Store, collection: str) -> list[str]:
    return sorted(t for t in store.db[collection].distinct("team_id") if isinstance(t, str))


def _post(ctx: JobContext, team_id: str, channel: str | None, message: tuple[str, list[dict[str, Any]]]) -> bool:
    if ctx.notifier is None or not channel:
        return False
    # A workspace that removed the app (or whose bot token was revoked) is not posted to, quietly: its data
    # stays, but every run failing on it would be noise, and posting there cannot work.
    if is_uninstalled(ctx.store.db, team_id):
        log.debug("not posting to workspace %s: the app is uninstalled there", team_id)
        return False
    text, blocks = message
    try:
        ctx.notifier.post(team_id, channel, text, blocks)
    except NotInstalled:
        log.debug("not posting to workspace %s: no installation", team_id)
        return False
    return True


def launch_due(ctx: JobContext, now: datetime) -> dict[str, Any]:
    """Launch scheduled campaigns whose time has come, resume launches left half-way, deliver them."""
    launched, failed = [], []
    for team_id, campaign_id in due_campaigns(ctx.store, now):
        ctx.renew()
        try:
            result = launch(ctx.store, team_id, campaign_id, now, actor=SCHEDULER_ACTOR)
        except SegmentError as exc:
            name = _name(ctx, team_id, campaign_id)
            _mark_failed(ctx, team_id, campaign_id, str(exc))
            failed.append({"campaign_id": campaign_id, "error": str(exc)})
            _safe_post(ctx, team_id, ctx.config.digest_channel, failure_blocks(name, str(exc)))
            continue
        entry: dict[str, Any] = {"campaign_id": campaign_id, "audience_size": result.audience_size}
        if ctx.delivery is not None:
            try:
                report = deliver(ctx.store, team_id, campaign_id, ctx.delivery, now)
                entry["delivered_users"] = report.sent_users
            except SegmentError as exc:
                entry["delivery_error"] = str(exc)
                failed.append({"campaign_id": campaign_id, "error": str(exc)})
        launched.append(entry)
        _safe_post(ctx, team_id, ctx.config.digest_channel, launched_blocks(result))
    if ctx.delivery is not None:
        _retry_deliveries(ctx, now, launched, failed)
    summary = {"launched": launched, "failed": failed}
    if failed:
        raise PartialFailure(f"{len(failed)} campaign(s) could not be launched or delivered: {failed}")
    return summary


def _retry_deliveries(ctx: JobContext, now: datetime, launched: list[dict[str, Any]],
                      failed: list[dict[str, Any]]) -> None:
    """Deliveries that failed on an earlier run (the webhook was down) are tried again, missing batches only."""
    assert ctx.delivery is not None
    just_done = {entry["campaign_id"] for entry in launched}
    pending = deliveries(ctx.store.db).aggregate([
        {"$match": {"adapter": ctx.delivery.name, "status": "failed"}},
        {"$group": {"_id": {"team_id": "$team_id", "campaign_id": "$campaign_id"}}},
    ])
    for group in pending:
        team_id, campaign_id = group["_id"]["team_id"], group["_id"]["campaign_id"]
        if campaign_id in just_done:
            continue
        ctx.renew()
        try:
            report = deliver(ctx.store, team_id, campaign_id, ctx.delivery, now)
            launched.append({"campaign_id": campaign_id, "delivered_users": report.sent_users, "retried": True})
        except SegmentError as exc:
            failed.append({"campaign_id": campaign_id, "error": str(exc)})


def snapshot(ctx: JobContext, now: datetime) -> dict[str, Any]:
    """Size every segment of every workspace (many segments in one pass) and fire threshold alerts."""
    measured = fired = 0
    errors = []
    for team_id in _teams(ctx.store, "segments"):
        ctx.renew()
        try:
            sizes = ctx.audience.snapshot_all(team_id, now)
            observed = [(s.id, s.name, s.alert, int(sizes[s.id]))
                        for s in ctx.store.segments.list(team_id) if s.id in sizes]
            measured += len(sizes)
            for event in alerts.evaluate(ctx.store.db, team_id, observed, now):
                event = _with_cause(ctx, event)
                channel = event.channel or ctx.config.digest_channel
                if _safe_post(ctx, team_id, channel, alert_blocks(event)):
                    fired += 1
        except SegmentError as exc:
            errors.append({"team_id": team_id, "error": str(exc)})
    if errors:
        raise PartialFailure(f"Snapshots failed for {len(errors)} workspace(s): {errors}")
    return {"segments": measured, "alerts": fired}


def _with_cause(ctx: JobContext, event: alerts.AlertEvent) -> alerts.AlertEvent:
    try:
        why = latest_why(ctx.store, ctx.store.catalog, event.team_id, event.segment_id)
    except SegmentError:  # the alert matters more than its cause
        log.exception("no cause for the alert on %s", event.segment_id)
        return event
    return dataclasses.replace(event, cause=main_cause(why)) if why is not None else event


def digest(ctx: JobContext, now: datetime) -> dict[str, Any]:
    channel = ctx.config.digest_channel
    if not channel or ctx.notifier is None:
        return {"posted": 0, "note": "no digest channel configured"}
    posted = 0
    for team_id in _teams(ctx.store, "segments"):
        ctx.renew()
        if _post(ctx, team_id, channel, digest_blocks(build_digest(ctx.store, team_id, now))):
            posted += 1
    return {"posted": posted}


def _safe_post(ctx: JobContext, team_id: str, channel: str | None,
               message: tuple[str, list[dict[str, Any]]]) -> bool:
    # A Slack hiccup must not undo a launch or a snapshot that already happened.
    try:
        return _post(ctx, team_id, channel, message)
    except Exception:
        log.exception("could not post to %s", channel)
        return False


def _mark_failed(ctx: JobContext, team_id: str, campaign_id: str, reason: str) -> None:
    try:
        fail_scheduled(ctx.store, team_id, campaign_id, SCHEDULER_ACTOR, reason)
    except Exception:
        log.exception("could not record the failed launch of %s", campaign_id)


def _name(ctx: JobContext, team_id: str, campaign_id: str) -> str:
    try:
        return get_campaign(ctx.store, team_id, campaign_id).name
    except SegmentError:
        return campaign_id


JOBS: dict[str, Callable[[JobContext, datetime], dict[str, Any]]] = {
    "launch_due": launch_due,
    "snapshot": snapshot,
    "digest": digest,
}
