"""Buttons on a segment card, a refusal and a disagreement."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import compact_json
from bot.blocks.library import help_message
from bot.blocks.modals import new_campaign_view, save_segment_view
from bot.blocks.segment_card import counting_message, notice_message
from bot.blocks.whatif import whatif_message
from bot.listeners.actions.common import action_value, on_click, open_builder, origin_of
from bot.listeners.support import config_of, services_of, team_of
from bot.replies import Reply
from bot.segment_flow import draft_card, load_draft
from segcore.errors import SegmentError
from segcore.explain.whatif import what_if
from segcore.rendering import describe

EXPIRED = "That card has expired (cards keep their buttons for 7 days). Ask again with /segment."


def _draft(context: Any, body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    loaded = load_draft(services_of(context), team_of(context, body), action_value(body))
    if loaded is None:
        raise SegmentError(EXPIRED)
    return loaded


@on_click("opening Save segment", replace=False)
def save_segment(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    rule, _ = _draft(context, body)
    metadata = compact_json(origin_of(body, d=action_value(body)))
    client.views_open(trigger_id=body["trigger_id"], view=save_segment_view(
        metadata, description=describe(rule, services_of(context).catalog)))


@on_click("opening the rule builder", replace=False)
def edit_rules(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    rule, _ = _draft(context, body)
    open_builder(client, body["trigger_id"], services_of(context).catalog, rule,
                 origin_of(body))


@on_click("opening New campaign", replace=False)
def create_campaign(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    services = services_of(context)
    rule, _ = _draft(context, body)
    metadata = compact_json(origin_of(body, d=action_value(body)))
    client.views_open(trigger_id=body["trigger_id"], view=new_campaign_view(
        [], metadata, draft_description=describe(rule, services.catalog)))


@on_click("working out what if", replace=False)
def what_if_curves(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    """The card's sizes as each threshold moves, as a new message beside the card."""
    services = services_of(context)
    rule, _ = _draft(context, body)
    answer = what_if(services.engine, team_of(context, body), rule, services.now())
    reply.send_new(whatif_message(answer, describe(rule, services.catalog), services.catalog))


@on_click("sharing a segment", replace=True)
def share_in_channel(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    services = services_of(context)
    team = team_of(context, body)
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id"))
    payload = draft_card(services, team, action_value(body), ephemeral=False)
    if payload is None:
        raise SegmentError(EXPIRED)
    payload["text"] = f"<@{body['user']['id']}> shared a segment: {payload['text']}"[:3000]
    try:
        client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            reply.send_new(notice_message("I'm not in this channel yet: invite me with `/invite @Segments` "
                                          "and press Share again."))
            return
        raise
    reply.send(notice_message("Shared in the channel."))


@on_click("showing the chosen reading", replace=True)
def pick_reading(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(counting_message(""))
    ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
    # The chosen card replaces the message clicked: private only when that message was ephemeral
    # (or the answer goes to the app's DM, when there is no message to replace).
    alone = ephemeral or not body.get("response_url")
    payload = draft_card(services_of(context), team_of(context, body), action_value(body),
                         ephemeral=ephemeral, source="user", viewer=body["user"]["id"] if alone else None,
                         pii_viewers=config_of(context).pii_viewers)
    if payload is None:
        raise SegmentError(EXPIRED)
    reply.send(payload)


@on_click("opening the rule builder", replace=False)
def open_rule_builder(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    open_builder(client, body["trigger_id"], services_of(context).catalog, None, origin_of(body))


@on_click("showing help", replace=False)
def home_help(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(help_message())
