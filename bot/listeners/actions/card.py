"""Buttons on a segment card, a refusal and a disagreement."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import compact_json
from bot.blocks.library import help_message
from bot.blocks.modals import new_campaign_view, save_segment_view
from bot.blocks.segment_card import counting_message, notice_message
from bot.listeners.actions.common import action_value, open_builder, origin_of, reply_for
from bot.listeners.support import config_of, guarded, services_of, team_of
from bot.segment_flow import draft_card, load_draft
from segcore.errors import SegmentError
from segcore.rendering import describe

EXPIRED = "That card has expired (cards keep their buttons for 7 days). Ask again with /segment."


def _draft(context: Any, body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    loaded = load_draft(services_of(context), team_of(context, body), action_value(body))
    if loaded is None:
        raise SegmentError(EXPIRED)
    return loaded


def save_segment(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)

    def work() -> None:
        rule, _ = _draft(context, body)
        metadata = compact_json(origin_of(body, d=action_value(body)))
        client.views_open(trigger_id=body["trigger_id"], view=save_segment_view(
            metadata, description=describe(rule, services_of(context).catalog)))

    guarded(context, reply, "opening Save segment", work, body)


def edit_rules(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)

    def work() -> None:
        rule, _ = _draft(context, body)
        open_builder(client, body["trigger_id"], services_of(context).catalog, rule,
                     origin_of(body))

    guarded(context, reply, "opening the rule builder", work, body)


def create_campaign(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)

    def work() -> None:
        services = services_of(context)
        rule, _ = _draft(context, body)
        metadata = compact_json(origin_of(body, d=action_value(body)))
        client.views_open(trigger_id=body["trigger_id"], view=new_campaign_view(
            [], metadata, draft_description=describe(rule, services.catalog)))

    guarded(context, reply, "opening New campaign", work, body)


def share_in_channel(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=True)

    def work() -> None:
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

    guarded(context, reply, "sharing a segment", work, body)


def pick_reading(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=True)

    def work() -> None:
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

    guarded(context, reply, "showing the chosen reading", work, body)


def open_rule_builder(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)
    guarded(context, reply, "opening the rule builder",
            lambda: open_builder(client, body["trigger_id"], services_of(context).catalog, None,
                                 origin_of(body)), body)


def home_help(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)
    guarded(context, reply, "showing help", lambda: reply.send(help_message()), body)
