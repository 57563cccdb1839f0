"""Launching and exporting a campaign from Slack: the checklist, the launch, the CSV. Thin over segcore."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks.launch import Checklist, Launched, checklist_message, launched_message
from bot.campaign_flow import find_campaign
from bot.services import BotServices
from segcore.campaigns import (
    LaunchError,
    delivery_records,
    export_csv,
    is_campaign_manager,
    launch_state,
    prepare_launch,
    require_campaign_manager,
)
from segcore.campaigns.holdout import check_holdout_percent
from segcore.errors import SegmentError

LAUNCH_USAGE = "Write it as `/campaign launch NAME` or `/campaign launch NAME holdout 10` (a percentage, 0 to 50)."
_HOLDOUT = re.compile(r"^(?P<name>.+?)\s+holdout\s+(?P<percent>\S+?)%?$", re.IGNORECASE)


def parse_launch(text: str) -> tuple[str, float | None]:
    """``NAME`` or ``NAME holdout 10`` -> (name, percent or None); a bad percentage says what is allowed."""
    text = text.strip()
    found = _HOLDOUT.match(text)
    if found is None:
        if text.lower().endswith(" holdout") or text.lower() == "holdout":
            raise SegmentError(f"How much should be held out? {LAUNCH_USAGE}")
        return unquote(text), None
    try:
        percent = check_holdout_percent(float(found.group("percent")))
    except (ValueError, LaunchError):
        raise SegmentError(f"Holdout “{found.group('percent')}” is not a percentage from 0 to 50. "
                           f"{LAUNCH_USAGE}") from None
    return unquote(found.group("name")), percent


def unquote(name: str) -> str:
    name = name.strip()
    for quote in ('"', "'", "“"):
        if len(name) >= 2 and name[0] == quote and name[-1] in (quote, "”"):
            return name[1:-1].strip()
    return name


def checklist_of(services: BotServices, team_id: str, campaign_id: str, holdout: float | None) -> Checklist:
    c = prepare_launch(services.store, services.engine, team_id, campaign_id, services.now(), holdout)
    return Checklist(
        campaign_id=c.campaign_id, campaign_name=c.campaign_name, channel=c.channel, status=c.status,
        segments=tuple(c.segments), audience_size=c.audience_size, reachable_size=c.reachable_size,
        excluded_no_consent=c.excluded_no_consent, consent_field=c.consent_field,
        overlap_recent=tuple(c.overlap_recent), holdout_percent=c.holdout_percent, holdout_size=c.holdout_size,
        problems=tuple(c.problems), as_of=c.as_of,
    )


def checklist_for(services: BotServices, config: Any, team_id: str, campaign_id: str, holdout: float | None,
                  user: str) -> dict[str, Any]:
    checklist = checklist_of(services, team_id, campaign_id, holdout)
    may = is_campaign_manager(user, config)
    refusal = "" if may else ("Only campaign managers can launch. Ask a campaign manager to launch it, or a "
                              "workspace admin to add you (SEGMENTS_CAMPAIGN_MANAGERS).")
    return checklist_message(checklist, may_launch=may, refusal=refusal)


def checklist_by_name(services: BotServices, config: Any, team_id: str, text: str, user: str) -> dict[str, Any]:
    name, holdout = parse_launch(text)
    campaign = find_campaign(services, team_id, name)
    return checklist_for(services, config, team_id, campaign.id, holdout, user)


def launch(services: BotServices, config: Any, team_id: str, campaign_id: str, holdout: float | None,
           user: str) -> dict[str, Any]:
    """Launch (only a campaign manager may), then the result as it was recorded."""
    require_campaign_manager(user, config)
    services.launch_campaign(team_id, campaign_id, user, holdout)
    state = launch_state(services.store, team_id, campaign_id)
    campaign = services.store.campaigns.get(team_id, campaign_id)
    if state is None or campaign is None or state.status != "finished":
        raise LaunchError("The launch did not finish; launch it again to carry on from where it stopped.")
    result = Launched(
        campaign_name=campaign.name, audience_size=int(state.audience_size or 0),
        holdout_size=int(state.holdout_size or 0), excluded_no_consent=state.excluded_no_consent,
        holdout_percent=state.holdout_percent, frozen_at=state.frozen_at,
    )
    return launched_message(result, delivered_note(services, team_id, campaign_id))


def delivered_note(services: BotServices, team_id: str, campaign_id: str) -> str:
    records = delivery_records(services.store, team_id, campaign_id)
    if not records:
        return ""
    sent = sum(int(r.get("count") or 0) for r in records if r.get("status") == "delivered")
    failed = sum(1 for r in records if r.get("status") != "delivered")
    note = f"Delivered {sent:,} to the webhook."
    if failed:
        note += f" {failed} batch(es) not yet delivered; they are retried."
    return note


def audience_csv(services: BotServices, team_id: str, campaign_id: str, include_pii: bool = False) -> tuple[str, int]:
    """The frozen audience as CSV text, and its number of rows; email and name only with ``include_pii``
    (the caller has checked the asker may see them)."""
    lines = list(export_csv(services.store, team_id, campaign_id, include_pii=include_pii))
    return "".join(lines), len(lines) - 1


def file_name(campaign_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", campaign_name).strip("-").lower() or "campaign"
    return f"{slug[:60]}-audience.csv"
