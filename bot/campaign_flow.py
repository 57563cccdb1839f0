"""Campaigns from Slack: list, show, attach a segment, create. Each returns a message payload."""

from __future__ import annotations

from typing import Any

from bot.blocks.campaigns import CampaignRow, campaign_detail_message, campaign_list_message
from bot.blocks.segment_card import notice_message
from bot.library_flow import NotFound, find, split_pair
from bot.services import BotServices
from segcore.errors import SegmentError

CHANNELS = ("email", "sms", "push", "other")


def row_of(services: BotServices, campaign: Any) -> CampaignRow:
    names = []
    for sid in campaign.segment_ids:
        segment = services.store.segments.get(campaign.team_id, sid)
        names.append(segment.name if segment is not None else "(deleted segment)")
    return CampaignRow(
        id=campaign.id, name=campaign.name, channel=campaign.channel, status=campaign.status,
        owner=campaign.owner, segment_names=tuple(names), message=campaign.message or "",
        schedule_at=campaign.schedule_at, updated_at=campaign.updated_at,
    )


def recent(services: BotServices, team_id: str, limit: int | None = None) -> list[CampaignRow]:
    if limit is not None:
        return [row_of(services, c) for c in services.store.campaigns.recent(team_id, limit)]
    campaigns = sorted(services.store.campaigns.list(team_id), key=lambda c: c.updated_at, reverse=True)
    return [row_of(services, c) for c in campaigns]


def find_campaign(services: BotServices, team_id: str, name: str) -> Any:
    campaign = services.store.campaigns.get_by_name(team_id, name.strip())
    if campaign is None:
        raise NotFound(f"There is no campaign named “{name.strip()}”. `/campaign list` shows them all.")
    return campaign


def list_message(services: BotServices, team_id: str) -> dict[str, Any]:
    return campaign_list_message(recent(services, team_id), services.now())


def show_message(services: BotServices, team_id: str, name: str) -> dict[str, Any]:
    campaign = find_campaign(services, team_id, name)
    row = row_of(services, campaign)
    sizes = {}
    for sid in campaign.segment_ids:
        segment = services.store.segments.get(team_id, sid)
        if segment is not None and segment.last_size is not None:
            sizes[segment.name] = segment.last_size
    return campaign_detail_message(row, sizes, services.now())


def may_manage(services: BotServices, managers: tuple[str, ...], user: str) -> bool:
    """With no campaign managers configured everyone may; otherwise only the listed users."""
    return not managers or user in managers


def attach(services: BotServices, team_id: str, text: str, user: str) -> dict[str, Any]:
    def exists_campaign(name: str) -> bool:
        return services.store.campaigns.get_by_name(team_id, name) is not None

    def exists_segment(name: str) -> bool:
        return services.store.segments.get_by_name(team_id, name) is not None

    def both(name: str) -> bool:
        return exists_campaign(name) or exists_segment(name)

    try:
        campaign_name, segment_name = split_pair(text, both)
    except SegmentError:
        raise SegmentError("Write it as `/campaign attach CAMPAIGN SEGMENT` (quote names with spaces).") from None
    campaign = find_campaign(services, team_id, campaign_name)
    segment = find(services, team_id, segment_name)
    services.store.campaigns.attach(team_id, campaign.id, segment.id, by=user)
    return notice_message(f"Attached the segment “{segment.name}” to the campaign “{campaign.name}”.")


def create(services: BotServices, team_id: str, *, name: str, channel: str, message: str, user: str,
           segment_ids: tuple[str, ...], campaign_id: str | None = None) -> dict[str, Any]:
    if channel not in CHANNELS:
        raise SegmentError(f"Unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}.")
    campaign = services.store.campaigns.create(team_id, name.strip(), channel, message, user,
                                               segment_ids=segment_ids, campaign_id=campaign_id)
    target = ""
    if segment_ids:
        segment = services.store.segments.get(team_id, segment_ids[0])
        target = f" for the segment “{segment.name}”" if segment is not None else ""
    return notice_message(f"Created the {channel} campaign “{campaign.name}”{target} as a draft. "
                          f"`/campaign show {campaign.name}` shows it.")
