"""Building the scheduler from the environment settings: what ``segments serve`` and the CLI call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.config import config_from_settings
from scheduler.core import SegmentsScheduler, build_scheduler
from scheduler.notifier import Notifier
from segments.config import Settings

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.database import Store


def notifier_from_settings(settings: Settings) -> Notifier | None:
    """The Slack notifier when a bot token is configured (``SLACK_API_URL`` selects a stand-in in tests)."""
    if not settings.slack_bot_token:
        return None
    from scheduler.slack_notifier import SlackNotifier

    return SlackNotifier(settings.slack_bot_token, settings.slack_api_url)


def scheduler_from_settings(store: Store, audience: AudienceEngine, settings: Settings) -> SegmentsScheduler:
    """``scheduler_from_settings(store, engine, settings).start()`` beside the web app; ``.shutdown()`` at exit."""
    return build_scheduler(store, audience, notifier_from_settings(settings), config_from_settings(settings))
