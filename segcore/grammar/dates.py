"""Date expressions: rolling windows, calendar periods and absolute dates, as SPEC defines them.

- "in the last/past N units", "within N units", "for N units" -> within_last N (N = 1 with no number);
- "N units ago or earlier", "more than N units ago" -> more_than_ago N; a bare "N units ago" is that
  calendar day/week/month/quarter/year;
- bare "last month/week/year" -> the previous calendar period; "this month/year" -> since its start;
- "in 2024", "in March 2025" -> on that period; "before X" -> before the start of X; "after X" -> after
  the whole of X; "since/from X" -> from the start of X; "between X and Y" -> both included;
- a month without a year is its most recent occurrence not in the future.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from segcore.grammar import lexicon as lx
from segcore.grammar.phrases import PhraseTable, low_at
from segcore.grammar.tokens import Token, shown
from segcore.rules import AbsoluteDate, CalendarPeriod, RelativeAmount
from segcore.timezones import zone_name

_PRE = PhraseTable(lx.PRE_COMPARATORS)
_POST = PhraseTable(lx.POST_COMPARATORS)
_PREPS = PhraseTable(lx.DATE_PREPS)
_COUNTS = PhraseTable({**{k: v for k, v in lx.NUMBER_WORDS.items()}, **lx.DURATION_COUNT_WORDS})
_EARLIER = PhraseTable({"or earlier": 1, "or before": 1, "or more": 1, "or longer": 1, "and earlier": 1,
                        "and before": 1, "or older": 1, "and more": 1, "plus": 1, "+": 1, "or prior": 1})
_WINDOW_PREFIXES = frozenset({"in", "within", "during", "over", "for", "from", "since", "throughout",
                              "across"})
_WINDOW_WORDS = frozenset({"last", "past", "previous", "prior", "recent", "preceding"})
_DAY_NUMBER = re.compile(r"^\d{1,2}$")
_DATE_SYMBOLS = {">": "after", ">=": "since", "=>": "since", "≥": "since", "<": "before", "<=": "until",
                 "=<": "until", "≤": "until", "=": "on", "==": "on"}
_HOURS = frozenset({"hours", "hour", "hrs", "hr", "h"})
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
             "mondays": 0, "tuesdays": 1, "wednesdays": 2, "thursdays": 3, "fridays": 4, "saturdays": 5,
             "sundays": 6}
_WEEKDAY_QUALIFIERS = frozenset({"last", "this", "next", "previous", "past", "coming", "the"})


@dataclass(frozen=True)
class DateExpr:
    """What a date phrase means for a datetime field: ``op`` and ``value`` of a condition."""

    op: str
    value: Any
    text: str
    note: str | None = None
    numbers: tuple[int, int] | None = None  # "between 2000 and 2100": also readable as plain numbers


def _duration(tokens: Sequence[Token], i: int) -> tuple[RelativeAmount, int] | None:
    """"5 months", "a fortnight", "a couple of weeks", "30d"."""
    j = i
    amount = None
    if j < len(tokens) and tokens[j].kind == "num":
        text = tokens[j].low.replace(",", "")
        if not text.isdigit():
            return None
        amount, j = int(text), j + 1
    else:
        found = _COUNTS.match(tokens, j)
        if found is not None:
            amount, j = found
    if amount is not None and low_at(tokens, j) == "+" and tokens[j - 1].kind == "num":
        j += 1  # "90+ days": the comparison is read by the caller from the "+"
    word = low_at(tokens, j)
    if word in lx.FORTNIGHT:
        return RelativeAmount(14 * (1 if amount is None else amount), "day"), j + 1
    if amount is not None and word in _HOURS and (word != "h" or tokens[j - 1].kind == "num"):
        # Whole days only: "the last 48 hours" is 2 days; "the last 5 hours" is not read.
        return (RelativeAmount(amount // 24, "day"), j + 1) if amount and amount % 24 == 0 else None
    if amount is None or word not in lx.UNITS:
        return None
    if word in ("d", "w", "y", "m") and tokens[j - 1].kind != "num":
        return None
    return RelativeAmount(amount, lx.UNITS[word]), j + 1


def _unit(tokens: Sequence[Token], i: int) -> tuple[str, int] | None:
    word = low_at(tokens, i)
    if word in lx.UNITS and len(word) > 1 and word not in ("mo", "mos"):
        return lx.UNITS[word], i + 1
    if word in ("day", "today"):
        return "day", i + 1
    return None


def _period(tokens: Sequence[Token], i: int) -> tuple[CalendarPeriod, int] | None:
    """Calendar periods named relative to now: this/last month, today, "the month 3 months ago"."""
    word = low_at(tokens, i)
    if word == "today":
        return CalendarPeriod("day", 0), i + 1
    if word == "yesterday":
        return CalendarPeriod("day", -1), i + 1
    if word in ("this", "current", "last", "previous", "prior") or (
        word == "the" and low_at(tokens, i + 1) in ("current", "previous", "prior")
    ):
        j = i + 1 if word != "the" else i + 2
        offset = 0 if low_at(tokens, j - 1) in ("this", "current") else -1
        if low_at(tokens, j) == "calendar" and _unit(tokens, j + 1) is not None:
            j += 1  # "this calendar year", "last calendar month"
        unit = _unit(tokens, j)
        if unit is not None and low_at(tokens, j) not in ("days", "weeks", "months", "quarters", "years"):
            return CalendarPeriod(unit[0], offset), unit[1]
    if word == "the":
        # "the month 3 months ago" / "the year 2 years ahead" (how rendering writes far calendar periods)
        unit = _unit(tokens, i + 1)
        if unit is not None:
            span = _duration(tokens, unit[1])
            if span is not None and span[0].unit == unit[0]:
                direction = low_at(tokens, span[1])
                if direction in ("ago", "back", "before"):
                    return CalendarPeriod(unit[0], -span[0].amount), span[1] + 1
                if direction in ("ahead", "later", "from now"):
                    return CalendarPeriod(unit[0], span[0].amount), span[1] + 1
    return None


def _year(tokens: Sequence[Token], i: int) -> int | None:
    if i < len(tokens) and tokens[i].kind == "num" and re.fullmatch(r"\d{4}", tokens[i].low):
        year = int(tokens[i].low)
        if 1900 <= year <= 2200:
            return year
    return None


def _short_year(tokens: Sequence[Token], i: int) -> int | None:
    """"Mar '26": a two-digit year after an apostrophe."""
    if i < len(tokens) and tokens[i].kind == "num" and re.fullmatch(r"\d{2}", tokens[i].low):
        return 2000 + int(tokens[i].low)
    return None


def _day(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    if i < len(tokens) and tokens[i].kind == "num" and _DAY_NUMBER.match(tokens[i].low):
        day = int(tokens[i].low)
        j = i + 1
        if low_at(tokens, j) in lx.ORDINAL_SUFFIX:
            j += 1
        if 1 <= day <= 31:
            return day, j
    return None


def _absolute(tokens: Sequence[Token], i: int, now: datetime, bare_year: bool
              ) -> tuple[AbsoluteDate, int, str | None] | None:
    """An absolute date at ``i``: ISO text, "March 2025", "1 March 2025", "Mar 1, 2025", "2025"."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind == "iso":
        try:
            return AbsoluteDate.parse(tok.text.upper()), i + 1, None
        except Exception:
            return None
    if tok.kind in ("slash", "ymd", "monthyear"):
        parts = [int(p) for p in re.split(r"[/.-]", tok.low)]
        try:
            if tok.kind == "monthyear":
                return AbsoluteDate("month", datetime(parts[1], parts[0], 1, tzinfo=UTC)), i + 1, None
            if tok.kind == "ymd":
                return AbsoluteDate("day", datetime(parts[0], parts[1], parts[2], tzinfo=UTC)), i + 1, None
            moment = datetime(parts[2], parts[1], parts[0], tzinfo=UTC)
        except ValueError:
            return None
        return AbsoluteDate("day", moment), i + 1, f"'{tok.text}' read as day/month/year"
    year = _year(tokens, i)
    if year is not None:
        if low_at(tokens, i + 1) in lx.MONTHS:  # "2025 March" is rare but harmless
            return AbsoluteDate("month", datetime(year, lx.MONTHS[low_at(tokens, i + 1)], 1, tzinfo=UTC)), i + 2, None
        return (AbsoluteDate("year", datetime(year, 1, 1, tzinfo=UTC)), i + 1, None) if bare_year else None
    day_first = _day(tokens, i)
    j = i
    day = None
    if day_first is not None:
        day, j = day_first
        if low_at(tokens, j) == "of":
            j += 1
    month_word = low_at(tokens, j)
    if month_word not in lx.MONTHS:
        return None
    month = lx.MONTHS[month_word]
    j += 1
    if low_at(tokens, j) == ".":
        j += 1
    if day is None:
        after_day = _day(tokens, j)
        if after_day is not None and _year(tokens, j) is None:
            day, j = after_day
    if low_at(tokens, j) in (",", "-") or (low_at(tokens, j) == "'" and _short_year(tokens, j + 1) is not None):
        j += 1
    year = _year(tokens, j) or (_short_year(tokens, j) if low_at(tokens, j - 1) == "'" else None)
    note = None
    if year is not None:
        j += 1
    else:
        if low_at(tokens, j - 1) in (",", "-", "'"):
            j -= 1
        # SPEC: a bare month name means its most recent occurrence not in the future.
        if day is None:
            year = now.year if month <= now.month else now.year - 1
        else:
            year = now.year if (month, day) <= (now.month, now.day) else now.year - 1
        written = tokens[i].text if day is None else shown(tokens[i:j])
        note = f"'{written}' read as {written.title()} {year}"
    try:
        if day is None:
            return AbsoluteDate("month", datetime(year, month, 1, tzinfo=UTC)), j, note
        return AbsoluteDate("day", datetime(year, month, day, tzinfo=UTC)), j, note
    except ValueError:
        return None


def _date_value(tokens: Sequence[Token], i: int, now: datetime, bare_year: bool
                ) -> tuple[AbsoluteDate | CalendarPeriod, int, str | None] | None:
    """An absolute date or a named calendar period."""
    found = _absolute(tokens, i, now, bare_year)
    if found is not None:
        return found
    period = _period(tokens, i)
    if period is not None:
        return period[0], period[1], None
    return None


def _start_of(tokens: Sequence[Token], i: int, now: datetime) -> tuple[AbsoluteDate | CalendarPeriod, int] | None:
    """"the start of this month" / "the beginning of 2025"."""
    j = i + 1 if low_at(tokens, i) == "the" else i
    if low_at(tokens, j) in ("start", "beginning") and low_at(tokens, j + 1) == "of":
        found = _date_value(tokens, j + 2, now, bare_year=True)
        if found is not None:
            return found[0], found[1]
        # "the start of the year": the current one.
        k = j + 3 if low_at(tokens, j + 2) == "the" else j + 2
        unit = _unit(tokens, k)
        if unit is not None and low_at(tokens, k) not in ("days", "weeks", "months", "quarters", "years"):
            return CalendarPeriod(unit[0], 0), unit[1]
    return None


def _next_day(value: AbsoluteDate) -> AbsoluteDate:
    end = value.end
    if value.granularity == "year":
        return AbsoluteDate("year", end)
    if value.granularity == "month":
        return AbsoluteDate("month", end)
    if value.granularity == "day":
        return AbsoluteDate("day", end)
    return AbsoluteDate("instant", end + timedelta(milliseconds=1))


def _since(value: AbsoluteDate | CalendarPeriod) -> tuple[str, Any]:
    """From the start of ``value`` on: after the previous period, or after the start instant."""
    if isinstance(value, CalendarPeriod):
        return "after", CalendarPeriod(value.period, value.offset - 1)
    if value.granularity == "instant":
        return "after", value
    return "after", AbsoluteDate("instant", value.start)


def _ago_range(tokens: Sequence[Token], i: int, now: datetime) -> tuple[tuple[str, Any, str | None], int] | None:
    """"between 30 and 60 days ago", "30-60 days ago": both ends counted back from now."""
    j = i + 1 if low_at(tokens, i) in lx.BETWEEN_WORDS else i
    if j >= len(tokens) or tokens[j].kind != "num" or not tokens[j].low.isdigit():
        return None
    if low_at(tokens, j + 1) not in lx.RANGE_JOINERS:
        return None
    span = _duration(tokens, j + 2)
    if span is None or low_at(tokens, span[1]) not in ("ago", "back"):
        return None
    near, far = sorted((int(tokens[j].low), span[0].amount))
    if near < 1:
        return None
    unit = span[0].unit
    return ("ago_range", (RelativeAmount(near, unit), RelativeAmount(far, unit)), None), span[1] + 1


_QUARTER_WORDS = {"q1": 1, "q2": 2, "q3": 3, "q4": 4}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4,
             "final": 4}
_HALVES = {"h1": 1, "h2": 2}


def _named_part(tokens: Sequence[Token], j: int) -> tuple[str, int, int] | None:
    """"Q3", "H1", "the third quarter of", "the second half of": (quarter|half, number, index after)."""
    word = low_at(tokens, j)
    if word in _QUARTER_WORDS:
        return "quarter", _QUARTER_WORDS[word], j + 1
    if word in _HALVES:
        return "half", _HALVES[word], j + 1
    k = j + 1 if word == "the" else j
    ordinal = low_at(tokens, k)
    if ordinal in ("1", "2", "3", "4") and low_at(tokens, k + 1) in ("st", "nd", "rd", "th"):
        ordinal, k = ordinal + low_at(tokens, k + 1), k + 1
    if ordinal in _ORDINALS and low_at(tokens, k + 1) in ("quarter", "half"):
        has_of = low_at(tokens, k + 2) == "of"
        if ordinal in ("last", "final") and not has_of:
            return None  # "the last quarter" is a window (SPEC), "the last quarter of 2025" is Q4
        part = low_at(tokens, k + 1)
        number = _ORDINALS[ordinal]
        if part == "half":
            if number > 2 and ordinal not in ("last", "final"):
                return None
            number = min(number, 2)
        return part, number, k + 3 if has_of else k + 2
    return None


def _quarter(tokens: Sequence[Token], i: int, now: datetime) -> tuple[tuple[str, Any, str | None], int] | None:
    prep = _PREPS.match(tokens, i)
    kind, j = prep if prep is not None else ("on", i)
    if low_at(tokens, j) == "the" and low_at(tokens, j + 1) in _QUARTER_WORDS:
        j += 1
    named = _named_part(tokens, j)
    if named is None:
        return None
    part, number, j = named
    months = 3 if part == "quarter" else 6
    if low_at(tokens, j) == "of" and _year(tokens, j + 1) is not None:
        j += 1  # "Q1 of 2026"
    year = _year(tokens, j)
    note = None
    if year is None:
        if low_at(tokens, j - 1) == "of":
            return None  # "the first quarter of the year" and the like are not read
        current = (now.month - 1) // months + 1
        year = now.year if number <= current else now.year - 1
        label = f"{'Q' if part == 'quarter' else 'H'}{number}"
        note = f"'{shown(tokens[i:j])}' read as {label} {year}"
    else:
        j += 1
    first = AbsoluteDate("month", datetime(year, months * number - months + 1, 1, tzinfo=UTC))
    last = AbsoluteDate("month", datetime(year, months * number, 1, tzinfo=UTC))
    if kind == "before":
        return ("before", first, note), j
    if kind == "after":
        return ("after", last, note), j
    if kind in ("since", "from"):
        return (*_since(first), note), j
    if kind == "until":
        return ("before", AbsoluteDate("month", last.end), note), j
    tail = _OPEN_ENDS.match(tokens, j) if kind in ("on", "in", "during") else None
    if tail is not None and low_at(tokens, tail[1]) not in ("than", "then"):
        # "in Q1 2025 or earlier", "H2 2025 or later"
        if tail[0] == "later":
            return (*_since(first), note), tail[1]
        return ("before", AbsoluteDate("month", last.end), note), tail[1]
    return ("between", (first, last), note), j


def read_date(tokens: Sequence[Token], i: int, now: datetime) -> tuple[DateExpr, int] | None:
    """The date expression starting at ``i`` and the index after it, or None."""
    found = _read(tokens, i, now)
    if found is None:
        return None
    (op, value, note), j = found
    if op == "on" and isinstance(value, AbsoluteDate | CalendarPeriod):
        opened = _open_ended(tokens, j, value, note)
        if opened is not None:
            (op, value, note), j = opened
    numbers = None
    if op == "between" and all(t.kind == "num" or t.low in lx.BETWEEN_WORDS or t.low in lx.RANGE_JOINERS
                               for t in tokens[i:j]):
        numbers = (value[0].start.year, value[1].start.year)
        if j < len(tokens) and tokens[j].low in lx.TIMES_SUFFIX:
            return None  # "between 2000 and 2100 times": a count, read as a quantity
    return DateExpr(op, value, shown(tokens[i:j]), note, numbers), j


Found = tuple[tuple[str, Any, str | None], int]  # ((op, value, note), index after the phrase)
# A date reader looks at the tokens from ``i`` and returns what it read, or None to let the next one try.
DateReader = Callable[[Sequence[Token], int, datetime], "Found | None"]


def _read(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    for _name, reader in DATE_READERS:
        found = reader(tokens, i, now)
        if found is not None:
            return found
    return None


def _operator_name(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """The SPEC operator names, as typed in manual rules: "last_visit_at within_last 30 days"."""
    word = low_at(tokens, i)
    if word not in ("within_last", "not_within_last", "more_than_ago"):
        return None
    span = _duration(tokens, i + 1)
    return ((word, span[0], None), span[1]) if span is not None else None


def _between(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"between X and Y", "from X to Y": both ends included."""
    if low_at(tokens, i) not in lx.BETWEEN_WORDS:
        return None
    first = _date_value(tokens, i + 1, now, bare_year=True)
    if first is None or low_at(tokens, first[1]) not in lx.RANGE_JOINERS:
        return None
    second = _date_value(tokens, first[1] + 1, now, bare_year=True)
    if second is None:
        return None
    start, start_note = first[0], first[2]
    end_value = second[0]
    if (start_note and not second[2] and isinstance(start, AbsoluteDate)
            and isinstance(end_value, AbsoluteDate) and start.granularity in ("month", "day")):
        # "between March 1 and March 31 2025": the year written once belongs to both ends.
        start = AbsoluteDate(start.granularity, start.start.replace(year=end_value.start.year))
        start_note = None
    notes = "; ".join(n for n in (start_note, second[2]) if n) or None
    return ("between", (start, end_value), notes), second[1]


def _rolling_window(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"in the last 30 days", "past week", "within 2 months", "for 6 months"; bare "last month" is the
    previous calendar month."""
    word = low_at(tokens, i)
    k = i
    prefix = word if word in _WINDOW_PREFIXES else None
    if prefix:
        k += 1
    has_the = low_at(tokens, k) == "the"
    if has_the:
        k += 1
    window = low_at(tokens, k) if low_at(tokens, k) in _WINDOW_WORDS else None
    if window:
        k += 1
    # "since 6 months" is Indian English for "for 6 months".
    if not (window or prefix in ("in", "within", "for", "during", "since")):
        return None
    cmp = _PRE.match(tokens, k)
    k2 = cmp[1] if cmp else k
    span = _duration(tokens, k2)
    if span is not None and low_at(tokens, span[1]) not in ("ago", "back", "before"):
        return ("within_last", span[0], None), span[1]
    if span is None and window and cmp is None and prefix not in ("from", "since"):
        unit = _unit(tokens, k)
        if unit is not None and low_at(tokens, k) not in ("days", "weeks", "months", "quarters", "years"):
            calendar = window in ("previous", "prior", "preceding") or (
                window == "last" and not has_the and prefix in (None, "in", "during"))
            if calendar:
                return ("on", CalendarPeriod(unit[0], -1), None), unit[1]
            return ("within_last", RelativeAmount(1, unit[0]), None), unit[1]
    return None


def _ago(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"over 2 weeks ago", "3 months ago or earlier", "less than a week ago", "since 5 days ago", "last order
    older than 90 days"; a bare "2 months ago" is that calendar month."""
    k = i
    since = low_at(tokens, i) in ("since", "from")
    if since:
        k += 1
    cmp = None if since else _PRE.match(tokens, k)
    k2 = cmp[1] if cmp else k
    span = _duration(tokens, k2)
    if span is None:
        return None
    if cmp is not None and cmp[0] == ("gt", "age") and span[0].unit != "year" and low_at(tokens, span[1]) not in (
            "ago", "back"):
        return ("more_than_ago", span[0], None), span[1]  # years stay an age: "older than 30 years"
    if low_at(tokens, span[1]) not in ("ago", "back"):
        return None
    end = span[1] + 1
    earlier = _EARLIER.match(tokens, end)
    if earlier is None and any(t.low == "+" for t in tokens[k2:span[1]]):
        earlier = (1, end)  # "90+ days ago"
    if earlier is not None and low_at(tokens, earlier[1]) in ("than", "then"):
        earlier = None  # "ago and more than 5 orders" starts the next condition
    if earlier is not None:
        end = earlier[1]
    later = _OPEN_ENDS.match(tokens, end) if earlier is None and cmp is None and not since else None
    if later is not None and later[0] == "later" and low_at(tokens, later[1]) not in ("than", "then"):
        return ("within_last", span[0], None), later[1]  # "2 months ago or later": the mirror of "or earlier"
    if since or (cmp is not None and cmp[0][0] in ("lt", "lte")):
        return ("within_last", span[0], None), end
    if earlier is not None or (cmp is not None and cmp[0][0] in ("gt", "gte")):
        return ("more_than_ago", span[0], None), end
    if cmp is not None:
        return None
    amount = span[0]
    return ("on", CalendarPeriod(amount.unit, -amount.amount),
            f"'{shown(tokens[k2:end])}' read as that calendar {amount.unit}"), end


def _typed_comparison(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """Hand-typed comparisons of a date: "last_visit_at > 2026-01-01" (a date, never a bare year: "> 2025"
    is a number)."""
    word = low_at(tokens, i)
    if word not in _DATE_SYMBOLS:
        return None
    written = _absolute(tokens, i + 1, now, bare_year=False)
    if written is None:
        return None
    typed, typed_end, typed_note = written
    typed_kind = _DATE_SYMBOLS[word]
    if typed_kind == "since":
        return (*_since(typed), typed_note), typed_end
    if typed_kind == "until":
        return ("before", _next_day(typed), typed_note), typed_end
    return (typed_kind, typed, typed_note), typed_end


def _year_to_date(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"ytd", "year to date"."""
    if low_at(tokens, i) == "ytd":
        return ("after", CalendarPeriod("year", -1), None), i + 1
    if low_at(tokens, i) == "year" and low_at(tokens, i + 1) == "to" and low_at(tokens, i + 2) == "date":
        return ("after", CalendarPeriod("year", -1), None), i + 3
    return None


def _preposition(tokens: Sequence[Token], i: int) -> tuple[str | None, int, int]:
    """The date preposition at ``i`` ("before", "since", "in", ...) or None, the index after it, and that
    index before an optional "the"."""
    prep = _PREPS.match(tokens, i)
    kind, j = prep if prep is not None else (None, i)
    the = j
    if low_at(tokens, j) == "the":
        j += 1
    return kind, j, the


def _boundary(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"before the start of this month", "since the start of this year"."""
    kind, j, _ = _preposition(tokens, i)
    if kind not in ("before", "since", "after", "until", "from"):
        return None
    boundary = _start_of(tokens, j, now)
    if boundary is None:
        return None
    value, end = boundary
    if kind in ("before", "until"):
        return ("before", value, None), end
    return (*_since(value), None), end


def _end_of(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """"after the end of March 2026" is after March; "by/before the end of 2025" is up to its end."""
    kind, j, _ = _preposition(tokens, i)
    if kind not in ("before", "after", "until", "since") or low_at(tokens, j) != "end" or low_at(
            tokens, j + 1) != "of":
        return None
    closing = _date_value(tokens, j + 2, now, bare_year=True)
    if closing is None:
        return None
    value, end, note = closing
    if kind in ("after", "since"):
        return ("after", value, note), end
    if isinstance(value, CalendarPeriod):
        return ("before", CalendarPeriod(value.period, value.offset + 1), note), end
    return ("before", _next_day(value), note), end


def _dated(tokens: Sequence[Token], i: int, now: datetime) -> Found | None:
    """Dates and named periods, with or without a preposition: "in 2024", "before March 2025", "this month"."""
    kind, j, the = _preposition(tokens, i)
    found = _date_value(tokens, j if kind else i, now, bare_year=kind is not None)
    if found is None and kind is not None and the != j:
        found = _date_value(tokens, the, now, bare_year=True)
    if found is None:
        return None
    value, end, note = found
    if kind is None:
        if isinstance(value, CalendarPeriod) and value.offset == 0 and value.period != "day":
            return (*_since(value), note), end  # "this month" starts at its first instant (SPEC)
        if value == CalendarPeriod("day", 0):
            return (*_since(value), note), end
        return ("on", value, note), end
    if kind in ("before", "after"):
        return (kind, value, note), end
    if kind == "from":
        # SPEC: "from 2025-06-01" includes that day and what follows, like "since"; but "signups from last
        # week" is during that week.
        if low_at(tokens, end) in ("onwards", "onward", "on", "forward", "forwards"):
            return (*_since(value), note), end + 1
        if isinstance(value, CalendarPeriod):
            return ("on", value, note), end
        return (*_since(value), note), end
    if kind == "since":
        return (*_since(value), note), end
    if kind == "until":
        if isinstance(value, CalendarPeriod):
            return ("before", CalendarPeriod(value.period, value.offset + 1), note), end
        return ("before", _next_day(value), note), end
    return ("on", value, note), end  # in / during / on / of


DATE_READERS: tuple[tuple[str, DateReader], ...] = (
    ("operator name", _operator_name),
    ("quarter or half", _quarter),
    ("range of ago", _ago_range),
    ("between two dates", _between),
    ("rolling window", _rolling_window),
    ("ago", _ago),
    ("typed comparison", _typed_comparison),
    ("year to date", _year_to_date),
    ("start of a period", _boundary),
    ("end of a period", _end_of),
    ("date or named period", _dated),
)


# "in 2022 or earlier", "in March 2025 or later", "on 2025-06-01 or before": the period and all before or
# after it. Both ends are whole periods: "or earlier" ends where the period ends, "or later" starts where
# it starts.
_OPEN_ENDS = PhraseTable({
    **{f"{j} {w}": "earlier" for j in ("or", "and") for w in ("earlier", "before", "prior", "sooner")},
    **{f"{j} {w}": "later" for j in ("or", "and") for w in ("later", "after", "since", "onwards", "onward")},
})


def _open_ended(tokens: Sequence[Token], end: int, value: AbsoluteDate | CalendarPeriod, note: str | None
                ) -> tuple[tuple[str, Any, str | None], int] | None:
    found = _OPEN_ENDS.match(tokens, end)
    if found is None or low_at(tokens, found[1]) in ("than", "then"):
        return None  # "in 2024 or later than ..." is not this phrase
    direction, after = found
    if direction == "later":
        return (*_since(value), note), after
    if isinstance(value, CalendarPeriod):
        return ("before", CalendarPeriod(value.period, value.offset + 1), note), after
    return ("before", _next_day(value), note), after


def read_weekday(tokens: Sequence[Token], i: int, now: datetime) -> tuple[DateExpr | str, int] | None:
    """"since Monday" is the start of this week (weeks run Monday to Monday, SPEC); any other weekday
    phrase ("last Monday": yesterday or a week before?, "on Friday") is refused with a hint, never guessed."""
    prep = _PREPS.match(tokens, i)
    kind, j = prep if prep is not None else (None, i)
    qualifier = low_at(tokens, j) if low_at(tokens, j) in _WEEKDAY_QUALIFIERS else None
    if qualifier:
        j += 1
    day = low_at(tokens, j)
    if day not in _WEEKDAYS:
        return None
    end = j + 1
    text = shown(tokens[i:end])
    if _WEEKDAYS[day] == 0 and qualifier in (None, "this") and kind in ("since", "from"):
        note = f"'{text}' read as since the start of this week (weeks run Monday to Monday, {zone_name(now.tzinfo)})"
        return DateExpr("after", CalendarPeriod("week", -1), text, note), end
    back = (now.weekday() - _WEEKDAYS[day]) % 7 or 7
    example = (now - timedelta(days=back)).date().isoformat()
    return (f"'{text}': a weekday is not read as a date, since which one is meant depends on the day you ask. "
            f"Give a date (e.g. 'since {example}') or a window (e.g. 'in the last 7 days')."), end


def read_bare_span(tokens: Sequence[Token], i: int) -> tuple[DateExpr, int] | None:
    """"60+ days", "3 months" with no preposition, right after "inactive"/"dormant": the window they name."""
    span = _duration(tokens, i)
    if span is None or low_at(tokens, span[1]) in ("ago", "back", "before", "old"):
        return None
    return DateExpr("within_last", span[0], shown(tokens[i:span[1]])), span[1]


def read_year(tokens: Sequence[Token], i: int) -> tuple[DateExpr, int] | None:
    """A bare year, read as that year (only where a year is expected: after "in 2024 or")."""
    year = _year(tokens, i)
    if year is None:
        return None
    return DateExpr("on", AbsoluteDate("year", datetime(year, 1, 1, tzinfo=UTC)), tokens[i].text), i + 1
