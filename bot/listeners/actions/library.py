"""Buttons on saved-segment messages: show, members pages, edit, campaign, delete."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot import library_flow
from bot.blocks.common import compact_json
from bot.blocks.modals import new_campaign_view
from bot.blocks.segment_card import notice_message
from bot.listeners.actions.common import action_value, on_click, open_builder, origin_of
from bot.listeners.support import config_of, services_of, team_of
from bot.replies import Reply
from segcore.errors import SegmentError

GONE = "That segment no longer exists. `/segment list` shows the saved ones."


def _segment(context: Any, body: dict[str, Any], segment_id: str | None = None) -> Any:
    segment = services_of(context).store.segments.get(team_of(context, body), segment_id or action_value(body))
    if segment is None:
        raise SegmentError(GONE)
    return segment


@on_click("showing a segment", replace=False)
def show(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(library_flow.show_message(services_of(context), _segment(context, body)))


@on_click("listing members", replace=False)
def members(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    # A members page is always ephemeral or in the app's DM, so only the clicker sees it.
    reply.send(library_flow.members_page(services_of(context), _segment(context, body),
                                         viewer=body["user"]["id"], pii_viewers=config_of(context).pii_viewers))


@on_click("turning a members page", replace=True)
def members_page(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    try:
        value = json.loads(action_value(body))
        segment_id, page, cursors = str(value["s"]), int(value["p"]), [str(c) for c in value["c"]]
    except (ValueError, KeyError, TypeError):
        raise SegmentError("That page link is broken; run `/segment users NAME` again.") from None
    segment = _segment(context, body, segment_id)
    reply.send(library_flow.members_page(services_of(context), segment, page, cursors, viewer=body["user"]["id"],
                                         pii_viewers=config_of(context).pii_viewers))


@on_click("opening the rule builder", replace=False)
def edit_rules(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    segment = _segment(context, body)
    open_builder(client, body["trigger_id"], services_of(context).catalog, segment.rule,
                 origin_of(body, s=segment.id))


@on_click("opening New campaign", replace=False)
def create_campaign(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    services = services_of(context)
    segment = _segment(context, body)
    segments = [(s.id, s.name) for s in services.store.segments.list(segment.team_id)]
    metadata = compact_json(origin_of(body))
    client.views_open(trigger_id=body["trigger_id"],
                      view=new_campaign_view(segments, metadata, selected_segment=segment.id))


@on_click("asking to delete", replace=False)
def ask_delete(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(library_flow.confirm_delete(services_of(context), team_of(context, body),
                                           _segment(context, body).name))


@on_click("deleting a segment", replace=True)
def delete(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(library_flow.delete(services_of(context), team_of(context, body),
                                   action_value(body), body["user"]["id"]))


@on_click("keeping a segment", replace=True)
def keep(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(notice_message("Kept it."))
