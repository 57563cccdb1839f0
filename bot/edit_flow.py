"""Editing a saved segment from Slack: a preview of the change (in words and in people) before anything is
saved, then the save with its confirmation. Each returns a message payload."""

from __future__ import annotations

from typing import Any

from bot.blocks.edit import edit_kept_message, edit_preview_message, edit_saved_message
from bot.segment_flow import drafts
from bot.services import BotServices
from segcore.errors import SegmentError
from segcore.explain.difference import diff
from segcore.rendering import describe
from segcore.rules import Rule, rule_from_json, rule_to_json

GONE = "That segment no longer exists. `/segment list` shows the saved ones."
EXPIRED = "That preview has expired (previews keep their buttons for 7 days). Press *Edit rules* again."


def preview_edit(services: BotServices, team_id: str, segment_id: str, rule: Rule, user: str) -> dict[str, Any]:
    """What saving ``rule`` on the segment would change; the proposed rules wait in a draft for Save."""
    segment = services.store.segments.get(team_id, segment_id)
    if segment is None:
        raise SegmentError(GONE)
    found = diff(services.engine, team_id, segment.rule, rule, services.now())
    draft_id = drafts(services).save(team_id, rule=rule_to_json(rule), text=describe(rule, services.catalog),
                                     source="user", created_by=user, edit_of=segment.id)
    return edit_preview_message(segment.name, found, draft_id, describe(rule, services.catalog))


def _proposed(services: BotServices, team_id: str, draft_id: str) -> tuple[Any, Rule, str]:
    draft = drafts(services).get(team_id, draft_id)
    if draft is None or not draft.get("edit_of"):
        raise SegmentError(EXPIRED)
    segment = services.store.segments.get(team_id, str(draft["edit_of"]))
    if segment is None:
        raise SegmentError(GONE)
    return segment, rule_from_json(draft["rule"]), str(draft.get("text") or "")


def confirm_edit(services: BotServices, team_id: str, draft_id: str, user: str) -> dict[str, Any]:
    """Save the previewed rules; the confirmation is counted again at the moment of saving (the segment or
    the people may have changed since the preview)."""
    segment, rule, text = _proposed(services, team_id, draft_id)
    found = diff(services.engine, team_id, segment.rule, rule, services.now())
    if not found.unchanged:
        services.store.segments.update_rule(team_id, segment.id, rule, text, "user", user)
    return edit_saved_message(segment.name, found)


def cancel_edit(services: BotServices, team_id: str, draft_id: str) -> dict[str, Any]:
    segment, _, _ = _proposed(services, team_id, draft_id)
    return edit_kept_message(segment.name)
