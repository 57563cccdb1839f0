"""What the scheduler needs to know, as one dataclass built by the composition root."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from segcore.errors import SegmentError
from segments.config import Settings

# Interval jobs are aligned on this instant so every app instance computes the same fire times.
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class SchedulerConfig:
    snapshot_interval: timedelta = timedelta(hours=1)
    launch_interval: timedelta = timedelta(minutes=1)
    digest_time: time = time(9, 0)  # UTC
    digest_channel: str | None = None
    lease_ttl: timedelta = timedelta(minutes=10)
    campaign_manager_ids: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_batch_size: int = 500
    # How late a run may start after downtime and still happen (later runs are recorded as missed).
    snapshot_grace: timedelta | None = None  # default: half the snapshot interval
    launch_grace: timedelta = timedelta(hours=1)
    digest_grace: timedelta = timedelta(hours=6)
    jobstore_collection: str = "scheduler_jobs"
    instance_id: str = field(default_factory=_instance_id)
    jobs: tuple[str, ...] = ("launch_due", "snapshot", "digest")
    max_workers: int = 3

    def grace_for(self, job: str) -> timedelta:
        if job == "snapshot":
            return self.snapshot_grace or max(self.snapshot_interval / 2, timedelta(seconds=1))
        return self.launch_grace if job == "launch_due" else self.digest_grace

    def interval_for(self, job: str) -> timedelta | None:
        return {"snapshot": self.snapshot_interval, "launch_due": self.launch_interval}.get(job)


def parse_digest_time(text: str) -> time:
    """'09:00' (UTC) to a time, with a clear message when it is not one."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise SegmentError(f"SEGMENTS_DIGEST_TIME {text!r} is not HH:MM (UTC), e.g. 09:00.") from None


def config_from_settings(settings: Settings) -> SchedulerConfig:
    """The scheduler's configuration from the environment settings (the composition root calls this)."""
    if not 1 <= settings.snapshot_minutes <= 7 * 24 * 60:
        raise SegmentError(
            f"SEGMENTS_SNAPSHOT_MINUTES {settings.snapshot_minutes:g} is out of range: use 1 to 10080 (a week)."
        )
    return SchedulerConfig(
        snapshot_interval=timedelta(minutes=settings.snapshot_minutes),
        digest_time=parse_digest_time(settings.digest_time),
        digest_channel=settings.digest_channel,
        campaign_manager_ids=settings.campaign_managers,
        webhook_url=settings.webhook_url,
        webhook_secret=settings.webhook_secret,
    )
