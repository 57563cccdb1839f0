"""The value-box text both rule builders share; each passes its own words."""

from __future__ import annotations

from datetime import UTC, datetime

from segcore.form_text import value_text
from segcore.rules import AbsoluteDate, CalendarPeriod, RelativeAmount

WORDS = {"true": "on", "false": "off", "none": "-", "other_period": lambda p: f"<{p.period}{p.offset}>"}


def test_the_callers_words_are_used_for_booleans_other_periods_and_no_value() -> None:
    assert value_text(True, **WORDS) == "on"
    assert value_text(False, **WORDS) == "off"
    assert value_text(None, **WORDS) == "-"
    assert value_text(CalendarPeriod("month", -2), **WORDS) == "<month-2>"
    assert value_text((True, None, CalendarPeriod("year", 1)), **WORDS) == "on, -, <year1>"


def test_the_shared_wording() -> None:
    assert value_text(CalendarPeriod("month", 0), **WORDS) == "this month"
    assert value_text(CalendarPeriod("week", -1), **WORDS) == "last week"
    assert value_text(RelativeAmount(5, "month"), **WORDS) == "5 months"
    assert value_text(AbsoluteDate("month", datetime(2025, 3, 1, tzinfo=UTC)), **WORDS) == "2025-03"
    assert value_text([5000.0, 12.5, 3], **WORDS) == "5000, 12.5, 3"
    assert value_text("Pune", **WORDS) == "Pune"
