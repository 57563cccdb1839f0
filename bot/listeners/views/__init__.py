from __future__ import annotations

from slack_bolt import App

from bot.blocks.modals import NEW_CAMPAIGN, RULE_BUILDER, SAVE_SEGMENT
from bot.listeners.views.common import Journaled
from bot.listeners.views.new_campaign import NEW_CAMPAIGN_JOB, new_campaign_submitted
from bot.listeners.views.rule_builder import rule_builder_submitted
from bot.listeners.views.save_segment import SAVE_SEGMENT_JOB, save_segment_submitted

VIEWS = {
    RULE_BUILDER: rule_builder_submitted,
    SAVE_SEGMENT: save_segment_submitted,
    NEW_CAMPAIGN: new_campaign_submitted,
}

# Submissions written down before their ack, by kind: what a replay runs (bot/replay.py).
JOURNALED: dict[str, Journaled] = {job.kind: job for job in (SAVE_SEGMENT_JOB, NEW_CAMPAIGN_JOB)}


def register(app: App) -> None:
    for callback_id, handler in VIEWS.items():
        app.view(callback_id)(handler)
