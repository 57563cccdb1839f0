"""What if one threshold moved: the segment's size at round values around each threshold it holds.

A threshold is a number a condition compares with ("total spend more than ₹5,000", "between 18 and 30",
one end at a time), a date ("in the last 30 days", "before 2025-03-01", "last month") or an event
condition's count ("at least 3 times") or window ("in the last 7 days"). For each, ``what_if`` sizes the
rule with that one value replaced by each of a few round values a marketer would type (the current one
among them), every other condition unchanged, wherever the condition sits: inside an ``any`` group or
under a ``not`` the moved condition keeps its place, so the size is exactly what the edited rule selects.

The mirror answers each curve in one query (``segcore.explain.whatif_sql``); when it cannot, MongoDB sizes
the edited rules in one ``$facet`` pass per threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from segcore import limits
from segcore.catalog import FieldCatalog
from segcore.rendering import describe_condition, describe_event
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventCount,
    EventWindow,
    Not,
    RelativeAmount,
    Rule,
    add_months,
    value_to_json,
)
from segcore.validation import validate

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine

Leaf = Condition | EventCondition
Path = tuple[int, ...]

POINTS = 9  # values per curve: four below the current one when there are, the rest above
BELOW = 4


# ---------------------------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """One movable value of one condition: its place in the tree, which part moves, and which end of a range."""

    path: Path
    leaf: Leaf
    part: str  # "value" (a field's), "count" or "when" (an event condition's)
    bound: int | None = None  # 0 / 1: the low / high end of a "between"
    negated: bool = False  # under an odd number of "not"s

    @property
    def op(self) -> str:
        if isinstance(self.leaf, Condition):
            return self.leaf.op
        if self.part == "count":
            return self.leaf.count.op
        assert self.leaf.when is not None
        return self.leaf.when.op

    @property
    def value(self) -> Any:
        """The part's whole current value (both ends of a range)."""
        if isinstance(self.leaf, Condition):
            return self.leaf.value
        if self.part == "count":
            return self.leaf.count.value
        assert self.leaf.when is not None
        return self.leaf.when.value

    @property
    def moving(self) -> Any:
        """The single value that moves (one end of a range)."""
        return self.value if self.bound is None else self.value[self.bound]

    def with_value(self, moved: Any) -> Any:
        """The part's whole value with the moving one replaced (a range keeps its other end)."""
        if self.bound is None:
            return moved
        ends = list(self.value)
        ends[self.bound] = moved
        return tuple(ends)

    def edited(self, whole: Any) -> Leaf:
        """The condition with this part's whole value (both ends of a range) set to ``whole``."""
        if isinstance(self.leaf, Condition):
            return replace(self.leaf, value=whole)
        if self.part == "count":
            return replace(self.leaf, count=EventCount(self.leaf.count.op, whole))
        return replace(self.leaf, when=EventWindow(self.op, whole))

    def text(self, catalog: FieldCatalog) -> str:
        if isinstance(self.leaf, Condition):
            words = describe_condition(self.leaf, catalog)
        else:
            words = describe_event(self.leaf, catalog)
            words += " (how many times)" if self.part == "count" else " (when)"
        if self.bound is not None:
            words += " (the lower end)" if self.bound == 0 else " (the upper end)"
        return f"not ({words})" if self.negated else words


def thresholds(rule: Rule, catalog: FieldCatalog) -> list[Threshold]:
    """Every movable value of a validated rule, left to right."""
    found: list[Threshold] = []
    _collect(rule, catalog, (), False, found)
    return found


def _collect(rule: Rule, catalog: FieldCatalog, path: Path, negated: bool, out: list[Threshold]) -> None:
    if isinstance(rule, AllOf | AnyOf):
        for i, child in enumerate(rule.rules):
            _collect(child, catalog, (*path, i), negated, out)
    elif isinstance(rule, Not):
        _collect(rule.rule, catalog, (*path, 0), not negated, out)
    elif isinstance(rule, Condition):
        field = catalog.field(rule.field)
        movable = (field.is_numeric and rule.op in ("gt", "gte", "lt", "lte", "eq", "ne", "between")) or (
            field.type == "datetime" and rule.op != "exists"
        )
        if movable:
            out.extend(_ends(path, rule, "value", rule.op, negated))
    else:
        out.extend(_ends(path, rule, "count", rule.count.op, negated))
        if rule.when is not None:
            out.extend(_ends(path, rule, "when", rule.when.op, negated))


def _ends(path: Path, leaf: Leaf, part: str, op: str, negated: bool) -> list[Threshold]:
    if op == "between":
        return [Threshold(path, leaf, part, 0, negated), Threshold(path, leaf, part, 1, negated)]
    return [Threshold(path, leaf, part, None, negated)]


# ---------------------------------------------------------------------------------------------- round values


def _nice(mantissas: tuple[float, ...], top: float) -> list[int | float]:
    out: list[int | float] = []
    exp = 0
    while True:
        for m in mantissas:
            v = m * 10**exp
            if v > top:
                return out
            out.append(int(v) if float(v).is_integer() else v)
        exp += 1


_MONEY = (1, 2.5, 5)  # ₹1,000 / ₹2,500 / ₹5,000 / ₹10,000
_COUNTS = (1, 1.5, 2, 2.5, 3, 4, 5, 7.5)  # 10, 15, 20, 25, 30, 40, 50, 75, 100 ...
_RELATIVE = {
    "day": (1, 3, 7, 14, 30, 60, 90, 180, 365),
    "week": (1, 2, 3, 4, 6, 8, 12, 26, 52),
    "month": (1, 2, 3, 6, 9, 12, 18, 24, 36),
    "quarter": (1, 2, 3, 4, 6, 8, 12),
    "year": (1, 2, 3, 4, 5, 7, 10),
}
_PERIOD_OFFSETS = (-24, -12, -6, -4, -3, -2, -1, 0, 1, 2, 3)
_DAY_SHIFTS = (-365, -180, -90, -60, -30, -14, -7, 0, 7, 14, 30, 60, 90, 180, 365)
_MONTH_SHIFTS = (-24, -12, -6, -3, -2, -1, 0, 1, 2, 3, 6, 12, 24)
_YEAR_SHIFTS = (-10, -5, -3, -2, -1, 0, 1, 2, 3, 5, 10)


def _around(current: Any, candidates: list[Any], key: Any = None) -> list[Any]:
    """``POINTS`` values in order: up to ``BELOW`` under the current one, the current one, the rest above."""
    order = key or (lambda v: v)
    unique: dict[Any, Any] = {}
    for v in [*candidates, current]:
        unique.setdefault(order(v), v)
    ordered = [unique[k] for k in sorted(unique)]
    at = [order(v) for v in ordered].index(order(current))
    start = max(0, min(at - BELOW, len(ordered) - POINTS))
    return ordered[start:start + POINTS]


def points(threshold: Threshold, catalog: FieldCatalog) -> list[Any]:
    """Round values around the threshold's current one, in the same form (a relative date stays relative)."""
    current = threshold.moving
    other = None if threshold.bound is None else threshold.value[1 - threshold.bound]
    if isinstance(current, RelativeAmount):
        ladder = [RelativeAmount(a, current.unit) for a in _RELATIVE[current.unit] if a <= limits.MAX_RELATIVE_AMOUNT]
        return _around(current, ladder, key=lambda v: v.amount)
    if isinstance(current, CalendarPeriod):
        offsets = [CalendarPeriod(current.period, o) for o in _PERIOD_OFFSETS
                   if abs(o) <= limits.MAX_RELATIVE_AMOUNT]
        return _around(current, _within(offsets, other, threshold.bound, _period_key), key=_period_key)
    if isinstance(current, AbsoluteDate):
        return _around(current, _within(_dates(current), other, threshold.bound, _date_key), key=_date_key)
    return _around(current, _within(_numbers(threshold, catalog, current), other, threshold.bound, _number_key),
                   key=_number_key)


def _number_key(v: Any) -> float:
    return float(v)


def _date_key(v: AbsoluteDate) -> datetime:
    return v.start


def _period_key(v: CalendarPeriod) -> int:
    return v.offset


def _within(values: list[Any], other: Any, bound: int | None, key: Any) -> list[Any]:
    """One end of a range moves only as far as the other end (a range is never upside down)."""
    if bound is None or other is None or not isinstance(other, type(values[0]) if values else object):
        return values
    if bound == 0:
        return [v for v in values if key(v) <= key(other)]
    return [v for v in values if key(v) >= key(other)]


def _numbers(threshold: Threshold, catalog: FieldCatalog, current: int | float) -> list[int | float]:
    top = max(abs(float(current)) * 1000, 10_000)
    top = min(top, limits.MAX_NUMBER)
    money = isinstance(threshold.leaf, Condition) and catalog.field(threshold.leaf.field).money
    ladder = [v for v in _nice(_MONEY, top) if v >= 100] if money else _nice(_COUNTS, top)
    if threshold.part == "count" or (
        isinstance(threshold.leaf, Condition) and catalog.field(threshold.leaf.field).type == "int"
    ):
        ladder = [v for v in ladder if float(v).is_integer()]
        ladder = [int(v) for v in ladder]
    return ladder


def _dates(current: AbsoluteDate) -> list[AbsoluteDate]:
    out = []
    if current.granularity in ("day", "instant"):
        out = [AbsoluteDate(current.granularity, current.start + timedelta(days=d)) for d in _DAY_SHIFTS]
    elif current.granularity == "month":
        out = [AbsoluteDate("month", add_months(current.start, m)) for m in _MONTH_SHIFTS]
    else:
        out = [AbsoluteDate("year", current.start.replace(year=current.start.year + y)) for y in _YEAR_SHIFTS
               if 1900 <= current.start.year + y <= 2200]
    return [d for d in out if 1900 <= d.start.year <= 2200]


# ---------------------------------------------------------------------------------------------- the tree


def put(rule: Rule, path: Path, leaf: Rule) -> Rule:
    """``rule`` with the node at ``path`` replaced by ``leaf`` (everything else unchanged)."""
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    if isinstance(rule, Not):
        return Not(put(rule.rule, rest, leaf))
    if isinstance(rule, AllOf | AnyOf):
        children = list(rule.rules)
        children[head] = put(children[head], rest, leaf)
        return type(rule)(tuple(children))
    raise ValueError(f"no node at {path!r}")


def given(rule: Rule, path: Path, holds: bool) -> Rule | bool:
    """The rest of the rule once the condition at ``path`` is known to hold (or not): a rule, or True / False.

    A person's membership is "(condition and given(True)) or (not condition and given(False))" (Shannon's
    expansion), which lets a curve test only the moving condition per value and the rest once.
    """
    if not path:
        return holds
    head, rest = path[0], path[1:]
    if isinstance(rule, Not):
        inner = given(rule.rule, rest, holds)
        return (not inner) if isinstance(inner, bool) else Not(inner)
    if not isinstance(rule, AllOf | AnyOf):
        raise ValueError(f"no node at {path!r}")
    every = isinstance(rule, AllOf)
    children: list[Rule] = []
    for i, child in enumerate(rule.rules):
        known = given(child, rest, holds) if i == head else child
        if isinstance(known, bool):
            if known != every:  # a false member decides "all", a true one decides "any"
                return known
            continue
        children.append(known)
    if not children:
        return every
    return children[0] if len(children) == 1 else type(rule)(tuple(children))


# ---------------------------------------------------------------------------------------------- curves


@dataclass(frozen=True)
class Point:
    value: Any
    size: int


@dataclass(frozen=True)
class Curve:
    threshold: Threshold
    points: tuple[Point, ...]
    engine: str

    def to_json(self, catalog: FieldCatalog) -> dict[str, Any]:
        t = self.threshold
        head: dict[str, Any] = (
            {"field": t.leaf.field} if isinstance(t.leaf, Condition) else {"event": t.leaf.event}
        )
        return {
            **head,
            "op": t.op,
            "value": value_to_json(t.value),
            "text": t.text(catalog),
            "points": [{"value": value_to_json(p.value), "size": p.size} for p in self.points],
        }


@dataclass(frozen=True)
class WhatIf:
    size: int
    curves: tuple[Curve, ...]
    engine: str

    def to_json(self, catalog: FieldCatalog) -> dict[str, Any]:
        return {"size": self.size, "conditions": [c.to_json(catalog) for c in self.curves]}


def what_if(engine: AudienceEngine, team_id: str, rule: Rule, now: datetime) -> WhatIf:
    """The size now and, for every threshold of ``rule``, the sizes at round values around it."""
    catalog = engine.catalog
    checked = validate(rule, catalog)
    size = engine.count(team_id, checked, now)
    clock = engine.clock(team_id, now)
    curves = []
    for threshold in thresholds(checked, catalog):
        values = points(threshold, catalog)
        wholes = [threshold.with_value(v) for v in values]
        sizes, name = curve_sizes(engine, team_id, checked, threshold, wholes, clock)
        curves.append(Curve(threshold, tuple(Point(w, s) for w, s in zip(wholes, sizes, strict=True)), name))
    return WhatIf(size.size, tuple(curves), size.engine)


def curve_sizes(engine: AudienceEngine, team_id: str, rule: Rule, threshold: Threshold, wholes: list[Any],
                clock: datetime) -> tuple[list[int], str]:
    """The rule's size with the threshold's part set to each of ``wholes``: from the first counter that can."""
    from segcore.explain.whatif_sql import mirror_curve
    from segcore.mirror.counter import MirrorCounter
    from segcore.mirror.mirror import MirrorUnavailable

    leaves = [threshold.edited(w) for w in wholes]
    for counter in engine.counters:
        if isinstance(counter, MirrorCounter):
            try:
                return mirror_curve(counter.mirror, team_id, rule, threshold.path, leaves, clock), counter.name
            except MirrorUnavailable:
                continue
    return mongo_curve(engine, team_id, rule, threshold.path, leaves, clock), engine.mongo.name


def mongo_curve(engine: AudienceEngine, team_id: str, rule: Rule, path: Path, leaves: list[Leaf],
                clock: datetime) -> list[int]:
    """MongoDB's answer: the edited rules sized together (one ``$facet`` pass over the workspace's people)."""
    edited = {str(i): put(rule, path, leaf) for i, leaf in enumerate(leaves)}
    sizes = engine.mongo.sizes(team_id, edited, clock)
    return [int(sizes[str(i)]) for i in range(len(leaves))]
