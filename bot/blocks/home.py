"""The App Home tab: the workspace's segments with sizes and trend, recent campaigns, Create segment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.blocks.campaigns import CampaignRow
from bot.blocks.common import (
    MAX_VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    section,
    trim,
)
from bot.blocks.library import SegmentRow, size_words, trend_text
from bot.blocks.why import change_text

MAX_SEGMENTS = 60
MAX_CAMPAIGNS = 15


MAX_WHY_BUTTONS = 10  # each is a block of its own; the view holds at most 100


def home_view(segments: Sequence[SegmentRow], campaigns: Sequence[CampaignRow],
              now: datetime | None = None, problem: str | None = None,
              changes: Mapping[str, int | None] | None = None) -> dict[str, Any]:
    """``changes``: each segment's size change since yesterday, by id (shown with a "Why?" button)."""
    blocks: list[Block] = [
        header("Segments"),
        section("Describe people in plain words and see how many match. Try `/segment spent over 5k in Pune`."),
        actions("home_actions", button("Create segment", "open_rule_builder", "new", style="primary"),
                button("Help", "home_help")),
    ]
    if problem:
        blocks.append(section(f":warning: {escape(problem)}", block_id="home_problem"))
    blocks.append(divider())
    blocks.append(header(f"Saved segments ({len(segments)})"))
    if not segments:
        blocks.append(section("None yet. Press *Save segment* on any segment card."))
    buttons = 0
    for i, row in enumerate(segments[:MAX_SEGMENTS]):
        change = (changes or {}).get(row.id) if changes is not None else None
        since = f" · {change_text(change)}" if changes is not None else ""
        blocks.append(section(
            f"*{escape(row.name)}* · {size_words(row)} · {trend_text(row.trend)}{since}\n"
            f"{escape(trim(row.description, 300))}",
            block_id=f"home_seg_{i}",
            accessory=button("Show", f"list_show_{i}", row.id),
        ))
        if change and buttons < MAX_WHY_BUTTONS:
            buttons += 1
            blocks.append(actions(f"home_why_actions_{i}", button("Why?", f"home_why_{i}", row.id)))
    if len(segments) > MAX_SEGMENTS:
        blocks.append(context(f"…and {len(segments) - MAX_SEGMENTS} more: `/segment list` or the admin page."))
    blocks.append(divider())
    blocks.append(header("Recent campaigns"))
    if not campaigns:
        blocks.append(section("No campaigns yet: `/campaign new`."))
    for i, c in enumerate(campaigns[:MAX_CAMPAIGNS]):
        segs = ", ".join(escape(s) for s in c.segment_names) or "no segment"
        blocks.append(section(f"*{escape(c.name)}* · {c.channel} · {c.status} · {segs}", block_id=f"home_camp_{i}"))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
