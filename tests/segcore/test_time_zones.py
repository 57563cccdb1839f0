"""Calendar words start and end at midnight in the workspace's zone (SPEC "Calendar words"); relative amounts
do not depend on it. The zone travels on ``now``; ``rules.period_bounds`` / ``date_bounds`` are the single
place that turns calendar words into instants, for both compilers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from segcore import default_catalog, grammar, to_mongo_filter, validate_json
from segcore.compile_sql import to_sql
from segcore.rules import AbsoluteDate, CalendarPeriod, RelativeAmount, date_bounds, period_bounds, subtract
from segcore.timezones import InvalidTimeZone, calendar_note, has_calendar_words, time_zone, zone_note

IST = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
CATALOG = default_catalog()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# 01:30 on 10 March 2026 in India is 20:00 on 9 March in UTC.
INDIA_NOW = utc(2026, 3, 9, 20, 0).astimezone(IST)


def test_today_in_india_at_half_past_one_is_the_indian_day() -> None:
    start, end = period_bounds(CalendarPeriod("day", 0), INDIA_NOW)
    assert (start, end) == (utc(2026, 3, 9, 18, 30), utc(2026, 3, 10, 18, 30))
    # The same instant read in UTC is still 9 March: the bug of the issue.
    assert period_bounds(CalendarPeriod("day", 0), INDIA_NOW.astimezone(UTC)) == (utc(2026, 3, 9), utc(2026, 3, 10))


def test_last_month_in_india_is_bounded_at_indian_midnights() -> None:
    assert period_bounds(CalendarPeriod("month", -1), INDIA_NOW) == (utc(2026, 1, 31, 18, 30), utc(2026, 2, 28, 18, 30))


@pytest.mark.parametrize(("period", "offset", "start", "end"), [
    ("day", -1, utc(2026, 3, 8, 18, 30), utc(2026, 3, 9, 18, 30)),
    # 10 March 2026 is a Tuesday: the week began on Monday 9 March, 00:00 in India.
    ("week", 0, utc(2026, 3, 8, 18, 30), utc(2026, 3, 15, 18, 30)),
    ("quarter", 0, utc(2025, 12, 31, 18, 30), utc(2026, 3, 31, 18, 30)),
    ("year", -1, utc(2024, 12, 31, 18, 30), utc(2025, 12, 31, 18, 30)),
])
def test_every_calendar_period_starts_at_local_midnight(period: str, offset: int, start: datetime,
                                                        end: datetime) -> None:
    assert period_bounds(CalendarPeriod(period, offset), INDIA_NOW) == (start, end)


def test_a_written_date_month_and_year_are_local_midnights_and_an_instant_is_not_moved() -> None:
    assert date_bounds(AbsoluteDate.parse("2025-06-01"), INDIA_NOW) == (utc(2025, 5, 31, 18, 30), utc(2025, 6, 1, 18, 30))
    assert date_bounds(AbsoluteDate.parse("2025-03"), INDIA_NOW) == (utc(2025, 2, 28, 18, 30), utc(2025, 3, 31, 18, 30))
    assert date_bounds(AbsoluteDate.parse("2025"), INDIA_NOW) == (utc(2024, 12, 31, 18, 30), utc(2025, 12, 31, 18, 30))
    moment = AbsoluteDate.parse("2025-03-01T10:30:00Z")
    assert date_bounds(moment, INDIA_NOW) == (utc(2025, 3, 1, 10, 30), utc(2025, 3, 1, 10, 30))


def test_days_across_daylight_saving_changes_are_23_and_25_hours_long() -> None:
    # Clocks in New York went forward at 02:00 on Sunday 8 March 2026 and back at 02:00 on 1 November.
    spring = utc(2026, 3, 8, 15, 0).astimezone(NEW_YORK)
    start, end = period_bounds(CalendarPeriod("day", 0), spring)
    assert (start, end) == (utc(2026, 3, 8, 5, 0), utc(2026, 3, 9, 4, 0))
    assert end - start == timedelta(hours=23)
    autumn = utc(2026, 11, 1, 15, 0).astimezone(NEW_YORK)
    start, end = period_bounds(CalendarPeriod("day", 0), autumn)
    assert (start, end) == (utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0))
    assert end - start == timedelta(hours=25)
    # The week holding the spring change: Monday 2 March 00:00 EST to Monday 9 March 00:00 EDT.
    assert period_bounds(CalendarPeriod("week", 0), spring) == (utc(2026, 3, 2, 5, 0), utc(2026, 3, 9, 4, 0))
    # "yesterday" seen from the day after the autumn change is that 25-hour day.
    after = utc(2026, 11, 2, 15, 0).astimezone(NEW_YORK)
    assert period_bounds(CalendarPeriod("day", -1), after) == (utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0))


def test_a_day_whose_midnight_is_skipped_starts_at_its_first_instant() -> None:
    # Santiago's clocks jumped from 00:00 to 01:00 on 6 September 2026: that day began at 01:00 local, 04:00 UTC.
    noon = utc(2026, 9, 6, 15, 0).astimezone(ZoneInfo("America/Santiago"))
    assert period_bounds(CalendarPeriod("day", 0), noon) == (utc(2026, 9, 6, 4, 0), utc(2026, 9, 7, 3, 0))
    assert period_bounds(CalendarPeriod("day", -1), noon) == (utc(2026, 9, 5, 4, 0), utc(2026, 9, 6, 4, 0))


def test_relative_amounts_do_not_depend_on_the_zone() -> None:
    for amount in (RelativeAmount(30, "day"), RelativeAmount(2, "week"), RelativeAmount(5, "month")):
        assert subtract(INDIA_NOW, amount) == subtract(INDIA_NOW.astimezone(UTC), amount)
    rule = validate_json({"field": "last_visit_at", "op": "within_last", "value": {"amount": 30, "unit": "day"}}, CATALOG)
    assert to_mongo_filter(rule, CATALOG, INDIA_NOW) == to_mongo_filter(rule, CATALOG, INDIA_NOW.astimezone(UTC))


def test_both_compilers_get_the_same_local_bounds() -> None:
    rule = validate_json({"all": [
        {"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}},
        {"field": "last_order_at", "op": "before", "value": "2025-06-01"},
    ]}, CATALOG)
    mongo = to_mongo_filter(rule, CATALOG, INDIA_NOW)
    assert mongo["$and"][0] == {"signup_date": {"$gte": utc(2026, 3, 9, 18, 30), "$lt": utc(2026, 3, 10, 18, 30)}}
    assert mongo["$and"][1] == {"last_order_at": {"$lt": utc(2025, 5, 31, 18, 30)}}
    _, params = to_sql(rule, CATALOG, INDIA_NOW)
    assert params == [utc(2026, 3, 9, 18, 30), utc(2026, 3, 10, 18, 30), utc(2025, 5, 31, 18, 30)]


def test_the_grammar_keeps_words_and_reads_a_bare_month_on_the_workspace_clock() -> None:
    # 00:30 on 1 April 2026 in India is still 31 March in UTC: "April" is this April in India, last April in UTC.
    now = utc(2026, 3, 31, 19, 0)
    in_india = grammar.parse("signed up in April", CATALOG, now.astimezone(IST)).rule
    in_utc = grammar.parse("signed up in April", CATALOG, now).rule
    assert in_india.value == AbsoluteDate.parse("2026-04")  # type: ignore[union-attr]
    assert in_utc.value == AbsoluteDate.parse("2025-04")  # type: ignore[union-attr]
    # What is stored is the words, never instants: the same rule JSON whatever the zone.
    today = grammar.parse("signed up today", CATALOG, INDIA_NOW).rule
    assert today == grammar.parse("signed up today", CATALOG, INDIA_NOW.astimezone(UTC)).rule
    assert isinstance(today.value, CalendarPeriod)  # type: ignore[union-attr]


def test_a_time_zone_name_is_checked_and_the_error_says_what_is_allowed() -> None:
    assert time_zone("Asia/Kolkata") == IST
    assert time_zone(" UTC ") == ZoneInfo("UTC")
    for bad in ("Asia/Kolkatta", "IST", "../../etc/passwd", "", "   ", None, 5):
        with pytest.raises(InvalidTimeZone, match="Asia/Kolkata"):
            time_zone(bad)
    with pytest.raises(InvalidTimeZone, match="did you mean 'America/New_York'"):
        time_zone("america/new york")


def test_the_zone_is_named_only_outside_utc_and_only_for_calendar_words() -> None:
    today = validate_json({"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}}, CATALOG)
    window = validate_json({"field": "signup_date", "op": "within_last", "value": {"amount": 3, "unit": "day"}}, CATALOG)
    moment = validate_json({"field": "signup_date", "op": "after", "value": "2025-03-01T10:30:00Z"}, CATALOG)
    assert zone_note(INDIA_NOW) == "Calendar words in Asia/Kolkata"
    assert zone_note(INDIA_NOW.astimezone(UTC)) is None
    assert zone_note(INDIA_NOW.astimezone(ZoneInfo("UTC"))) is None
    assert calendar_note(today, INDIA_NOW) == "Calendar words in Asia/Kolkata"
    assert calendar_note(window, INDIA_NOW) is None
    assert not has_calendar_words(moment)
    between = validate_json({"field": "signup_date", "op": "between", "value": ["2025-01-01", "2025-02-01"]}, CATALOG)
    assert has_calendar_words(between)


def test_cohere_is_told_the_workspace_day_and_zone() -> None:
    from segcore.cohere_prompt import system_message

    assert "Today is Tuesday 2026-03-10, and the time is 01:30 Asia/Kolkata." in system_message(CATALOG, INDIA_NOW)
    assert "Today is Monday 2026-03-09, and the time is 20:00 UTC." in system_message(CATALOG, INDIA_NOW.astimezone(UTC))


def test_an_event_window_of_calendar_words_starts_at_the_workspace_midnight() -> None:
    from segcore.compile_mongo import event_pipeline
    from segcore.rules import EventCondition, EventWindow

    leaf = EventCondition("Order Completed", when=EventWindow("on", CalendarPeriod("day", 0)))
    first = event_pipeline(leaf, CATALOG, "T1", INDIA_NOW).pipeline[0]["$match"]
    assert first["timestamp"] == {"$gte": utc(2026, 3, 9, 18, 30), "$lt": utc(2026, 3, 10, 18, 30)}
    rule = validate_json({"event": "Order Completed", "when": {"op": "on", "value": {"period": "day", "offset": 0}}},
                         CATALOG)
    _, params = to_sql(rule, CATALOG, INDIA_NOW, team_id="T1")
    assert utc(2026, 3, 9, 18, 30) in params and utc(2026, 3, 10, 18, 30) in params
