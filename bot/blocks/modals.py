"""Modals: the rule builder, naming a segment, and a new campaign."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.common import (
    MODAL_TITLE,
    OPTIONS,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    option,
    plain,
    section,
)
from bot.builder import MAX_ROWS, OPERATOR_WORDS, BuilderState, value_hint
from segcore.catalog import FieldCatalog
from segcore.event_form import COUNT_OPS, COUNT_WORDS, EVENT_PREFIX, event_hint, event_of

RULE_BUILDER = "rule_builder"
SAVE_SEGMENT = "save_segment"
NEW_CAMPAIGN = "new_campaign"


def modal(callback_id: str, title: str, blocks: list[Block], submit: str | None, metadata: str = "",
          close: str = "Cancel") -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE),
        "close": plain(close, MODAL_TITLE),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE)
    if metadata:
        view["private_metadata"] = metadata
    return view


def value_block_id(state: BuilderState, i: int) -> str:
    # The version changes on every render so Slack shows the initial values we send, not stale ones.
    return f"val_{state.version}_{i}"


def rule_builder_view(
    state: BuilderState,
    catalog: FieldCatalog,
    preview: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    fields = [f for f in catalog.queryable()][:OPTIONS]
    field_options = [option(f.label, f.name) for f in fields]
    # What people did, after who they are: "did: viewed a product".
    field_options += [option(f"did: {e.label}", EVENT_PREFIX + e.name) for e in catalog.events]
    field_options = field_options[:OPTIONS]
    blocks: list[Block] = []
    if note:
        blocks.append(context(escape(note)))
    match_options = [option("all conditions (and)", "all"), option("any condition (or)", "any")]
    blocks.append(actions(
        f"match_{state.version}",
        {
            "type": "static_select",
            "action_id": "rb_match",
            "options": match_options,
            "initial_option": match_options[0 if state.match == "all" else 1],
        },
    ))
    for i, row in enumerate(state.rows):
        blocks.append(divider())
        f = catalog.get(row.field) if row.field else None
        event = event_of(row.field, catalog)
        field_select: dict[str, Any] = {
            "type": "static_select",
            "action_id": f"rb_field_{i}",
            "placeholder": plain("Field or event"),
            "options": field_options,
        }
        chosen = [o for o in field_options if o["value"] == row.field]
        if chosen:
            field_select["initial_option"] = chosen[0]
        elements: list[dict[str, Any]] = [field_select]
        ops, words = (f.operators, OPERATOR_WORDS) if f is not None else (COUNT_OPS, COUNT_WORDS)
        if f is not None or event is not None:
            op_options = [option(words.get(op, op), op) for op in ops]
            op_select: dict[str, Any] = {
                "type": "static_select",
                "action_id": f"rb_op_{i}",
                "placeholder": plain("Operator"),
                "options": op_options,
            }
            if row.op in ops:
                op_select["initial_option"] = option(words.get(row.op, row.op), row.op)
            elements.append(op_select)
        elements.append(button("Remove", f"rb_remove_{i}", str(i)))
        blocks.append(actions(f"row_{state.version}_{i}", *elements))
        hint = value_hint(f, row.op) if f is not None and row.op else "choose a field and an operator first"
        if event is not None:
            hint = event_hint(event)
        value_input: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": f"rb_value_{i}",
            "placeholder": plain(hint, 150),
        }
        if row.value:
            value_input["initial_value"] = row.value
        blocks.append({
            "type": "input",
            "block_id": value_block_id(state, i),
            "optional": True,
            "label": plain(f"Condition {i + 1} value"),
            "element": value_input,
        })
    controls = [button("Preview size", "rb_preview")]
    if len(state.rows) < MAX_ROWS:
        controls.insert(0, button("Add condition", "rb_add"))
    blocks.append(divider())
    blocks.append(actions(f"controls_{state.version}", *controls))
    blocks.append(section(preview or "*Audience:* press *Preview size* to count.", block_id=f"preview_{state.version}"))
    return modal(RULE_BUILDER, "Build a segment", blocks, "Show segment", state.to_metadata())


def save_segment_view(metadata: str, suggested: str = "", description: str = "") -> dict[str, Any]:
    name_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "name",
        "max_length": 80,
        "placeholder": plain("e.g. Lapsed big spenders"),
    }
    if suggested:
        name_input["initial_value"] = suggested[:80]
    blocks: list[Block] = []
    if description:
        blocks.append(section(f"*Rules:* {escape(description)}", block_id="save_rules"))
    blocks.append({"type": "input", "block_id": "segment_name", "label": plain("Segment name"), "element": name_input})
    return modal(SAVE_SEGMENT, "Save segment", blocks, "Save", metadata)


CAMPAIGN_CHANNELS = ("email", "sms", "push", "other")


def new_campaign_view(
    segments: Sequence[tuple[str, str]],
    metadata: str = "",
    selected_segment: str | None = None,
    draft_description: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """``segments`` are (id, name) pairs; at most 100 are offered (Slack's limit for a select).

    From an unsaved segment card (``draft_description``) the modal asks for the segment's name instead,
    and saves the segment with the campaign."""
    channel_options = [option(c.upper() if c == "sms" else c.capitalize(), c) for c in CAMPAIGN_CHANNELS]
    name_input: dict[str, Any] = {"type": "plain_text_input", "action_id": "name", "max_length": 80}
    if name:
        name_input["initial_value"] = name[:80]
    blocks: list[Block] = [
        {"type": "input", "block_id": "campaign_name", "label": plain("Campaign name"), "element": name_input},
        {"type": "input", "block_id": "campaign_channel", "label": plain("Channel"),
         "element": {"type": "static_select", "action_id": "channel", "options": channel_options,
                     "initial_option": channel_options[0]}},
        {"type": "input", "block_id": "campaign_message", "label": plain("Message"), "optional": True,
         "element": {"type": "plain_text_input", "action_id": "message", "multiline": True, "max_length": 2000}},
    ]
    if draft_description is not None:
        blocks.append(section(f"*Segment:* {escape(draft_description)}", block_id="campaign_draft"))
        blocks.append({"type": "input", "block_id": "segment_name", "label": plain("Save the segment as"),
                       "element": {"type": "plain_text_input", "action_id": "segment_name", "max_length": 80}})
        return modal(NEW_CAMPAIGN, "New campaign", blocks, "Create", metadata)
    segment_options = [option(label, sid) for sid, label in segments[:OPTIONS]]
    if segment_options:
        select: dict[str, Any] = {"type": "static_select", "action_id": "segment", "options": segment_options,
                                  "placeholder": plain("Choose a saved segment")}
        chosen = [o for o in segment_options if o["value"] == selected_segment]
        if chosen:
            select["initial_option"] = chosen[0]
        blocks.append({"type": "input", "block_id": "campaign_segment", "label": plain("Segment"),
                       "optional": True, "element": select})
    else:
        blocks.append(context("No saved segments yet: save one to target it, or attach one later."))
    return modal(NEW_CAMPAIGN, "New campaign", blocks, "Create", metadata)
