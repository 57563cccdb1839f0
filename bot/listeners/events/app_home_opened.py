"""App Home: the workspace's segments with sizes and trend, recent campaigns, a Create segment button."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot import campaign_flow, library_flow
from bot.blocks.home import home_view
from bot.errors import describe_failure
from bot.listeners.support import later, services_of, team_of

log = logging.getLogger("segments.bot")


def app_home_opened(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    later(context, "publishing App Home", lambda: publish_home(context, client, event["user"], body))


def publish_home(context: Any, client: WebClient, user: str, body: dict[str, Any]) -> None:
    try:
        services = services_of(context)
        team = team_of(context, body)
        view = home_view(library_flow.rows(services, team), campaign_flow.recent(services, team, 15),
                         services.now())
    except Exception as exc:
        text, ref = describe_failure(exc, "building App Home")
        problem = f"{text} (reference {ref})" if ref else text
        view = home_view([], [], problem=problem)
    try:
        client.views_publish(user_id=user, view=view)
    except Exception as exc:
        describe_failure(exc, "publishing App Home")
