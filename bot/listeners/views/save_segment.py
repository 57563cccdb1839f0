"""Save segment: a name for a card's rules; a taken name is shown beside the name input."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import library_flow
from bot.errors import describe_failure
from bot.listeners.events.app_home_opened import publish_home
from bot.listeners.support import guarded, services_of, team_of
from bot.listeners.views.common import found_quickly, input_value, metadata_of, reply_after_submit


def save_segment_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: Any,
                           client: WebClient) -> None:
    services = services_of(context)
    team = team_of(context, body)
    metadata = metadata_of(view)
    name = " ".join(str(input_value(view, "segment_name", "name") or "").split())
    if not name:
        ack(response_action="errors", errors={"segment_name": "Give the segment a name."})
        return
    try:
        taken = found_quickly(lambda: services.store.segments.get_by_name(team, name))
    except Exception as exc:
        text, _ = describe_failure(exc, "checking a segment name")
        ack(response_action="errors", errors={"segment_name": text[:150]})
        return
    if taken is not None:
        ack(response_action="errors",
            errors={"segment_name": f"A segment named “{taken.name}” already exists; choose another name."})
        return
    ack()
    user = body["user"]["id"]
    reply = reply_after_submit(metadata, client, user)

    def work() -> None:
        _, payload = library_flow.save_card(
            services, team, str(metadata.get("d", "")), name, user,
            expired="That card has expired; ask again with /segment and save from the new card.")
        reply.send_new(payload)
        publish_home(context, client, user, body)  # the Home tab lists it from now on

    guarded(context, reply, "saving a segment", work)
