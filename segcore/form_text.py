"""A condition's value as someone would type it in a rule builder's value box: "5 months", "Pune, Mumbai",
"last month", "1000".

The Slack modal and the admin page each read their own box back with their own parser, so the words
those parsers expect are the caller's: how a yes/no reads, how a calendar period other than this or last
one reads, and what an absent value shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segcore.rules import AbsoluteDate, CalendarPeriod, RelativeAmount


def value_text(value: Any, *, true: str, false: str, other_period: Callable[[CalendarPeriod], str],
               none: str) -> str:
    def text(v: Any) -> str:
        if isinstance(v, bool):
            return true if v else false
        if isinstance(v, RelativeAmount):
            return v.words()
        if isinstance(v, CalendarPeriod):
            if v.offset == 0:
                return f"this {v.period}"
            if v.offset == -1:
                return f"last {v.period}"
            return other_period(v)
        if isinstance(v, AbsoluteDate):
            return v.to_json()
        if isinstance(v, tuple | list):
            return ", ".join(text(item) for item in v)
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return none if v is None else str(v)

    return text(value)
