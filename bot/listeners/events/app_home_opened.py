"""App Home: the workspace's segments with sizes and trend, recent campaigns, a Create segment button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot import campaign_flow, library_flow, why_flow
from bot.blocks.home import home_view
from bot.errors import describe_failure
from bot.listeners.support import later, services_of, team_of
from bot.services import BotServices

log = logging.getLogger("segments.bot")


def app_home_opened(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    later(context, "publishing App Home", lambda: publish_home(context, client, event["user"], body))


def publish_home(context: Any, client: WebClient, user: str, body: dict[str, Any]) -> None:
    _publish(client, user, lambda: _home(services_of(context), team_of(context, body)))


def publish_home_for(services: BotServices, team: str, client: WebClient, user: str) -> None:
    """Publish ``user``'s Home tab of workspace ``team`` (also from a replayed submission, without a request)."""
    _publish(client, user, lambda: _home(services, team))


def _home(services: BotServices, team: str) -> dict[str, Any]:
    rows = library_flow.rows(services, team)
    return home_view(rows, campaign_flow.recent(services, team, 15), services.now(),
                     changes=why_flow.changes_since_yesterday(services, team, rows))


def _publish(client: WebClient, user: str, build: Callable[[], dict[str, Any]]) -> None:
    try:
        view = build()
    except Exception as exc:
        text, ref = describe_failure(exc, "building App Home")
        problem = f"{text} (reference {ref})" if ref else text
        view = home_view([], [], problem=problem)
    try:
        client.views_publish(user_id=user, view=view)
    except Exception as exc:
        describe_failure(exc, "publishing App Home")
