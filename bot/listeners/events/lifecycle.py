"""The app leaving a workspace: ``app_uninstalled`` and ``tokens_revoked``.

Bolt answers these events without looking up a token (they arrive after the tokens are gone). We do what
Bolt's built-in listeners do to the OAuth store (uninstalled: the workspace's installations and bot tokens;
revoked: the named users' installations, and the bot token when it is among them), and mark the workspace
uninstalled (``segcore.storage.workspaces``) so the scheduler stops posting to it. Its segments and
campaigns stay (``segments workspace delete`` removes them).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.listeners.support import config_of, services_of, team_of
from bot.oauth_store import MongoInstallationStore
from segcore.storage.workspaces import mark_uninstalled

log = logging.getLogger("segments.bot")


def _installations(context: Any) -> MongoInstallationStore:
    config = config_of(context)
    client_id = config.oauth.client_id if config.oauth is not None else None
    return MongoInstallationStore(services_of(context).store.db, client_id=client_id)


def app_uninstalled(body: dict[str, Any], context: Any) -> None:
    services = services_of(context)
    slack_team = context.get("team_id") or body.get("team_id")
    _installations(context).delete_all(enterprise_id=context.get("enterprise_id"), team_id=slack_team)
    team = team_of(context, body)
    mark_uninstalled(services.store.db, team, "app_uninstalled", services.now())
    log.info("Slack app uninstalled from workspace %s: its tokens are deleted, its scheduled posts stopped; "
             "its segment data is kept", team)


def tokens_revoked(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    services = services_of(context)
    slack_team = context.get("team_id") or body.get("team_id")
    enterprise = context.get("enterprise_id")
    tokens = event.get("tokens") or {}
    installations = _installations(context)
    for user_id in tokens.get("oauth") or []:
        installations.delete_installation(enterprise_id=enterprise, team_id=slack_team, user_id=str(user_id))
    if tokens.get("bot"):
        installations.delete_bot(enterprise_id=enterprise, team_id=slack_team)
        team = team_of(context, body)
        mark_uninstalled(services.store.db, team, "tokens_revoked", services.now())
        log.info("Slack bot token of workspace %s revoked: its scheduled posts are stopped", team)
