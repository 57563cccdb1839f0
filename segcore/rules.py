"""The rule tree: small frozen dataclasses and their JSON form (SPEC "Rules").

A rule is a ``Condition`` leaf or a group: ``AllOf`` / ``AnyOf`` / ``Not``. Date values come in three
kinds, so a saved segment keeps relative dates relative:

- ``RelativeAmount`` ``{"amount": 5, "unit": "month"}`` for ``within_last`` / ``not_within_last`` /
  ``more_than_ago``;
- ``CalendarPeriod`` ``{"period": "month", "offset": -1}`` ("last month"; offset 0 is "this month");
- ``AbsoluteDate``, written ``"2025"``, ``"2025-03"``, ``"2025-03-01"`` or ``"2025-03-01T10:30:00Z"``.

``rule_from_json`` only checks the shape; ``segcore.validation.validate`` checks a tree against a catalog
and returns it with canonical, typed values.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias

from segcore import limits
from segcore.errors import RuleError

UNITS = ("day", "week", "month", "quarter", "year")
_UNIT_ALIASES = {u + "s": u for u in UNITS}



def to_millisecond(moment: datetime) -> datetime:
    """BSON dates keep milliseconds (pymongo drops the rest): truncate, so that what is stored, compared
    and read back is the same instant."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

@dataclass(frozen=True)
class RelativeAmount:
    """A span counted back from ``now``: "5 months", "2 weeks"."""

    amount: int
    unit: str

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}

    def words(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class CalendarPeriod:
    """A calendar period relative to ``now``: offset 0 is the current one, -1 the previous one."""

    period: str
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "offset": self.offset}


@dataclass(frozen=True)
class AbsoluteDate:
    """A calendar year, month or day, or an exact instant.

    ``start`` holds the date at 00:00 UTC as a label; where a year, month or day starts and ends depends on
    the workspace's zone, so bounds come from ``date_bounds``, never from ``start`` / ``end`` directly.
    An instant is an instant in UTC."""

    granularity: str  # "year" | "month" | "day" | "instant"
    start: datetime

    @property
    def end(self) -> datetime:
        """The first instant after the period (the instant itself for an instant)."""
        if self.granularity == "year":
            return self.start.replace(year=self.start.year + 1)
        if self.granularity == "month":
            return add_months(self.start, 1)
        if self.granularity == "day":
            return self.start + timedelta(days=1)
        return self.start

    def to_json(self) -> str:
        s = self.start
        if self.granularity == "year":
            return f"{s.year:04d}"
        if self.granularity == "month":
            return f"{s.year:04d}-{s.month:02d}"
        if self.granularity == "day":
            return f"{s.year:04d}-{s.month:02d}-{s.day:02d}"
        text = s.strftime("%Y-%m-%dT%H:%M:%S")
        if s.microsecond:
            text += f".{s.microsecond // 1000:03d}"
        return text + "Z"

    @classmethod
    def parse(cls, text: str) -> AbsoluteDate:
        text = text.strip()
        try:
            if re.fullmatch(r"\d{4}", text):
                return cls("year", datetime(int(text), 1, 1, tzinfo=UTC))
            if re.fullmatch(r"\d{4}-\d{2}", text):
                y, m = text.split("-")
                return cls("month", datetime(int(y), int(m), 1, tzinfo=UTC))
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return cls("day", datetime.fromisoformat(text).replace(tzinfo=UTC))
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", text):
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                moment = moment.astimezone(UTC)
                return cls("instant", to_millisecond(moment))
        except ValueError:
            pass
        raise RuleError(
            f"{text!r} is not a date. Write a year (2025), a month (2025-03), a day (2025-03-01) "
            "or a moment in UTC (2025-03-01T10:30:00Z)."
        )


DateValue: TypeAlias = AbsoluteDate | CalendarPeriod


@dataclass(frozen=True)
class Condition:
    """One test on one field: ``{"field": "visits", "op": "gt", "value": 50}``."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class PropertyCondition:
    """One test on one property of an event: ``{"property": "category", "op": "eq", "value": "Fashion"}``."""

    property: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class EventCount:
    """How many matching events a person has: ``{"op": "gte", "value": 3}``; a person with none has 0."""

    op: str
    value: Any


AT_LEAST_ONCE = EventCount("gte", 1)


@dataclass(frozen=True)
class EventWindow:
    """When the events happened: a datetime operator and value, as a field's (``within_last``, ``on``, ...)."""

    op: str
    value: Any = None


@dataclass(frozen=True)
class EventCondition:
    """What people did (SPEC "Behaviour"): how many ``event``s matching ``where`` within ``when``.

    ``{"event": "Product Viewed", "where": [...], "count": {"op": "gte", "value": 3}, "when": {...}}``;
    ``where`` defaults to none, ``count`` to at least once, ``when`` to all time.
    """

    event: str
    where: tuple[PropertyCondition, ...] = ()
    count: EventCount = AT_LEAST_ONCE
    when: EventWindow | None = None


@dataclass(frozen=True)
class AllOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    rule: Rule


Rule: TypeAlias = Condition | EventCondition | AllOf | AnyOf | Not


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar arithmetic: 2026-11-24 minus 5 months is 2026-06-24; day clamped to the month's end."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def subtract(now: datetime, amount: RelativeAmount) -> datetime:
    """``now`` minus a span; weeks are 7 days, months, quarters and years are calendar months.

    Counted on the UTC clock whatever the workspace's zone: "in the last 30 days" is the same instants
    everywhere (SPEC: relative amounts do not depend on the zone)."""
    now = now.astimezone(UTC)
    n = amount.amount
    if amount.unit == "day":
        return now - timedelta(days=n)
    if amount.unit == "week":
        return now - timedelta(days=7 * n)
    months = {"month": 1, "quarter": 3, "year": 12}[amount.unit]
    return add_months(now, -n * months)


def period_bounds(period: CalendarPeriod, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of a calendar period relative to ``now``, on ``now``'s clock.

    ``now`` carries the workspace's zone (``segcore.timezones``): periods start at local midnight (weeks on
    Monday), so a day across a daylight-saving change is 23 or 25 hours long."""
    local = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    day = local.date()
    if period.period == "day":
        first = day + timedelta(days=period.offset)
        return _midnights(first, first + timedelta(days=1), local)
    if period.period == "week":
        first = day - timedelta(days=day.weekday()) + timedelta(weeks=period.offset)
        return _midnights(first, first + timedelta(weeks=1), local)
    if period.period == "month":
        first = add_months(datetime(day.year, day.month, 1), period.offset).date()
        return _midnights(first, add_months(datetime(first.year, first.month, 1), 1).date(), local)
    if period.period == "quarter":
        quarter = datetime(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        first = add_months(quarter, 3 * period.offset).date()
        return _midnights(first, add_months(datetime(first.year, first.month, 1), 3).date(), local)
    first = date(day.year + period.offset, 1, 1)
    return _midnights(first, date(first.year + 1, 1, 1), local)


def date_bounds(value: DateValue, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of an absolute or calendar-relative date value, on ``now``'s clock.

    A year, month or day written as a date starts and ends at midnight in ``now``'s zone; an exact
    instant ("2025-03-01T10:30:00Z") names one moment whatever the zone."""
    if isinstance(value, CalendarPeriod):
        return period_bounds(value, now)
    if value.granularity == "instant":
        return value.start, value.end
    local = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return _midnights(value.start.date(), value.end.date(), local)


def _midnights(first: date, after: date, clock: datetime) -> tuple[datetime, datetime]:
    """Local midnight starting ``first`` and local midnight starting ``after``, as UTC instants.

    A midnight a daylight-saving jump skips (fold 0 reads it on the clock before the jump) is the first
    instant of that day; a midnight that happens twice is the first of the two."""
    zone = clock.tzinfo

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

    return midnight(first), midnight(after)


# ---------------------------------------------------------------------------------------------- JSON


def value_to_json(value: Any) -> Any:
    if isinstance(value, RelativeAmount | CalendarPeriod | AbsoluteDate):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [value_to_json(v) for v in value]
    return value


def rule_to_json(rule: Rule) -> dict[str, Any]:
    """The JSON form of SPEC: conditions and ``all`` / ``any`` / ``not`` groups."""
    if isinstance(rule, Condition):
        data: dict[str, Any] = {"field": rule.field, "op": rule.op}
        if rule.value is not None:
            data["value"] = value_to_json(rule.value)
        return data
    if isinstance(rule, EventCondition):
        return event_to_json(rule)
    if isinstance(rule, AllOf):
        return {"all": [rule_to_json(r) for r in rule.rules]}
    if isinstance(rule, AnyOf):
        return {"any": [rule_to_json(r) for r in rule.rules]}
    if isinstance(rule, Not):
        return {"not": rule_to_json(rule.rule)}
    raise TypeError(f"not a rule: {rule!r}")


def event_to_json(rule: EventCondition) -> dict[str, Any]:
    """SPEC's event leaf; defaults (no ``where``, at least once, all time) are left out."""
    data: dict[str, Any] = {"event": rule.event}
    if rule.where:
        data["where"] = [
            {"property": w.property, "op": w.op, **({} if w.value is None else {"value": value_to_json(w.value)})}
            for w in rule.where
        ]
    if rule.count != AT_LEAST_ONCE:
        data["count"] = {"op": rule.count.op, "value": value_to_json(rule.count.value)}
    if rule.when is not None:
        data["when"] = {"op": rule.when.op, **({} if rule.when.value is None else {"value": value_to_json(rule.when.value)})}
    return data


def _raw_value(value: Any, path: str) -> Any:
    """Turn JSON into the value shapes rules hold; types against the catalog are checked later."""
    if isinstance(value, list):
        return tuple(_raw_value(v, f"{path}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"amount", "unit"}:
            amount, unit = value["amount"], value["unit"]
            if isinstance(unit, str):
                unit = _UNIT_ALIASES.get(unit.lower(), unit.lower())
            if isinstance(amount, bool) or not isinstance(amount, int) or unit not in UNITS:
                raise RuleError(
                    f"A relative date needs a whole number and a unit ({', '.join(UNITS)}); got {value!r}.",
                    path,
                )
            return RelativeAmount(amount, unit)
        if keys == {"period", "offset"}:
            period, offset = value["period"], value["offset"]
            if period not in UNITS or isinstance(offset, bool) or not isinstance(offset, int):
                raise RuleError(
                    f"A calendar period needs a period ({', '.join(UNITS)}) and a whole-number offset; "
                    f"got {value!r}.",
                    path,
                )
            return CalendarPeriod(period, offset)
        raise RuleError(
            "A value can be a number, text, true/false, a list, a date, "
            '{"amount": N, "unit": ...} or {"period": ..., "offset": N}; '
            f"got an object with keys {sorted(keys)}.",
            path,
        )
    return value


def rule_from_json(data: Any, path: str = "", _level: int = 0) -> Rule:
    """Build a rule tree from its JSON form, checking the shape only (not the catalog)."""
    here = path or "rule"
    if _level > limits.MAX_DEPTH:
        # Refused while reading, not after: a hostile body nested thousands deep would otherwise exhaust
        # the interpreter's recursion limit before validation could say what was wrong.
        raise RuleError(f"Rules can be nested at most {limits.MAX_DEPTH} levels deep.", here)
    if not isinstance(data, dict):
        raise RuleError(
            'A rule must be an object: a condition {"field", "op", "value"} or a group '
            '{"all": [...]}, {"any": [...]} or {"not": {...}}.',
            here,
        )
    keys = set(data)
    for group in ("all", "any"):
        if group in keys:
            if keys != {group}:
                raise RuleError(f'A "{group}" group takes no other keys; found {sorted(keys - {group})}.', here)
            items = data[group]
            if not isinstance(items, list) or not items:
                raise RuleError(f'"{group}" must be a non-empty list of rules.', here)
            rules = tuple(rule_from_json(item, f"{path}{group}[{i}]", _level + 1) for i, item in enumerate(items))
            return AllOf(rules) if group == "all" else AnyOf(rules)
    if "not" in keys:
        if keys != {"not"}:
            raise RuleError(f'A "not" group takes no other keys; found {sorted(keys - {"not"})}.', here)
        return Not(rule_from_json(data["not"], f"{path}not.", _level + 1))
    if "event" in keys:
        return _event_from_json(data, path, here)
    if "field" in keys or "op" in keys:
        unknown = keys - {"field", "op", "value"}
        if unknown:
            raise RuleError(
                f"Unknown key(s) {sorted(unknown)} in a condition; a condition has field, op and value.", here
            )
        field, op = data.get("field"), data.get("op")
        if not isinstance(field, str) or not field:
            raise RuleError('A condition needs a "field" (text).', here)
        if not isinstance(op, str) or not op:
            raise RuleError(f'The condition on {field!r} needs an "op" (text).', here, field)
        return Condition(field, op, _raw_value(data.get("value"), f"{path}value"))
    raise RuleError(
        f"Unrecognised rule with keys {sorted(keys)}: expected field/op/value, event, all, any or not.", here
    )


def _op_and_value(data: Any, what: str, path: str, here: str) -> tuple[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("op"), str) or not data["op"]:
        raise RuleError(f'{what} must be an object with an "op" (text) and a "value".', here)
    unknown = set(data) - {"op", "value"}
    if unknown:
        raise RuleError(f"Unknown key(s) {sorted(unknown)} in {what}; it has op and value.", here)
    return data["op"], _raw_value(data.get("value"), path)


def _event_from_json(data: dict[str, Any], path: str, here: str) -> EventCondition:
    unknown = set(data) - {"event", "where", "count", "when"}
    if unknown:
        raise RuleError(
            f"Unknown key(s) {sorted(unknown)} in an event condition; it has event, where, count and when.", here
        )
    event = data["event"]
    if not isinstance(event, str) or not event.strip():
        raise RuleError('An event condition needs an "event" (text), e.g. "Order Completed".', here)
    raw_where = data.get("where", [])
    if not isinstance(raw_where, list):
        raise RuleError('"where" must be a list of property conditions {"property", "op", "value"}.', here)
    where = []
    for i, item in enumerate(raw_where):
        spot = f"{path}where[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("property"), str) or not item["property"]:
            raise RuleError('A property condition needs a "property" (text), an "op" and a "value".', spot)
        rest = {k: v for k, v in item.items() if k != "property"}
        op, value = _op_and_value(rest, f"the condition on property {item['property']!r}", f"{spot}.value", spot)
        where.append(PropertyCondition(item["property"], op, value))
    count = AT_LEAST_ONCE
    if data.get("count") is not None:
        op, value = _op_and_value(data["count"], '"count"', f"{path}count.value", here)
        count = EventCount(op, value)
    when = None
    if data.get("when") is not None:
        op, value = _op_and_value(data["when"], '"when"', f"{path}when.value", here)
        when = EventWindow(op, value)
    return EventCondition(event, tuple(where), count, when)


def conditions(rule: Rule) -> Iterator[Condition]:
    """Every field condition in the tree, left to right (event conditions are in ``event_conditions``)."""
    if isinstance(rule, Condition):
        yield rule
    elif isinstance(rule, EventCondition):
        return
    elif isinstance(rule, AllOf | AnyOf):
        for child in rule.rules:
            yield from conditions(child)
    else:
        yield from conditions(rule.rule)


def event_conditions(rule: Rule) -> Iterator[EventCondition]:
    """Every event condition in the tree, left to right."""
    if isinstance(rule, EventCondition):
        yield rule
    elif isinstance(rule, AllOf | AnyOf):
        for child in rule.rules:
            yield from event_conditions(child)
    elif isinstance(rule, Not):
        yield from event_conditions(rule.rule)


def depth(rule: Rule) -> int:
    """Nesting depth: a condition is 0, a group of conditions is 1."""
    if isinstance(rule, Condition | EventCondition):
        return 0
    if isinstance(rule, AllOf | AnyOf):
        return 1 + max(depth(r) for r in rule.rules)
    return 1 + depth(rule.rule)


def all_of(*rules: Rule) -> Rule:
    """``all`` of the rules, flattened; a single rule stands alone."""
    flat: list[Rule] = []
    for r in rules:
        flat.extend(r.rules if isinstance(r, AllOf) else (r,))
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def any_of(*rules: Rule) -> Rule:
    """``any`` of the rules, flattened; a single rule stands alone."""
    flat: list[Rule] = []
    for r in rules:
        flat.extend(r.rules if isinstance(r, AnyOf) else (r,))
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))
