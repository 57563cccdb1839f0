"""Buttons on saved-segment messages: show, members pages, edit, campaign, delete."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import library_flow
from bot.blocks.common import compact_json
from bot.blocks.modals import new_campaign_view
from bot.blocks.segment_card import notice_message
from bot.listeners.actions.common import action_value, open_builder, origin_of, reply_for
from bot.listeners.support import config_of, guarded, services_of, team_of
from segcore.errors import SegmentError

GONE = "That segment no longer exists. `/segment list` shows the saved ones."


def _segment(context: Any, body: dict[str, Any], segment_id: str | None = None) -> Any:
    segment = services_of(context).store.segments.get(team_of(context, body), segment_id or action_value(body))
    if segment is None:
        raise SegmentError(GONE)
    return segment


def show(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)
    guarded(context, reply, "showing a segment",
            lambda: reply.send(library_flow.show_message(services_of(context), _segment(context, body))), body)


def members(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)
    # A members page is always ephemeral or in the app's DM, so only the clicker sees it.
    guarded(context, reply, "listing members",
            lambda: reply.send(library_flow.members_page(services_of(context), _segment(context, body),
                                                         viewer=body["user"]["id"],
                                                         pii_viewers=config_of(context).pii_viewers)), body)


def members_page(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=True)

    def work() -> None:
        try:
            value = json.loads(action_value(body))
            segment_id, page, cursors = str(value["s"]), int(value["p"]), [str(c) for c in value["c"]]
        except (ValueError, KeyError, TypeError):
            raise SegmentError("That page link is broken; run `/segment users NAME` again.") from None
        segment = _segment(context, body, segment_id)
        reply.send(library_flow.members_page(services_of(context), segment, page, cursors, viewer=body["user"]["id"],
                                             pii_viewers=config_of(context).pii_viewers))

    guarded(context, reply, "turning a members page", work, body)


def edit_rules(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)

    def work() -> None:
        segment = _segment(context, body)
        open_builder(client, body["trigger_id"], services_of(context).catalog, segment.rule,
                     origin_of(body, s=segment.id))

    guarded(context, reply, "opening the rule builder", work, body)


def create_campaign(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)

    def work() -> None:
        services = services_of(context)
        segment = _segment(context, body)
        segments = [(s.id, s.name) for s in services.store.segments.list(segment.team_id)]
        metadata = compact_json(origin_of(body))
        client.views_open(trigger_id=body["trigger_id"],
                          view=new_campaign_view(segments, metadata, selected_segment=segment.id))

    guarded(context, reply, "opening New campaign", work, body)


def ask_delete(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=False)
    guarded(context, reply, "asking to delete",
            lambda: reply.send(library_flow.confirm_delete(services_of(context), team_of(context, body),
                                                           _segment(context, body).name)), body)


def delete(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=True)
    guarded(context, reply, "deleting a segment",
            lambda: reply.send(library_flow.delete(services_of(context), team_of(context, body),
                                                   action_value(body), body["user"]["id"])), body)


def keep(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    reply = reply_for(body, client, replace=True)
    guarded(context, reply, "keeping a segment", lambda: reply.send(notice_message("Kept it.")), body)
