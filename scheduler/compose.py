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


def notifier_from_settings(settings: Settings, store: Store | None = None) -> Notifier | None:
    """The Slack notifier (``SLACK_API_URL`` selects a stand-in in tests): with the bot token of a
    single-workspace install, or, for an OAuth install (several workspaces), with each workspace's own bot
    token from the installation store, so a workspace without an installation is never posted to."""
    from scheduler.slack_notifier import SlackNotifier

    if settings.slack_bot_token:
        return SlackNotifier(settings.slack_bot_token, settings.slack_api_url)
    if not (settings.slack_client_id and settings.slack_client_secret) or store is None:
        return None
    from bot.oauth_store import MongoInstallationStore  # the composition's business, not the jobs'

    installations = MongoInstallationStore(store.db, client_id=settings.slack_client_id)

    def token_for(team_id: str) -> str | None:
        bot = installations.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    return SlackNotifier(token_for, settings.slack_api_url)


def scheduler_from_settings(store: Store, audience: AudienceEngine, settings: Settings) -> SegmentsScheduler:
    """``scheduler_from_settings(store, engine, settings).start()`` beside the web app; ``.shutdown()`` at exit."""
    return build_scheduler(store, audience, notifier_from_settings(settings, store),
                           config_from_settings(settings))
