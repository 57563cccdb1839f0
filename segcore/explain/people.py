"""Who a saved segment holds right now, as person numbers: everyone in the workspace, the members, and who
passes each condition of the rule. What a snapshot keeps, and the "now" side of a why.

The mirror answers in one DuckDB pass (person number, a boolean for the rule, one per condition) when it is
fresh; otherwise MongoDB does, one query per condition, the rule then worked out from those sets exactly as
MongoDB reads it (``all`` is both, ``any`` either, ``not`` everyone else, a missing value included).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from segcore.audience import scoped
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import SegmentError
from segcore.rules import (
    AllOf,
    AnyOf,
    Condition,
    EventCondition,
    Not,
    Rule,
    conditions,
    event_conditions,
    rule_to_json,
)
from segcore.storage import person_numbers
from segcore.storage.member_sets import Numbers, numbers
from segcore.storage.snapshots import ConditionPasses, People

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine

Leaf = Condition | EventCondition


class TooLargeNow(SegmentError):
    """The mirror cannot answer and the workspace is too large to read from MongoDB on the spot."""


def leaves(rule: Rule) -> list[Leaf]:
    """The rule's distinct conditions, field conditions first, each once."""
    seen: dict[str, Leaf] = {}
    found: list[Leaf] = [*conditions(rule), *event_conditions(rule)]
    for leaf in found:
        seen.setdefault(leaf_key(leaf), leaf)
    return list(seen.values())


def leaf_key(leaf: Rule) -> str:
    """The same condition in two versions of a rule has the same key."""
    return json.dumps(rule_to_json(leaf), sort_keys=True, separators=(",", ":"))


def read_people(engine: AudienceEngine, team_id: str, rule: Rule, now: datetime,
                mongo_up_to: int | None = None) -> People:
    """The people of ``rule`` at ``now`` (the workspace's clock, as counts use), mirror first.

    ``mongo_up_to``: when the mirror cannot answer, read MongoDB only for workspaces of at most this many
    person numbers (a save should not wait minutes for it); above, ``TooLargeNow`` is raised."""
    from segcore.mirror.counter import MirrorCounter  # the mirror is optional; its module imports DuckDB
    from segcore.mirror.mirror import MirrorUnavailable

    store = engine.store
    checked = engine._rule(rule)
    now = engine.clock(team_id, now)
    with store.outage.guard():
        person_numbers.ensure_numbered(store.db, team_id)
        highest = person_numbers.highest(store.db, team_id)
    parts = leaves(checked)
    for counter in engine.counters:
        if isinstance(counter, MirrorCounter):
            try:
                return _from_mirror(counter, team_id, checked, parts, now, highest)
            except MirrorUnavailable:
                continue
    if mongo_up_to is not None and highest > mongo_up_to:
        raise TooLargeNow(f"{highest:,} people are too many to read from MongoDB now; the next scheduled "
                          "snapshot keeps them.")
    return _from_mongo(engine, team_id, checked, parts, now, highest)


def _from_mirror(counter: Any, team_id: str, rule: Rule, parts: list[Leaf], now: datetime,
                 highest: int) -> People:
    from segcore.mirror.mirror import MirrorUnavailable

    table, _ = counter.mirror.people(team_id, rule, parts, now)
    column = table["person_no"]
    if np.ma.isMaskedArray(column) and column.mask.any():
        # Someone numbered a moment ago is not in the mirror's copy yet: MongoDB answers this time.
        raise MirrorUnavailable("Some people are not numbered in the mirror yet.")
    everyone = np.asarray(column, dtype=np.int64)
    order = np.argsort(everyone, kind="stable")
    everyone = everyone[order]

    def chosen(name: str) -> Numbers:
        return everyone[np.asarray(table[name], dtype=np.bool_)[order]]

    passes = tuple(ConditionPasses(leaf_key(leaf), rule_to_json(leaf), chosen(f"c{i}"))
                   for i, leaf in enumerate(parts))
    return People(max(highest, int(everyone[-1]) if len(everyone) else 0), everyone, chosen("member"),
                  passes, "mirror")


def _from_mongo(engine: AudienceEngine, team_id: str, rule: Rule, parts: list[Leaf], now: datetime,
                highest: int) -> People:
    store = engine.store
    with store.outage.guard():
        docs = list(store.db["users"].find({"team_id": team_id}, {"_id": 1, "user_id": 1, "person_no": 1}))
    by_id = {d["_id"]: d.get("person_no") for d in docs}
    if any(not isinstance(n, int) for n in by_id.values()):
        raise SegmentError("Some people have no person number yet; try again in a moment.")
    everyone = numbers(list(by_id.values()))
    by_user = {d["user_id"]: d["person_no"] for d in docs if isinstance(d.get("user_id"), str)}
    passed: dict[str, Numbers] = {}
    for leaf in parts:
        passed[leaf_key(leaf)] = _leaf(engine, team_id, leaf, now, by_id, by_user, everyone)
    members = _evaluate(rule, passed, everyone)
    passes = tuple(ConditionPasses(leaf_key(leaf), rule_to_json(leaf), passed[leaf_key(leaf)]) for leaf in parts)
    return People(max([highest, *([int(everyone[-1])] if len(everyone) else [])]), everyone, members, passes,
                  "mongodb")


def _leaf(engine: AudienceEngine, team_id: str, leaf: Leaf, now: datetime, by_id: dict[Any, Any],
          by_user: dict[str, int], everyone: Numbers) -> Numbers:
    store = engine.store
    with store.outage.guard():
        if isinstance(leaf, EventCondition):
            ids, selects_listed = engine.mongo.behaviour.listed(leaf, team_id, now)
            listed = numbers([by_user[u] for u in ids if u in by_user])
            return listed if selects_listed else np.setdiff1d(everyone, listed, assume_unique=True)
        query = scoped(team_id, to_mongo_filter(leaf, engine.catalog, now))
        return numbers([by_id[d["_id"]] for d in store.db["users"].find(query, {"_id": 1}) if d["_id"] in by_id])


def _evaluate(rule: Rule, passed: dict[str, Numbers], everyone: Numbers) -> Numbers:
    if isinstance(rule, Condition | EventCondition):
        return passed[leaf_key(rule)]
    if isinstance(rule, Not):
        return np.setdiff1d(everyone, _evaluate(rule.rule, passed, everyone), assume_unique=True)
    sets = [_evaluate(r, passed, everyone) for r in rule.rules]
    result = sets[0]
    for other in sets[1:]:
        if isinstance(rule, AllOf):
            result = np.intersect1d(result, other, assume_unique=True)
        elif isinstance(rule, AnyOf):
            result = np.union1d(result, other)
    return result


__all__ = ["TooLargeNow", "leaf_key", "leaves", "read_people"]
