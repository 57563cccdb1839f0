"""The rule builder submitted: errors beside the right input, or the segment card with its size."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import edit_flow
from bot.blocks.modals import value_block_id
from bot.blocks.segment_card import counting_message, segment_message
from bot.builder import BuilderErrors, build_rule
from bot.listeners.actions.builder import state_of
from bot.listeners.support import config_of, guarded, services_of, team_of
from bot.listeners.views.common import reply_after_submit
from bot.segment_flow import preview, save_draft
from segcore.rendering import describe


def rule_builder_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: Any,
                           client: WebClient) -> None:
    services = services_of(context)
    state = state_of(view)
    try:
        rule = build_rule(state, services.catalog)  # pure: no database before the ack
    except BuilderErrors as exc:
        ack(response_action="errors",
            errors={value_block_id(state, i): message[:150] for i, message in exc.errors.items()})
        return
    ack()
    user = body["user"]["id"]
    reply = reply_after_submit(state.origin, client, user)

    def work() -> None:
        team = team_of(context, body)
        segment_id = state.origin.get("s")
        text = describe(rule, services.catalog)
        if segment_id:
            # A saved segment changes only after its preview: what changes, who enters and who leaves.
            reply.send(edit_flow.preview_edit(services, team, str(segment_id), rule, user))
            return
        reply.send(counting_message(text))
        draft_id = save_draft(services, team, rule, text, "user", (), None, user)
        # reply_after_submit answers ephemerally or in the app's DM: only the submitter sees the card.
        card = preview(services, team, rule, request="", source="user", draft_id=draft_id, viewer=user,
                       pii_viewers=config_of(context).pii_viewers)
        reply.send(segment_message(card, ephemeral=bool(state.origin.get("u")), now=services.now()))

    guarded(context, reply, "showing the built segment", work)
