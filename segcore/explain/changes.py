"""What an edit changed, in a marketer's words.

``changes(before, after, catalog, now)`` compares two (validated) rule trees and says what moved:
"total spend threshold raised from ₹5,000 to ₹10,000", "added Mumbai to the cities", "dropped the
condition plan is pro", "added: visited in the last 30 days", "viewed a product: window widened from 7 to
30 days", "'and' became 'or'". Values are written as the card writes them (``segcore.rendering``).

Conditions are paired before they are compared: identical ones first, then the same field (or event) in
the same group, then groups of the same kind that share a field. When nothing pairs in a group that had
more than one condition, the honest answer is one line: "conditions rewritten: before … after …".
Two equal trees give an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from segcore.catalog import Field, FieldCatalog
from segcore.rendering import (
    describe,
    describe_condition,
    describe_event,
    format_number,
    plain_number,
    show_value,
    times_words,
    when_words,
)
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventWindow,
    Not,
    PropertyCondition,
    RelativeAmount,
    Rule,
    conditions,
    date_bounds,
    event_conditions,
)

# Approximate lengths, only to say whether a window grew or shrank when its unit changed.
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.44, "quarter": 91.31, "year": 365.25}
# Operators whose value is a set of texts, and the family each belongs to: eq Pune -> in [Pune, Mumbai]
# is "added Mumbai to the cities", not a rewrite.
_INCLUDES = {"eq": "include", "in": "include", "ne": "exclude", "not_in": "exclude",
             "has": "has_any", "has_any": "has_any", "has_all": "has_all", "has_none": "has_none"}
_RAISE_LOWER = ("gt", "gte", "lt", "lte")


def changes(before: Rule, after: Rule, catalog: FieldCatalog, now: datetime) -> list[str]:
    """The differences between two rules, one phrase each; empty when they select by the same rule.

    ``now`` carries the workspace's zone: calendar dates are compared on its clock."""
    return _Differ(catalog, now).node(before, after)


def plural(word: str) -> str:
    """city -> cities, plan -> plans, tags -> tags: the noun a list of values is added to."""
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    return word + "s"


class _Differ:
    def __init__(self, catalog: FieldCatalog, now: datetime) -> None:
        self.catalog = catalog
        self.now = now

    # ------------------------------------------------------------------------------------ trees

    def words(self, rule: Rule) -> str:
        return describe(rule, self.catalog)

    def node(self, before: Rule, after: Rule) -> list[str]:
        if before == after:
            return []
        if isinstance(before, Condition) and isinstance(after, Condition) and before.field == after.field:
            return self.condition(before, after)
        if isinstance(before, EventCondition) and isinstance(after, EventCondition) and _same_event(before, after):
            return self.event(before, after)
        if isinstance(before, Not) and isinstance(after, Not):
            inner = self.node(before.rule, after.rule)
            return [f"inside 'not': {c}" for c in inner]
        if isinstance(before, Not) and before.rule == after:
            return [f"no longer excluded: {self.words(after)}"]
        if isinstance(after, Not) and after.rule == before:
            return [f"now excluded instead: {self.words(before)}"]
        if isinstance(before, AllOf | AnyOf) or isinstance(after, AllOf | AnyOf):
            return self.groups(before, after)
        return self.rewritten(before, after, single=True)

    def groups(self, before: Rule, after: Rule) -> list[str]:
        # A lone condition beside a group reads as a group of one of the group's kind ("added: ...").
        kind_b = type(before) if isinstance(before, AllOf | AnyOf) else type(after)
        kind_a = type(after) if isinstance(after, AllOf | AnyOf) else kind_b
        left: list[Rule] = list(before.rules) if isinstance(before, AllOf | AnyOf) else [before]
        right: list[Rule] = list(after.rules) if isinstance(after, AllOf | AnyOf) else [after]
        pairs, kept, dropped, added = _pair(left, right)
        if not pairs and not kept and len(left) + len(right) > 2:
            return self.rewritten(before, after)
        out: list[str] = []
        if kind_b is not kind_a and len(left) > 1 and len(right) > 1:
            out.append("'and' became 'or'" if kind_a is AnyOf else "'or' became 'and'")
        for b, a in pairs:
            out.extend(self.node(b, a))
        out.extend(f"dropped the condition {self.words(r)}" for r in dropped)
        # In an 'or' group a new condition lets more people in: say it is an alternative.
        added_as = "added an alternative: " if kind_a is AnyOf and len(right) > 1 else "added: "
        out.extend(added_as + self.words(r) for r in added)
        return out

    def rewritten(self, before: Rule, after: Rule, single: bool = False) -> list[str]:
        if single:
            return [f"dropped the condition {self.words(before)}", f"added: {self.words(after)}"]
        return [f"conditions rewritten: before {self.words(before)}; after {self.words(after)}"]

    # ------------------------------------------------------------------------------- field conditions

    def condition(self, before: Condition, after: Condition) -> list[str]:
        field = self.catalog.field(before.field)
        said = self.values(field, before.op, before.value, after.op, after.value,
                           lambda c: describe_condition(c, self.catalog), Condition, field.name)
        return [said] if said else []

    def values(self, field: Field, op_b: str, value_b: Any, op_a: str, value_a: Any,
               words: Callable[[Any], str], leaf: Callable[..., Any], name: str) -> str:
        """One phrase for a condition on one field (or property) whose operator or value changed."""
        label = field.label
        if op_b == op_a and field.is_numeric and op_b in _RAISE_LOWER:
            way = "raised" if value_a > value_b else "lowered"
            return (f"{label} threshold {way} from {format_number(field, value_b)} "
                    f"to {format_number(field, value_a)}")
        if op_b == op_a and field.is_numeric and op_b == "between":
            low_b, high_b = (format_number(field, v) for v in value_b)
            low_a, high_a = (format_number(field, v) for v in value_a)
            return f"{label} range changed from {low_b}–{high_b} to {low_a}–{high_a}"
        if op_b == op_a == "eq" and field.is_numeric:
            return f"{label} changed from {format_number(field, value_b)} to {format_number(field, value_a)}"
        family = _INCLUDES.get(op_b)
        if field.type in ("string", "array") and family is not None and family == _INCLUDES.get(op_a):
            set_phrase = self.sets(field, op_b, value_b, value_a)
            if set_phrase is not None:
                return set_phrase
        if op_b == op_a and field.type == "datetime" and op_b != "exists":
            return self.dates(field, op_b, value_b, value_a)
        return f"'{words(leaf(name, op_b, value_b))}' became '{words(leaf(name, op_a, value_a))}'"

    def sets(self, field: Field, op: str, value_b: Any, value_a: Any) -> str | None:
        """Values added and removed; "" when the set is the same, None when sets do not describe it."""
        old = list(value_b) if isinstance(value_b, tuple | list) else [value_b]
        new = list(value_a) if isinstance(value_a, tuple | list) else [value_a]
        gained = [v for v in new if v not in old]
        lost = [v for v in old if v not in new]
        if not gained and not lost:
            # The same values in another order, or "is Pune" written as "is one of Pune": no change.
            return "" if _INCLUDES[op] != "has_all" or len(old) == len(new) else None
        noun = plural(field.label)
        if _INCLUDES[op] == "exclude":
            noun = f"excluded {noun}"
        elif _INCLUDES[op] == "has_all":
            noun = f"{noun} required together"
        elif _INCLUDES[op] == "has_none":
            noun = f"{noun} ruled out"
        if len(old) == len(new) == 1:
            label = f"excluded {field.label}" if _INCLUDES[op] == "exclude" else field.label
            return f"{label} changed from {_joined(field, old)} to {_joined(field, new)}"
        parts = []
        if gained:
            parts.append(f"added {_joined(field, gained)} to the {noun}")
        if lost:
            parts.append(f"removed {_joined(field, lost)} from the {noun}")
        return "; ".join(parts)

    def dates(self, field: Field, op: str, value_b: Any, value_a: Any) -> str:
        label, verb = field.label, field.verb or field.label
        if isinstance(value_b, RelativeAmount) and isinstance(value_a, RelativeAmount):
            span = _spans(value_b, value_a)
            longer = _days(value_a) > _days(value_b)
            if op == "within_last":
                return f"{label} window {'widened' if longer else 'narrowed'} from {span}"
            if op == "not_within_last":
                return f"'not {verb}' window {'widened' if longer else 'narrowed'} from {span}"
            return f"{label}: now more than {value_a.words()} ago instead of more than {value_b.words()} ago"
        moved = self.moved(value_b, value_a)
        return f"{label} changed from {when_words(op, value_b)} to {when_words(op, value_a)}{moved}"

    def moved(self, value_b: Any, value_a: Any) -> str:
        """" (later)" / " (earlier)" when both are single dates, on the workspace's clock."""
        if not (isinstance(value_b, AbsoluteDate | CalendarPeriod) and isinstance(value_a, AbsoluteDate | CalendarPeriod)):
            return ""
        start_b, start_a = date_bounds(value_b, self.now)[0], date_bounds(value_a, self.now)[0]
        if start_a == start_b:
            return ""
        return " (later)" if start_a > start_b else " (earlier)"

    # ------------------------------------------------------------------------------- event conditions

    def event(self, before: EventCondition, after: EventCondition) -> list[str]:
        known = self.catalog.get_event(before.event)
        label = known.label if known is not None else before.event.lower()
        negated_b = before.count.op == "eq" and before.count.value == 0
        negated_a = after.count.op == "eq" and after.count.value == 0
        if negated_b != negated_a:
            return [f"'{describe_event(before, self.catalog)}' became '{describe_event(after, self.catalog)}'"]
        out: list[str] = []
        out.extend(f"{label}: {c}" for c in self.where(known, before.where, after.where))
        if before.count != after.count:
            out.append(f"{label}: now {times_words(after.count)} instead of {times_words(before.count)}")
        if before.when != after.when:
            out.append(f"{label}: {self.window(before.when, after.when)}")
        return out

    def window(self, before: EventWindow | None, after: EventWindow | None) -> str:
        if before is None and after is not None:
            return f"now only {when_words(after.op, after.value)} (was any time)"
        if after is None and before is not None:
            return f"now any time (was {when_words(before.op, before.value)})"
        assert before is not None and after is not None
        if before.op == after.op == "within_last" and isinstance(before.value, RelativeAmount) and isinstance(
                after.value, RelativeAmount):
            longer = _days(after.value) > _days(before.value)
            return f"window {'widened' if longer else 'narrowed'} from {_spans(before.value, after.value)}"
        moved = self.moved(before.value, after.value) if before.op == after.op else ""
        return (f"window changed from {when_words(before.op, before.value)} "
                f"to {when_words(after.op, after.value)}{moved}")

    def where(self, event: Any, before: Sequence[PropertyCondition],
              after: Sequence[PropertyCondition]) -> list[str]:
        if tuple(before) == tuple(after):
            return []
        left, right = list(before), list(after)
        out: list[str] = []
        for b in list(left):
            if b in right:
                left.remove(b)
                right.remove(b)
        for b in list(left):
            match = next((a for a in right if a.property == b.property), None)
            if match is None:
                continue
            left.remove(b)
            right.remove(match)
            prop = self.property(event, b.property)

            def words(where: PropertyCondition, prop: Field = prop) -> str:
                return _property_words(prop, where)

            said = self.values(prop, b.op, b.value, match.op, match.value, words, PropertyCondition, b.property)
            if said:
                out.append(said)
        out.extend(f"dropped the condition {_property_words(self.property(event, b.property), b)}" for b in left)
        out.extend(f"added: {_property_words(self.property(event, a.property), a)}" for a in right)
        return out

    def property(self, event: Any, name: str) -> Field:
        found = event.get_property(name) if event is not None else None
        return found or Field(name, "string", name.replace("_", " "))


# ------------------------------------------------------------------------------------------ pairing


def _same_event(a: EventCondition, b: EventCondition) -> bool:
    return a.event.lower() == b.event.lower()


def _keys(rule: Rule) -> set[str]:
    """The fields and events a rule reads: what makes two groups "the same group, edited"."""
    return {c.field for c in conditions(rule)} | {"event:" + e.event.lower() for e in event_conditions(rule)}


def _key(rule: Rule) -> str | None:
    if isinstance(rule, Condition):
        return rule.field
    if isinstance(rule, EventCondition):
        return "event:" + rule.event.lower()
    return None


def _pair(left: list[Rule], right: list[Rule]) -> tuple[list[tuple[Rule, Rule]], int, list[Rule], list[Rule]]:
    """Edited pairs (before, after), how many were kept as they were, the dropped and the added ones."""
    free_l, free_r = list(range(len(left))), list(range(len(right)))
    pairs: list[tuple[int, int]] = []
    exact: list[tuple[int, int]] = []

    def take(match: Callable[[Rule, Rule], bool], into: list[tuple[int, int]]) -> None:
        for i in list(free_l):
            # The nearest position wins among equals, so a condition edited in place pairs with itself.
            candidates = sorted((j for j in free_r if match(left[i], right[j])), key=lambda j: (abs(j - i), j))
            if candidates:
                free_l.remove(i)
                free_r.remove(candidates[0])
                into.append((i, candidates[0]))

    take(lambda a, b: a == b, exact)
    take(lambda a, b: _key(a) is not None and _key(a) == _key(b), pairs)
    take(lambda a, b: isinstance(a, Not) and isinstance(b, Not) and bool(_keys(a) & _keys(b)), pairs)
    take(lambda a, b: isinstance(a, AllOf | AnyOf) and isinstance(b, AllOf | AnyOf) and type(a) is type(b)
         and bool(_keys(a) & _keys(b)), pairs)
    take(lambda a, b: isinstance(a, AllOf | AnyOf) and isinstance(b, AllOf | AnyOf)
         and bool(_keys(a) & _keys(b)), pairs)
    edited = [(left[i], right[j]) for i, j in sorted(pairs)]
    return edited, len(exact), [left[i] for i in free_l], [right[j] for j in free_r]


# ------------------------------------------------------------------------------------------ words


def _joined(field: Field, values: list[Any]) -> str:
    shown = [show_value(field, v) if isinstance(v, str) else plain_number(v) for v in values]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _property_words(prop: Field, where: PropertyCondition) -> str:
    from segcore.rendering import _field_words  # the same words the card uses for a property

    return _field_words(prop, where.op, where.value)


def _days(amount: RelativeAmount) -> float:
    return amount.amount * _UNIT_DAYS[amount.unit]


def _spans(before: RelativeAmount, after: RelativeAmount) -> str:
    """"7 to 30 days" when the unit stays, "7 days to 3 months" when it changes."""
    if before.unit == after.unit:
        return f"{before.amount} to {after.words()}"
    return f"{before.words()} to {after.words()}"


__all__ = ["changes", "plural"]
