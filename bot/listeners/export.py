"""Uploading a launched campaign's frozen audience to a channel as a CSV file (files_upload_v2)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import launch_flow
from bot.blocks.launch import exported_message
from bot.blocks.segment_card import notice_message
from bot.replies import Reply
from bot.services import BotServices

NOT_IN_CHANNEL = ("I can't upload files to this channel: invite me with `/invite @Segments` and try again, "
                  "or run the command in my DM.")


def upload_audience(services: BotServices, client: WebClient, reply: Reply, team_id: str, campaign: Any,
                    channel: str) -> None:
    """No personal data: user_id and holdout only (the admin page's export is the place for contacts)."""
    content, rows = launch_flow.audience_csv(services, team_id, campaign.id)
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
    reply.send(exported_message(campaign.name, rows))
