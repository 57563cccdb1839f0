"""Why a saved segment changed, as a Slack message (pure: the answer's JSON in, Block Kit out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks.common import Block, context, escape, header, section, trim


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%b %d %H:%M UTC")


def _examples(items: list[dict[str, Any]]) -> str:
    shown = [" ".join(str(p[k]) for k in ("name", "email") if p.get(k)) or str(p.get("user_id", "")) for p in items]
    return f" _e.g. {escape(', '.join(s for s in shown if s))}_" if any(shown) else ""


def why_message(name: str, answer: dict[str, Any], summary: str) -> dict[str, Any]:
    """``answer`` is ``Why.details_json()``: sizes, who entered and left, causes with masked examples."""
    before, after = answer["before"], answer["after"]
    blocks: list[Block] = [
        header(trim(f"Why {name} changed", 150)),
        section(f"*{before['size']:,}* on {_when(before['as_of'])} → *{after['size']:,}* on {_when(after['as_of'])}"
                f"\n*{escape(summary)}*", block_id="why_summary"),
    ]
    if answer.get("rule_edited"):
        blocks.append(context(":pencil2: The segment's rule was edited in between."))
    for side, title, extra, extra_words in (("entered", "Entered", "new_people", "new to the workspace"),
                                            ("left", "Left", "removed_people", "removed from the workspace")):
        part = answer[side]
        lines = [f"*{title}: {part['total']:,}*"]
        if part[extra]:
            lines.append(f"• {part[extra]:,} {extra_words}")
        for cause in part["by_condition"][:8]:
            lines.append(f"• {cause['count']:,} {escape(cause['text'])}{_examples(cause.get('examples', []))}")
        blocks.append(section(trim("\n".join(lines), 2900), block_id=f"why_{side}"))
    blocks.append(context("A person counts under each condition that changed for them. Examples are masked."))
    return {"response_type": "ephemeral", "text": f"{name}: {summary}", "blocks": blocks}


def change_text(change: int | None) -> str:
    """The App Home's "since yesterday" words."""
    if change is None:
        return "no size from yesterday yet"
    if change == 0:
        return "no change since yesterday"
    return f"{'+' if change > 0 else '−'}{abs(change):,} since yesterday"


__all__ = ["change_text", "why_message"]
