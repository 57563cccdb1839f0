"""What-if curves for reading: a short label per value ("₹5,000", "30 days", "3 times") and text bars.

Shared by the command line and Slack (both show bars in text); the admin page draws the same points.
"""

from __future__ import annotations

from typing import Any

from segcore.catalog import FieldCatalog
from segcore.explain.whatif import Curve, Threshold, WhatIf
from segcore.rendering import date_words, format_number, plain_number
from segcore.rules import AbsoluteDate, CalendarPeriod, Condition, RelativeAmount

_EIGHTHS = " ▏▎▍▌▋▊▉"


def point_label(threshold: Threshold, whole: Any, catalog: FieldCatalog) -> str:
    """The moving value of one point, short: the end of a range that moves, in the rule's own form."""
    value = whole if threshold.bound is None else whole[threshold.bound]
    if isinstance(value, RelativeAmount):
        return value.words()
    if isinstance(value, AbsoluteDate | CalendarPeriod):
        return date_words(value)
    if threshold.part == "count":
        return "once" if value == 1 else f"{plain_number(value)} times"
    if isinstance(threshold.leaf, Condition):
        return format_number(catalog.field(threshold.leaf.field), value)
    return plain_number(value)


def bar(size: int, top: int, width: int = 20) -> str:
    """``size`` as a bar of at most ``width`` characters against ``top`` (eighths of a block for the tail)."""
    if top <= 0 or size <= 0:
        return ""
    eighths = max(1, round(size / top * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def is_current(curve: Curve, whole: Any) -> bool:
    return bool(whole == curve.threshold.value)


def rows(curve: Curve, catalog: FieldCatalog, width: int = 20) -> list[tuple[str, str, int, bool]]:
    """(label, bar, size, is the current value) per point, in the curve's order."""
    top = max((p.size for p in curve.points), default=0)
    return [(point_label(curve.threshold, p.value, catalog), bar(p.size, top, width), p.size,
             is_current(curve, p.value)) for p in curve.points]


def table(answer: WhatIf, catalog: FieldCatalog) -> str:
    """Every curve as lines of text: the current value marked with ▶."""
    if not answer.curves:
        return "No threshold to move: this segment has no number, date or event count in it."
    out: list[str] = []
    for curve in answer.curves:
        out.append(curve.threshold.text(catalog))
        lines = rows(curve, catalog, 30)
        wide = max(len(label) for label, *_ in lines)
        for label, drawn, size, current in lines:
            mark = "▶" if current else " "
            out.append(f" {mark} {label.rjust(wide)}  {drawn.ljust(30)}  {size:,}")
        out.append("")
    return "\n".join(out).rstrip()
