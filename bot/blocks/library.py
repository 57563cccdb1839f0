"""Saved segments: the list, one segment in detail, its members page by page, delete, overlap, help."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    compact_json,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    message,
    number,
    people,
    section,
    trim,
    when,
)
from bot.blocks.segment_card import member_line

MAX_LISTED = 40


@dataclass(frozen=True)
class SegmentRow:
    """A saved segment as the list, the detail view and App Home show it."""

    id: str
    name: str
    description: str
    size: int | None
    counted_at: datetime | None
    trend: tuple[int, ...] = ()  # sizes over time, oldest first
    source: str = "grammar"
    created_by: str = ""
    # "Calendar words in Asia/Kolkata" when the rules' dates are read outside UTC (the detail view shows it).
    zone_note: str | None = None


def trend_text(trend: Sequence[int]) -> str:
    """"▲ 12% since 2026-11-01" style: the change from the first to the last recorded size."""
    if len(trend) < 2:
        return "no trend yet"
    first, last = trend[0], trend[-1]
    if first == last:
        return f"steady over {len(trend)} counts"
    arrow = "▲" if last > first else "▼"
    if first == 0:
        return f"{arrow} from 0 to {number(last)} over {len(trend)} counts"
    change = (last - first) / first * 100
    return f"{arrow} {abs(change):.0f}% ({number(first)} → {number(last)}) over {len(trend)} counts"


def size_words(row: SegmentRow) -> str:
    return people(row.size) if row.size is not None else "not counted yet"


def segment_list_message(rows: Sequence[SegmentRow], now: datetime | None = None) -> dict[str, Any]:
    if not rows:
        empty = section("No saved segments yet. Describe one with `/segment spent over 5k in Pune` and press "
                        "*Save segment*.")
        return message([empty], "No saved segments yet.")
    blocks: list[Block] = [header(f"Segments ({len(rows)})")]
    for i, row in enumerate(rows[:MAX_LISTED]):
        blocks.append(section(
            f"*{escape(row.name)}* · {size_words(row)} · {trend_text(row.trend)}\n"
            f"{escape(trim(row.description, 400))}",
            block_id=f"seg_{i}",
            accessory=button("Show", f"list_show_{i}", row.id),
        ))
    if len(rows) > MAX_LISTED:
        blocks.append(context(f"…and {len(rows) - MAX_LISTED} more. `/segment show NAME` opens any of them."))
    return message(blocks, f"{len(rows)} saved segments")


def segment_detail_message(
    row: SegmentRow, history: Sequence[tuple[datetime, int]], now: datetime | None = None
) -> dict[str, Any]:
    last = f"last computed {when(row.counted_at, now)}" if row.counted_at else "never computed"
    blocks: list[Block] = [
        header(f"Segment: {row.name}"),
        section(f"*Rules:* {escape(row.description)}", block_id="show_rules"),
    ]
    if row.zone_note:
        blocks.append(context(f":clock3: {escape(row.zone_note)}"))
    blocks.append(
        section(f"*Audience:* {size_words(row)} ({last})\n*Trend:* {trend_text(row.trend)}", block_id="show_size"))
    if history:
        points = " · ".join(f"{at:%m-%d} {number(size)}" for at, size in list(history)[-8:])
        blocks.append(context(f"Size history: {points}"))
    blocks.append(actions(
        "show_actions",
        button("Members", "show_users", row.id),
        button("Edit rules", "show_edit", row.id),
        button("Create campaign", "show_campaign", row.id),
        button("Delete", "show_delete", row.id, style="danger"),
    ))
    return message(blocks, f"Segment {row.name}: {size_words(row)}")


@dataclass(frozen=True)
class MembersPage:
    segment_id: str
    segment_name: str
    members: tuple[dict[str, Any], ...]  # already shaped for the viewer: masked unless ``revealed``
    page: int  # 1-based
    cursors: tuple[str, ...]  # cursors[i] starts page i + 2
    next_cursor: str | None
    total: int | None = None
    revealed: bool = False


def page_value(segment_id: str, page: int, cursors: Sequence[str]) -> str | None:
    value = compact_json({"s": segment_id, "p": page, "c": list(cursors)})
    return value if len(value) <= 2000 else None


def members_message(page: MembersPage) -> dict[str, Any]:
    total = f" · {people(page.total)}" if page.total is not None else ""
    blocks: list[Block] = [header(f"Members of {page.segment_name}")]
    if not page.members:
        blocks.append(section("No one in this segment right now."))
    else:
        lines = "\n".join(member_line(m) for m in page.members)
        note = "names and emails shown in full, only to you" if page.revealed else "names and emails masked"
        blocks.append(section(f"Page {page.page}{total} · {note}\n{lines}", block_id="members"))
    buttons = []
    if page.page > 1:
        value = page_value(page.segment_id, page.page - 1, page.cursors[: page.page - 2])
        if value:
            buttons.append(button("Previous", "users_prev", value))
    if page.next_cursor:
        value = page_value(page.segment_id, page.page + 1, (*page.cursors[: page.page - 1], page.next_cursor))
        if value:
            buttons.append(button("Next", "users_next", value))
    if buttons:
        blocks.append(actions("members_nav", *buttons))
    return message(blocks, f"Members of {page.segment_name}, page {page.page}")


def confirm_delete_message(row: SegmentRow, campaigns: Sequence[str] = ()) -> dict[str, Any]:
    used = ""
    if campaigns:
        used = "\nIt is attached to: " + ", ".join(f"*{escape(c)}*" for c in campaigns[:10]) + "."
    blocks = [
        section(f"Delete the segment *{escape(row.name)}* ({size_words(row)})? This cannot be undone.{used}",
                block_id="delete_question"),
        actions(
            "delete_actions",
            button("Delete", "delete_confirm", row.id, style="danger",
                   confirm=confirm_dialog("Delete segment?", f"Delete {escape(row.name)} for everyone?",
                                          "Delete", danger=True)),
            button("Keep it", "delete_cancel", row.id),
        ),
    ]
    return message(blocks, f"Delete segment {row.name}?")


def overlap_message(a: str, b: str, size_a: int, size_b: int, both: int) -> dict[str, Any]:
    def share(part: int, whole: int) -> str:
        return f"{part / whole * 100:.1f}%" if whole else "0%"

    blocks = [
        header("Segment overlap"),
        section(
            f"*{escape(a)}:* {people(size_a)}\n*{escape(b)}:* {people(size_b)}\n"
            f"*In both:* {people(both)} ({share(both, size_a)} of {escape(a)}, {share(both, size_b)} of {escape(b)})\n"
            f"*Only {escape(a)}:* {number(size_a - both)} · *Only {escape(b)}:* {number(size_b - both)}",
            block_id="overlap",
        ),
    ]
    return message(blocks, f"{a} and {b} share {people(both)}")


HELP = [
    ("/segment TEXT", "Describe people in plain words or rules (`spent over 5k in Pune`, `visits > 50`); "
                      "I show who matches and how many."),
    ("/segment list", "Your workspace's saved segments with sizes and trend."),
    ("/segment show NAME", "One segment: rules, size, trend, last computed."),
    ("/segment users NAME", "Members page by page (names and emails masked unless you may see them)."),
    ("/segment rename OLD to NEW", "Rename a saved segment."),
    ("/segment delete NAME", "Delete a segment (asks first)."),
    ("/segment overlap A B", "How many people two segments share (quote names with spaces)."),
    ("/segment why NAME [7d]", "Who entered and left a saved segment since yesterday (or 7d, a date), and why."),
    ("/segment alert NAME below 1000 [in #channel]", "Tell a channel when a segment's size crosses a line "
                                                     "(`above` too; `off` to stop)."),
    ("/campaign new", "Create a campaign (name, channel, message, segment)."),
    ("/campaign list", "Recent campaigns."),
    ("/campaign show NAME", "One campaign and its segments."),
    ("/campaign attach CAMPAIGN SEGMENT", "Attach a saved segment to a campaign."),
    ("/campaign launch NAME [holdout 10]", "The launch checklist; campaign managers launch from it."),
    ("/campaign export NAME", "Upload a launched campaign's audience as CSV (no contact details)."),
]


def help_message() -> dict[str, Any]:
    lines = "\n".join(f"`{cmd}` {text}" for cmd, text in HELP)
    blocks = [
        header("Segments: help"),
        section(lines, block_id="help_commands"),
        divider(),
        section(
            "*Also:* mention me (`@Segments how many users spent over 10k?`) or send me a DM; reply in the "
            "thread to refine (`only in Mumbai`, `and exclude vip`). The *Home* tab lists everything.",
            block_id="help_more",
        ),
    ]
    return message(blocks, "Segments help")
