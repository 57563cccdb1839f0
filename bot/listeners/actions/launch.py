"""Buttons of the launch checklist and the campaign card: open the checklist, Launch, Cancel, Export CSV."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient

from bot import launch_flow
from bot.blocks.launch import launching_message, not_launched_message
from bot.blocks.segment_card import notice_message
from bot.listeners.actions.common import action_value, on_click
from bot.listeners.export import upload_audience
from bot.listeners.support import config_of, services_of, team_of
from bot.replies import Reply
from bot.stores import LaunchClaims
from segcore.campaigns import NotAllowed, require_campaign_manager
from segcore.errors import SegmentError

log = logging.getLogger("segments.bot")

GONE = "That campaign no longer exists. `/campaign list` shows them all."
ALREADY = "This campaign is already being launched (or was launched): the message above shows how it went."


def _campaign(context: Any, body: dict[str, Any], campaign_id: str) -> Any:
    campaign = services_of(context).store.campaigns.get(team_of(context, body), campaign_id)
    if campaign is None:
        raise SegmentError(GONE)
    return campaign


@on_click("preparing the launch checklist", replace=False)
def open_checklist(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    """Launch on the campaign card: the checklist, as a new message below the card."""
    campaign = _campaign(context, body, action_value(body))
    reply.send(launch_flow.checklist_for(services_of(context), config_of(context), team_of(context, body),
                                         campaign.id, None, body["user"]["id"]))


@on_click("launching a campaign", replace=True)
def confirm(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    """Launch on the checklist: runs after the ack, shows "launching…", then the result, once."""
    services, config = services_of(context), config_of(context)
    team, user = team_of(context, body), body["user"]["id"]
    try:
        value = json.loads(action_value(body))
        campaign_id, holdout = str(value["c"]), value.get("h")
    except (ValueError, KeyError, TypeError):
        raise SegmentError("That Launch button is broken; run `/campaign launch NAME` again.") from None
    try:
        require_campaign_manager(user, config)
    except NotAllowed as exc:
        reply.send_new(notice_message(str(exc)))  # the checklist stays as it was
        return
    campaign = _campaign(context, body, campaign_id)
    claims = LaunchClaims(services.store.db, services.now)
    if not claims.claim(team, campaign.id):
        # A double click, or a second person: the first click's message shows the one result.
        log.info("launch of %s already claimed; not launching twice", campaign.id)
        reply.send_new(notice_message(ALREADY))
        return
    try:
        reply.send(launching_message(campaign.name))
        reply.send(launch_flow.launch(services, config, team, campaign.id,
                                      float(holdout) if holdout is not None else None, user))
    except Exception:
        claims.release(team, campaign.id)  # a failed launch can be launched again (it resumes)
        raise


@on_click("cancelling a launch", replace=True)
def cancel(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    campaign = _campaign(context, body, action_value(body))
    reply.send(not_launched_message(campaign.name))


@on_click("exporting an audience", replace=False)
def export(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    """Export CSV on the card of a launched campaign: the file goes to the channel the card is in."""
    campaign = _campaign(context, body, action_value(body))
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
                  or body["user"]["id"])
    upload_audience(services_of(context), client, reply, team_of(context, body), campaign, channel,
                    body["user"]["id"], config_of(context).pii_viewers)
