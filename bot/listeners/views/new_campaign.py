"""New campaign submitted: checks that fit in the ack, then the campaign (and its segment) is created."""

from __future__ import annotations

import time
from typing import Any

from bson import ObjectId
from slack_bolt import Ack
from slack_sdk import WebClient

from bot import campaign_flow, library_flow
from bot.errors import describe_failure
from bot.listeners.events.app_home_opened import publish_home_for
from bot.listeners.support import config_of, later, services_of, team_of
from bot.listeners.views.common import (
    Journaled,
    found_quickly,
    input_value,
    journal_before_ack,
    kept_metadata,
    metadata_of,
    settle,
    submission_reply,
)
from bot.pending import PendingSubmission
from bot.services import BotServices


def new_campaign_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: Any,
                           client: WebClient) -> None:
    services = services_of(context)
    team = team_of(context, body)
    user = body["user"]["id"]
    metadata = metadata_of(view)
    name = " ".join(str(input_value(view, "campaign_name", "name") or "").split())
    channel = str(input_value(view, "campaign_channel", "channel") or "email")
    message = str(input_value(view, "campaign_message", "message") or "")
    segment_id = input_value(view, "campaign_segment", "segment")
    new_segment = " ".join(str(input_value(view, "segment_name", "segment_name") or "").split())
    errors: dict[str, str] = {}
    if not campaign_flow.may_manage(services, config_of(context).campaign_managers, user):
        errors["campaign_name"] = "Only campaign managers can create campaigns here."
    if not name:
        errors["campaign_name"] = "Give the campaign a name."
    if metadata.get("d") and not new_segment:
        errors["segment_name"] = "Name the segment this campaign targets."
    if not errors:
        try:
            started = time.monotonic()
            if found_quickly(lambda: services.store.campaigns.get_by_name(team, name)) is not None:
                errors["campaign_name"] = f"A campaign named “{name}” already exists; choose another name."
            if new_segment and found_quickly(lambda: services.store.segments.get_by_name(team, new_segment)) is not None:
                errors["segment_name"] = f"A segment named “{new_segment}” already exists; choose another name."
            if not errors:
                # The ids are chosen now, so that a replay of this record creates these, not a second pair.
                record = journal_before_ack(services, NEW_CAMPAIGN_JOB, team, user, {
                    "metadata": kept_metadata(metadata), "name": name, "channel": channel, "message": message,
                    "segment_id": str(segment_id) if segment_id else None, "new_segment": new_segment,
                    "new_segment_id": str(ObjectId()), "campaign_id": str(ObjectId())}, started)
        except Exception as exc:
            errors["campaign_name"] = describe_failure(exc, "creating a campaign")[0][:150]
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    later(context, NEW_CAMPAIGN_JOB.doing, lambda: settle(services, client, record, NEW_CAMPAIGN_JOB))


def new_campaign_work(services: BotServices, client: WebClient, record: PendingSubmission) -> None:
    """Save the card's segment first when the campaign came from a card, then create the campaign, confirm
    each, refresh Home: after the ack, or on a replay."""
    payload, team = record.payload, record.team_id
    reply = submission_reply(record, client)
    segment_ids: tuple[str, ...] = (payload["segment_id"],) if payload.get("segment_id") else ()
    draft = payload["metadata"].get("d")
    if draft:
        segment, saved = library_flow.save_card(services, team, str(draft), payload["new_segment"], record.user,
                                                expired="That card has expired; ask again with /segment.",
                                                segment_id=payload["new_segment_id"])
        reply.send_new(saved)
        segment_ids = (segment.id,)
    reply.send_new(campaign_flow.create(services, team, name=payload["name"], channel=payload["channel"],
                                        message=payload["message"], user=record.user, segment_ids=segment_ids,
                                        campaign_id=payload["campaign_id"]))
    publish_home_for(services, team, client, record.user)


NEW_CAMPAIGN_JOB = Journaled("new_campaign", "creating a campaign", new_campaign_work)
