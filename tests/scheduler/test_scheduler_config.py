"""Scheduler configuration from the environment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from scheduler import SchedulerConfig, config_from_settings
from scheduler.core import SegmentsScheduler
from segcore.campaigns import is_campaign_manager
from segcore.errors import SegmentError
from segments.config import Settings


def test_settings_to_scheduler_config() -> None:
    settings = Settings.from_env({
        "SEGMENTS_CAMPAIGN_MANAGERS": "U1, U2,,", "SEGMENTS_DIGEST_CHANNEL": "C-DIGEST",
        "SEGMENTS_DIGEST_TIME": "07:30", "SEGMENTS_SNAPSHOT_MINUTES": "15",
        "SEGMENTS_WEBHOOK_URL": "https://hooks.example/segments", "SEGMENTS_WEBHOOK_SECRET": "s",
    })
    config = config_from_settings(settings)
    assert config.campaign_manager_ids == ("U1", "U2")
    assert config.digest_time == time(7, 30) and config.digest_channel == "C-DIGEST"
    assert config.snapshot_interval == timedelta(minutes=15)
    assert config.webhook_url == "https://hooks.example/segments"
    assert is_campaign_manager("U2", settings) and is_campaign_manager("U1", config)
    defaults = config_from_settings(Settings.from_env({}))
    assert defaults.snapshot_interval == timedelta(hours=1) and defaults.campaign_manager_ids == ()
    with pytest.raises(SegmentError, match="HH:MM"):
        config_from_settings(Settings.from_env({"SEGMENTS_DIGEST_TIME": "9am"}))
    with pytest.raises(SegmentError, match="out of range"):
        config_from_settings(Settings.from_env({"SEGMENTS_SNAPSHOT_MINUTES": "0"}))
    with pytest.raises(SegmentError, match="whole number"):
        Settings.from_env({"SEGMENTS_SNAPSHOT_MINUTES": "often"})


def test_slots_are_the_same_on_every_instance() -> None:
    config = SchedulerConfig(snapshot_interval=timedelta(minutes=15), digest_time=time(9, 0))
    slot = SegmentsScheduler.slot_for
    fake = type("S", (), {"config": config})()
    now = datetime(2026, 11, 25, 10, 7, 12, tzinfo=UTC)
    assert slot(fake, "snapshot", now) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # type: ignore[arg-type]
    assert slot(fake, "digest", now) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # type: ignore[arg-type]
    early = datetime(2026, 11, 25, 8, 59, tzinfo=UTC)
    assert slot(fake, "digest", early) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # type: ignore[arg-type]
