"""The "What if…" answer on its own: one section per threshold, bars in proportion, the current value marked
once, Slack's limits kept at the extremes (many thresholds, long words, nobody matching)."""

from __future__ import annotations

from bot.blocks.whatif import BAR_WIDTH, MAX_CURVES, whatif_message
from segcore.catalog import default_catalog
from segcore.explain.whatif import Curve, Point, WhatIf, points, thresholds
from segcore.validation import validate_json
from tests.bot.blockcheck import check_message

CATALOG = default_catalog()
RULE = validate_json({"all": [
    {"field": "total_spend", "op": "gt", "value": 5000},
    {"not": {"field": "last_visit_at", "op": "within_last", "value": {"amount": 3, "unit": "month"}}},
]}, CATALOG)


def answer_with(sizes: list[int], rule: object = RULE, repeat: int = 1) -> WhatIf:
    curves = []
    for threshold in thresholds(rule, CATALOG) * repeat:  # type: ignore[arg-type]
        values = points(threshold, CATALOG)
        curves.append(Curve(threshold, tuple(Point(threshold.with_value(v), s) for v, s in zip(values, sizes,
                                                                                               strict=False)),
                            "mirror"))
    return WhatIf(sizes[4] if len(sizes) > 4 else 0, tuple(curves), "mirror")


def sections(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b.get("block_id", "").startswith("whatif_")
            and b["block_id"] != "whatif_rules"]


def test_one_section_per_threshold_with_bars_and_the_current_value_marked() -> None:
    sizes = [900, 800, 640, 400, 321, 200, 90, 10, 0]
    message = whatif_message(answer_with(sizes), "total spend more than ₹5,000 and not visited…", CATALOG)
    check_message(message)
    spend, visit = sections(message)
    assert spend.startswith("*total spend more than ₹5,000*") and visit.startswith("*not (visited in the last 3")
    lines = spend.split("```")[1].splitlines()
    assert len(lines) == 9
    marked = [line for line in lines if line.startswith("▶")]
    assert len(marked) == 1 and "₹5,000" in marked[0] and marked[0].endswith(" 321")
    assert lines[0].count("█") == BAR_WIDTH and lines[-1].count("█") == 0  # the largest fills, nobody is empty
    assert lines[3].count("█") < lines[1].count("█")
    assert "3 months" in next(line for line in visit.split("```")[1].splitlines() if line.startswith("▶"))
    assert "321 people" in str(message["blocks"][1]) and "▶ the value in your rules now" in str(message)


def test_many_thresholds_stay_within_slacks_limits() -> None:
    message = whatif_message(answer_with([10**9] * 9, repeat=30), "x" * 5000, CATALOG)
    check_message(message)
    assert len(sections(message)) == MAX_CURVES
    assert f"and {60 - MAX_CURVES} more thresholds" in str(message)


def test_rules_without_a_threshold_say_so() -> None:
    city = validate_json({"field": "city", "op": "eq", "value": "Pune"}, CATALOG)
    message = whatif_message(WhatIf(12, (), "mirror"), "city is Pune", CATALOG)
    check_message(message)
    assert thresholds(city, CATALOG) == [] and "no number, date or event count" in str(message)
