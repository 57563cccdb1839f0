"""Save segment: a name for a card's rules; a taken name is shown beside the name input."""

from __future__ import annotations

import time
from typing import Any

from bson import ObjectId
from slack_bolt import Ack
from slack_sdk import WebClient

from bot import library_flow
from bot.errors import describe_failure
from bot.listeners.events.app_home_opened import publish_home_for
from bot.listeners.support import later, services_of, team_of
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
        started = time.monotonic()
        taken = found_quickly(lambda: services.store.segments.get_by_name(team, name))
        if taken is None:
            # The segment's id is chosen now, so that a replay of this record saves this segment, not another.
            record = journal_before_ack(services, SAVE_SEGMENT_JOB, team, body["user"]["id"], {
                "metadata": kept_metadata(metadata), "name": name, "segment_id": str(ObjectId())}, started)
    except Exception as exc:
        text, _ = describe_failure(exc, "saving a segment")
        ack(response_action="errors", errors={"segment_name": text[:150]})
        return
    if taken is not None:
        ack(response_action="errors",
            errors={"segment_name": f"A segment named “{taken.name}” already exists; choose another name."})
        return
    ack()
    later(context, SAVE_SEGMENT_JOB.doing, lambda: settle(services, client, record, SAVE_SEGMENT_JOB))


def save_segment_work(services: BotServices, client: WebClient, record: PendingSubmission) -> None:
    """Save the card's rules under the typed name, confirm, refresh Home: after the ack, or on a replay."""
    payload = record.payload
    _, message = library_flow.save_card(
        services, record.team_id, str(payload["metadata"].get("d", "")), payload["name"], record.user,
        expired="That card has expired; ask again with /segment and save from the new card.",
        segment_id=payload["segment_id"])
    submission_reply(record, client).send_new(message)
    publish_home_for(services, record.team_id, client, record.user)  # the Home tab lists it from now on


SAVE_SEGMENT_JOB = Journaled("save_segment", "saving a segment", save_segment_work)
