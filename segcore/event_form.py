"""An event condition as a rule builder row: the event, how many times, and one box of words.

The Slack modal and the admin page both offer events beside fields. A row is the event, a count operator
(``gte`` ... ``between``, or ``none`` for did not) and a value box holding, separated by commas, the number
of times, a property value and a window: "3, Electronics, in the last 30 days". Any part may be left out:
no number is at least once, no value is any, no window is all time. The window is read by the grammar's
date reader, so it takes the words the grammar takes ("last month", "this year", "in the last 2 weeks").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from segcore.catalog import Event, FieldCatalog
from segcore.grammar.behaviour import event_window
from segcore.grammar.dates import read_date
from segcore.grammar.tokens import tokenize
from segcore.rendering import show_value, when_words
from segcore.rules import (
    AT_LEAST_ONCE,
    EventCondition,
    EventCount,
    PropertyCondition,
)

EVENT_PREFIX = "event:"  # a row's field select holds "event:Product Viewed" for an event
NONE = "none"
COUNT_OPS = ("gte", "gt", "lt", "lte", "eq", "between", NONE)
COUNT_WORDS = {"gte": "at least", "gt": "more than", "lt": "fewer than", "lte": "at most", "eq": "exactly",
               "between": "between", NONE: "did not (none)"}
_TIMES = re.compile(r"^(\d{1,6})(?:\s*(?:times?|x))?$", re.I)
_RANGE = re.compile(r"^(\d{1,6})\s*(?:to|and|-)\s*(\d{1,6})(?:\s*times?)?$", re.I)
_NAMED = re.compile(r"^([a-z][a-z0-9_ ]*?)\s*(?:=|:|\bis\b)\s*(.+)$", re.I)


def event_of(choice: str | None, catalog: FieldCatalog) -> Event | None:
    """The event a field select's value names ("event:Product Viewed"), or None for a field."""
    if not choice or not choice.startswith(EVENT_PREFIX):
        return None
    return catalog.get_event(choice[len(EVENT_PREFIX):])


def event_hint(event: Event) -> str:
    """What to type in the value box of an event row."""
    example = next((p.values[0] for p in event.properties if p.values), None)
    middle = f"{example}, " if example else ""
    return f"times, a value, a window: e.g. 3, {middle}in the last 30 days (each optional)"


def parse_event_row(event: Event, op: str | None, text: str, now: datetime | None = None) -> EventCondition:
    """The event condition of a row; ``ValueError`` says what part could not be read and what is allowed."""
    op = op or "gte"
    if op not in COUNT_OPS:
        raise ValueError(f"choose how many times ({', '.join(COUNT_WORDS.values())})")
    count: EventCount | None = None
    where: list[PropertyCondition] = []
    window = None
    for part in (p.strip() for p in re.split(r"[,;]", text)):
        if not part:
            continue
        times, between = _TIMES.match(part), _RANGE.match(part)
        if (times or between) and count is None and op != NONE:
            if between:
                if op != "between":
                    raise ValueError(f"“{part}” is two numbers: choose “between” as how many times")
                low, high = sorted((int(between.group(1)), int(between.group(2))))
                count = EventCount("between", (low, high))
            else:
                assert times is not None
                if op == "between":
                    raise ValueError("between takes two numbers, e.g. 2 to 5")
                count = EventCount(op, int(times.group(1)))
            continue
        tokens = tokenize(part)
        found = read_date(tokens, 0, now or datetime.now(UTC)) if tokens else None
        if found is not None and found[1] == len(tokens) and window is None:
            window = event_window(found[0], [])
            if window is None:
                raise ValueError(f"“{part}” is not one window of time")
            continue
        condition = _property(event, part)
        if condition is None:
            raise ValueError(f"“{part}” is not a number of times, a window (e.g. in the last 30 days) or "
                             f"{_values_said(event)}")
        if any(w.property == condition.property for w in where):
            raise ValueError(f"give one {condition.property} only")
        where.append(condition)
    if op == NONE:
        count = EventCount("eq", 0)
    elif count is None:
        if op != "gte":
            raise ValueError(f"type how many times, e.g. 3 ({COUNT_WORDS[op]} 3 times)")
        count = AT_LEAST_ONCE
    return EventCondition(event.name, tuple(where), count, window)


def _property(event: Event, part: str) -> PropertyCondition | None:
    named = _NAMED.match(part)
    if named:
        prop = event.get_property(named.group(1).strip().lower().replace(" ", "_"))
        if prop is not None:
            value = named.group(2).strip().strip("\"'")
            return PropertyCondition(prop.name, "eq", prop.canonical_value(value) or value)
    for prop in event.properties:
        known = prop.canonical_value(part.strip("\"'"))
        if known is not None:
            return PropertyCondition(prop.name, "eq", known)
    return None


def _values_said(event: Event) -> str:
    known = [v for p in event.properties for v in p.values[:3]]
    if not known:
        return "anything else (this event has no properties)"
    return "a known value such as " + ", ".join(known) + " (or name=value)"


def event_row(cond: EventCondition, event: Event | None) -> tuple[str, str] | None:
    """``(count op, value text)`` for an event condition, or None when a row cannot show it (a property
    test other than one value, a list of values)."""
    parts: list[str] = []
    if cond.count == EventCount("eq", 0):
        op = NONE
    elif cond.count == AT_LEAST_ONCE:
        op = "gte"
    elif cond.count.op == "between":
        low, high = cond.count.value
        op, parts = "between", [f"{low} to {high}"]
    else:
        op, parts = cond.count.op, [str(cond.count.value)]
    for w in cond.where:
        prop = event.get_property(w.property) if event is not None else None
        if prop is None or w.op != "eq" or not isinstance(w.value, str) or "," in w.value or ";" in w.value:
            return None
        plain = show_value(prop, w.value) == w.value and len(event.properties if event else ()) == 1
        parts.append(w.value if plain else f"{prop.name}={w.value}")
    if cond.when is not None:
        parts.append(when_words(cond.when.op, cond.when.value))
    return op, ", ".join(parts)
