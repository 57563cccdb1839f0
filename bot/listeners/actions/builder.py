"""The rule builder reacting to changes: field, operator, remove, add, all/any, preview size.

Every change re-renders the modal (views.update) with operators valid for the chosen field and, when the
rules are complete, a live audience size.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import people
from bot.blocks.modals import rule_builder_view
from bot.builder import MAX_ROWS, BuilderErrors, BuilderState, Row, build_rule
from bot.errors import describe_failure
from bot.listeners.support import later, services_of, team_of
from segcore.event_form import event_of

log = logging.getLogger("segments.bot")
_VALUE_BLOCK = re.compile(r"^val_\d+_(\d+)$")


def state_of(view: dict[str, Any]) -> BuilderState:
    """The builder's state: fields and operators from private_metadata, typed values from the inputs."""
    state = BuilderState.from_metadata(view.get("private_metadata", ""))
    values: dict[int, str] = {}
    for block_id, inputs in ((view.get("state") or {}).get("values") or {}).items():
        m = _VALUE_BLOCK.match(block_id)
        if m and isinstance(inputs, dict):
            element = next(iter(inputs.values()), None) or {}
            values[int(m.group(1))] = str(element.get("value") or "")
    return state.with_values(values)


def apply(state: BuilderState, action: dict[str, Any], catalog: Any) -> BuilderState:
    action_id = action["action_id"]
    selected = (action.get("selected_option") or {}).get("value")
    index = int(action_id.rsplit("_", 1)[1]) if action_id[-1].isdigit() else -1
    if action_id.startswith("rb_field_") and 0 <= index < len(state.rows):
        row = state.rows[index]
        if row.field != selected:
            f = catalog.get(selected) if selected else None
            row.field = selected
            row.op = row.op if f is not None and row.op in f.operators else None
            if f is not None and len(f.operators) == 1:
                row.op = f.operators[0]
            if event_of(selected, catalog) is not None:
                row.op = "gte"  # at least (once, or the number typed)
    elif action_id.startswith("rb_op_") and 0 <= index < len(state.rows):
        state.rows[index].op = selected
    elif action_id.startswith("rb_remove_") and 0 <= index < len(state.rows):
        del state.rows[index]
        if not state.rows:
            state.rows.append(Row())
    elif action_id == "rb_add" and len(state.rows) < MAX_ROWS:
        state.rows.append(Row())
    elif action_id == "rb_match" and selected in ("all", "any"):
        state.match = selected
    state.version += 1
    return state


def preview_text(context: Any, body: dict[str, Any], state: BuilderState) -> str:
    services = services_of(context)
    try:
        rule = build_rule(state, services.catalog)
    except BuilderErrors as exc:
        first = min(exc.errors)
        return f"*Audience:* finish the conditions to count (condition {first + 1}: {exc.errors[first]})"
    try:
        counted = services.engine.count(team_of(context, body), rule, services.now())
    except Exception as exc:
        text, ref = describe_failure(exc, "previewing a size")
        return f":warning: {text}" + (f" (reference {ref})" if ref else "")
    return f"*Audience:* {people(counted.size)} right now"


def changed(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    later(context, "updating the rule builder", lambda: update(body, action, context, client))


def update(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient) -> None:
    view = body["view"]
    services = services_of(context)
    state = apply(state_of(view), action, services.catalog)
    preview = preview_text(context, body, state)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=rule_builder_view(state, services.catalog, preview))
    except SlackApiError as exc:
        # hash_conflict: the user changed something else meanwhile; that change re-renders instead.
        log.info("rule builder update skipped: %s", exc.response.get("error"))
