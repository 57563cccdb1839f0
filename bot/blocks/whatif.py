"""The answer to "What if…": one section per threshold, its sizes as text bars, the current value marked.

Bars are drawn in a code block (monospace, so they line up); a section holds one threshold's curve, far
under Slack's 3000 characters, and a message shows at most ``MAX_CURVES`` of them (50 blocks a message).
"""

from __future__ import annotations

from typing import Any

from bot.blocks.common import SECTION_TEXT, Block, context, escape, header, message, people, section, trim
from segcore.catalog import FieldCatalog
from segcore.explain.whatif import WhatIf
from segcore.explain.whatif_text import rows

MAX_CURVES = 20
BAR_WIDTH = 16


def curve_text(title: str, lines: list[tuple[str, str, int, bool]]) -> str:
    """One threshold: its words, then a bar per value, ▶ on the current one."""
    wide = max((len(label) for label, *_ in lines), default=0)
    body = "\n".join(f"{'▶' if current else ' '} {label.rjust(wide)} {drawn.ljust(BAR_WIDTH)} {size:,}"
                     for label, drawn, size, current in lines)
    head = f"*{escape(trim(title, 300))}*\n"
    return head + "```" + trim(body, SECTION_TEXT - len(head) - 6) + "```"


def whatif_message(answer: WhatIf, description: str, catalog: FieldCatalog) -> dict[str, Any]:
    blocks: list[Block] = [
        header("What if…"),
        section(f"*Rules:* {escape(trim(description, 2000))}\n*Audience now:* {people(answer.size)}",
                block_id="whatif_rules"),
    ]
    if not answer.curves:
        blocks.append(context("There is no number, date or event count in these rules to move."))
        return message(blocks, f"What if: {people(answer.size)}, nothing to move")
    for i, curve in enumerate(answer.curves[:MAX_CURVES]):
        title = curve.threshold.text(catalog)
        blocks.append(section(curve_text(title, rows(curve, catalog, BAR_WIDTH)), block_id=f"whatif_{i}"))
    notes = ["▶ the value in your rules now; each size changes that one value and keeps every other condition."]
    hidden = len(answer.curves) - MAX_CURVES
    if hidden > 0:
        notes.append(f"…and {hidden} more thresholds (see the admin page or `segments whatif`).")
    blocks.append(context(*notes))
    return message(blocks, f"What if: {people(answer.size)} now; {len(answer.curves)} thresholds")
