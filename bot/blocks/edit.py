"""Editing a saved segment: the preview before saving (what changes, who enters and leaves, Save / Keep) and
the confirmation after. Pure builders: data in, Block Kit out."""

from __future__ import annotations

from typing import Any

from bot.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    context,
    escape,
    header,
    message,
    number,
    people,
    section,
)
from segcore.explain.difference import Diff

# The most changes listed one per line; a longer list ends with "and N more" (a section holds 3000 characters).
MAX_LINES = 12


def _changes(diff: Diff) -> str:
    shown = [f"• {escape(line)}" for line in diff.changes[:MAX_LINES]]
    if len(diff.changes) > MAX_LINES:
        shown.append(f"• and {len(diff.changes) - MAX_LINES} more")
    return "\n".join(shown)


def _audience(diff: Diff) -> str:
    return (f"*Audience:* {number(diff.before)} → {number(diff.after)}\n"
            f"*Enter:* {people(diff.entered)} · *Leave:* {people(diff.left)}")


def edit_preview_message(name: str, diff: Diff, draft_id: str, after_words: str) -> dict[str, Any]:
    """Before saving: the edit in words and in people, with Save changes and Keep as it was."""
    if diff.unchanged:
        blocks = [
            section(f"*{escape(name)}*: nothing changed. These rules select the same "
                    f"{people(diff.before)} as before.", block_id="edit_nothing"),
        ]
        return message(blocks, f"{name}: nothing changed")
    blocks = [
        header(f"Change {name}?"),
        section(f"*What changes*\n{_changes(diff)}", block_id="edit_changes"),
        section(_audience(diff), block_id="edit_audience"),
        context(f"New rules: {escape(after_words)}"),
        actions(
            "edit_actions",
            button("Save changes", "edit_confirm", draft_id, style="primary"),
            button("Keep as it was", "edit_cancel", draft_id),
        ),
    ]
    return message(blocks, f"Change {name}? {number(diff.before)} → {number(diff.after)} people")


def edit_saved_message(name: str, diff: Diff) -> dict[str, Any]:
    """After saving: what changed and what it did to the audience."""
    if diff.unchanged:
        return message([section(f"Saved *{escape(name)}*: nothing changed ({people(diff.before)}).",
                                block_id="edit_saved")], f"Saved {name}: nothing changed")
    blocks = [
        section(f"Saved *{escape(name)}*.\n*What changed*\n{_changes(diff)}", block_id="edit_saved"),
        section(_audience(diff), block_id="edit_audience"),
    ]
    return message(blocks, f"Saved {name}: {number(diff.before)} → {number(diff.after)} people, "
                           f"{number(diff.entered)} entered, {number(diff.left)} left")


def edit_kept_message(name: str) -> dict[str, Any]:
    return message([section(f"Kept *{escape(name)}* as it was.", block_id="edit_kept")], f"Kept {name} as it was")


def with_refinement(payload: dict[str, Any], diff: Diff) -> dict[str, Any]:
    """A card refined in a thread, with one line on what the follow-up changed and who entered and left.

    The line goes first, so it is read before the card; a card already at Slack's block limit stays as it is."""
    blocks = list(payload.get("blocks") or [])
    if diff.unchanged or len(blocks) >= MAX_MESSAGE_BLOCKS:
        return payload
    said = "; ".join(diff.changes)
    line = context(f"*Changed:* {escape(said)} · {number(diff.before)} → {number(diff.after)} "
                   f"({number(diff.entered)} enter, {number(diff.left)} leave)")
    return {**payload, "blocks": [line, *blocks]}
