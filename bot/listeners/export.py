"""Uploading a launched campaign's frozen audience as a CSV file (files_upload_v2).

Everyone gets user_id and holdout in the channel they asked from. A PII viewer's file also holds names
and emails, so it goes to their direct message with the app instead: a file in a channel is read by
everyone in it, and they may not see personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import launch_flow
from bot.blocks.launch import exported_message
from bot.blocks.segment_card import notice_message
from bot.replies import Reply
from bot.services import BotServices
from segcore.privacy import may_see_pii, record_reveal

NOT_IN_CHANNEL = ("I can't upload files to this channel: invite me with `/invite @Segments` and try again, "
                  "or run the command in my DM.")
NO_DM = ("The file holds names and emails, so it goes to our direct message, never to a channel, and I could "
         "not open one with you. Open Segments under Apps in Slack once, then export again.")


def upload_audience(services: BotServices, client: WebClient, reply: Reply, team_id: str, campaign: Any,
                    channel: str, user: str = "", pii_viewers: Iterable[str] = ()) -> None:
    with_pii = may_see_pii(user, pii_viewers)
    content, rows = launch_flow.audience_csv(services, team_id, campaign.id, include_pii=with_pii)
    if with_pii:
        try:
            channel = str(client.conversations_open(users=user)["channel"]["id"])
        except SlackApiError:
            reply.send(notice_message(NO_DM))
            return
        # Written before the upload: a reveal must never happen without its entry.
        record_reveal(services.store.audit, team_id, user, campaign.id, "campaign audience CSV", rows,
                      campaign.name)
    try:
        client.files_upload_v2(
            channel=channel, content=content.encode(), filename=launch_flow.file_name(campaign.name),
            title=f"Audience of {campaign.name} ({rows:,} people)",
        )
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            reply.send(notice_message(NOT_IN_CHANNEL))
            return
        raise
    reply.send(exported_message(campaign.name, rows, with_pii))
