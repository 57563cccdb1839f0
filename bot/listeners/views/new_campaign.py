"""New campaign submitted: checks that fit in the ack, then the campaign (and its segment) is created."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import campaign_flow, library_flow
from bot.errors import describe_failure
from bot.listeners.events.app_home_opened import publish_home
from bot.listeners.support import config_of, guarded, services_of, team_of
from bot.listeners.views.common import found_quickly, input_value, metadata_of, reply_after_submit


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
            if found_quickly(lambda: services.store.campaigns.get_by_name(team, name)) is not None:
                errors["campaign_name"] = f"A campaign named “{name}” already exists; choose another name."
            if new_segment and found_quickly(lambda: services.store.segments.get_by_name(team, new_segment)) is not None:
                errors["segment_name"] = f"A segment named “{new_segment}” already exists; choose another name."
        except Exception as exc:
            errors["campaign_name"] = describe_failure(exc, "checking a campaign name")[0][:150]
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    reply = reply_after_submit(metadata, client, user)

    def work() -> None:
        segment_ids: tuple[str, ...] = (str(segment_id),) if segment_id else ()
        if metadata.get("d"):
            segment, saved = library_flow.save_card(services, team, str(metadata["d"]), new_segment, user,
                                                    expired="That card has expired; ask again with /segment.")
            reply.send_new(saved)
            segment_ids = (segment.id,)
        reply.send_new(campaign_flow.create(services, team, name=name, channel=channel, message=message,
                                            user=user, segment_ids=segment_ids))
        publish_home(context, client, user, body)

    guarded(context, reply, "creating a campaign", work)
