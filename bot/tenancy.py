"""A single-workspace install answers its own workspace only.

With ``SLACK_TEAM_ID`` set and no OAuth, every request reads that workspace's data (``team_of``). If the app
were ever installed in a second workspace (same signing secret), that workspace's requests would read the
first one's segments; so a request whose workspace id is another one is refused before any listener runs:
a slash command gets a short ephemeral answer, everything else an empty 200 (so Slack does not retry), and
nothing is read or written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.services import BotConfig

log = logging.getLogger("segments.bot")

OTHER_WORKSPACE = ("This Segments app serves another Slack workspace, so it cannot answer here. "
                   "Ask your Segments admin to install it for this workspace.")


def request_team(body: dict[str, Any]) -> str | None:
    """The workspace a request came from: ``team_id`` (commands, events) or ``team.id`` (interactivity)."""
    team = body.get("team_id")
    if not team and isinstance(body.get("team"), dict):
        team = body["team"].get("id")
    if not team:
        event = body.get("event")
        if isinstance(event, dict):
            team = event.get("team")
    return str(team) if team else None


def single_workspace_guard(config: BotConfig) -> Callable[..., BoltResponse | None]:
    def guard(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
        team = request_team(body) if isinstance(body, dict) else None
        if team is None or team == config.team_id:
            return next()
        log.warning("refused a Slack request from workspace %s: this install serves %s (type=%s)",
                    team, config.team_id, body.get("type") or body.get("command"))
        if body.get("command"):
            return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": OTHER_WORKSPACE}),
                                headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")

    return guard
