"""A reference count of event conditions, independent of both compilers: the shared sample events read
in Python, and a rule's audience by set algebra (field leaves through a callable the test gives)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from segcore.rules import AllOf, AnyOf, Condition, EventCondition, Not, Rule, date_bounds, subtract

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "segments"
Events = dict[tuple[str, str], list[tuple[datetime, dict[str, Any]]]]


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared data sits beside the repository)")
    return path


def events_examples() -> list[dict[str, Any]]:
    lines = shared("events-examples.jsonl").read_text(encoding="utf-8").splitlines()
    examples = [json.loads(line) for line in lines if line.strip()]
    for example in examples:
        example["now"] = datetime.fromisoformat(example["now"].replace("Z", "+00:00"))
    return examples


def sample_messages() -> list[dict[str, Any]]:
    with shared("events-sample.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def by_person(messages: list[dict[str, Any]]) -> Events:
    found: Events = defaultdict(list)
    for message in messages:
        moment = datetime.fromisoformat(message["timestamp"].replace("Z", "+00:00"))
        found[(message["userId"], message["event"])].append((moment, message.get("properties") or {}))
    return found


def _window_holds(when: Any, moment: datetime, now: datetime) -> bool:
    op, value = when.op, when.value
    if op == "within_last":
        return moment >= subtract(now, value)
    if op == "more_than_ago":
        return moment < subtract(now, value)
    if op == "between":
        return date_bounds(value[0], now)[0] <= moment < date_bounds(value[1], now)[1]
    start, end = date_bounds(value, now)
    return {"on": start <= moment < end, "before": moment < start, "after": moment >= end}[op]


def _count_holds(op: str, value: Any, n: int) -> bool:
    if op == "between":
        return bool(value[0] <= n <= value[1])
    return bool({"gt": n > value, "gte": n >= value, "lt": n < value, "lte": n <= value, "eq": n == value}[op])


def _where_holds(where: Any, properties: dict[str, Any]) -> bool:
    for w in where:
        have = properties.get(w.property)
        listed = w.value if isinstance(w.value, tuple) else (w.value,)
        if (w.op in ("eq", "in")) != (have in listed):
            return False
    return True


def selected(rule: Rule, fields: Callable[[Condition], set[str]], events: Events, everyone: set[str],
             now: datetime) -> set[str]:
    """The people of ``everyone`` a rule selects; ``fields`` gives the people a field condition selects."""
    if isinstance(rule, Condition):
        return fields(rule) & everyone
    if isinstance(rule, EventCondition):
        chosen = set()
        for person in everyone:
            n = sum(1 for moment, props in events.get((person, rule.event), ())
                    if _where_holds(rule.where, props) and (rule.when is None or _window_holds(rule.when, moment, now)))
            if _count_holds(rule.count.op, rule.count.value, n):
                chosen.add(person)
        return chosen
    if isinstance(rule, AllOf):
        return set.intersection(*(selected(r, fields, events, everyone, now) for r in rule.rules))
    if isinstance(rule, AnyOf):
        return set.union(*(selected(r, fields, events, everyone, now) for r in rule.rules))
    assert isinstance(rule, Not)
    return everyone - selected(rule.rule, fields, events, everyone, now)
