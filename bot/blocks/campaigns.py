"""Campaign replies: the list, one campaign, and confirmations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.common import Block, context, escape, header, message, section, when

MAX_LISTED = 40


@dataclass(frozen=True)
class CampaignRow:
    id: str
    name: str
    channel: str
    status: str
    owner: str
    segment_names: tuple[str, ...]
    message: str = ""
    schedule_at: datetime | None = None
    updated_at: datetime | None = None


def _segments(row: CampaignRow) -> str:
    return ", ".join(escape(s) for s in row.segment_names) if row.segment_names else "no segment yet"


def campaign_list_message(rows: Sequence[CampaignRow], now: datetime | None = None) -> dict[str, Any]:
    if not rows:
        return message([section("No campaigns yet. Start one with `/campaign new`.")], "No campaigns yet.")
    blocks: list[Block] = [header(f"Campaigns ({len(rows)})")]
    for i, row in enumerate(rows[:MAX_LISTED]):
        blocks.append(section(
            f"*{escape(row.name)}* · {row.channel} · {row.status}\nSegments: {_segments(row)}",
            block_id=f"camp_{i}",
        ))
    if len(rows) > MAX_LISTED:
        blocks.append(context(f"…and {len(rows) - MAX_LISTED} more."))
    return message(blocks, f"{len(rows)} campaigns")


def campaign_detail_message(row: CampaignRow, sizes: Mapping[str, int] | None = None,
                            now: datetime | None = None) -> dict[str, Any]:
    lines = [f"*Channel:* {row.channel}", f"*Status:* {row.status}", f"*Owner:* <@{row.owner}>"
             if row.owner.startswith(("U", "W")) else f"*Owner:* {escape(row.owner)}"]
    if row.schedule_at:
        lines.append(f"*Scheduled:* {when(row.schedule_at, now)}")
    seg_lines = []
    for name in row.segment_names:
        size = (sizes or {}).get(name)
        seg_lines.append(f"• {escape(name)}" + (f" ({size:,} people)" if size is not None else ""))
    blocks: list[Block] = [
        header(f"Campaign: {row.name}"),
        section("\n".join(lines), block_id="campaign_facts"),
        section("*Segments:*\n" + ("\n".join(seg_lines) if seg_lines else "none yet — "
                                   "`/campaign attach CAMPAIGN SEGMENT`"), block_id="campaign_segments"),
    ]
    if row.message:
        blocks.append(section(f"*Message:*\n{escape(row.message)}", block_id="campaign_message"))
    return message(blocks, f"Campaign {row.name}")
