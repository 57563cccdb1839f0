"""Who a rule with event conditions selects, counted in MongoDB (the truth).

An event condition is a count over ``events``, not a test of a user document, so it is resolved first:
one aggregation on ``events`` per event condition lists people by ``user_id`` (``event_pipeline``), and
the listed people are either exactly those it selects or, for a count that includes 0 ("never", "fewer
than 3 times"), everyone but them.

The rest of the rule is then evaluated as sets of users (their ``_id``) rather than as one filter holding
the lists: the embedded server tests ``$in`` / ``$nin`` one value at a time (measured on 6,000 users: a
1,000-id ``$nin`` 61 s, a 3,259-id one 130 s), while one projected scan of the workspace's ids and one
query per group of field conditions take well under a second. A group's field conditions are compiled
together into one filter, so a rule without event conditions never comes here.

Keys are users' ``_id``, so a user without a ``user_id`` (who has no events) is handled as MongoDB's
``$nin`` would: never in a listed set, always in its complement.
"""

from __future__ import annotations

from collections.abc import Collection as Collection_
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

from segcore.catalog import FieldCatalog
from segcore.compile_mongo import event_pipeline, to_mongo_filter
from segcore.rules import AllOf, AnyOf, EventCondition, Not, Rule, event_conditions

# Ids per ``$in`` when documents are fetched by id: the embedded server slows down sharply above this.
ID_CHUNK = 200


def has_events(rule: Rule) -> bool:
    return next(event_conditions(rule), None) is not None


@dataclass(frozen=True)
class _Keys:
    """A set of users, or everyone but them (so "not" and "never" need no list of everyone)."""

    ids: frozenset[Any]
    everyone_but: bool = False

    def flip(self) -> _Keys:
        return _Keys(self.ids, not self.everyone_but)

    def both(self, other: _Keys) -> _Keys:
        a, b = self, other
        if not a.everyone_but and not b.everyone_but:
            return _Keys(a.ids & b.ids)
        if a.everyone_but and b.everyone_but:
            return _Keys(a.ids | b.ids, True)
        inside, outside = (b, a) if a.everyone_but else (a, b)
        return _Keys(inside.ids - outside.ids)

    def either(self, other: _Keys) -> _Keys:
        # A or B is not (not A and not B).
        return self.flip().both(other.flip()).flip()


@dataclass(frozen=True)
class Selection:
    """The users a rule selects in one workspace: ``_id`` to ``user_id`` (None when it has none)."""

    members: dict[Any, Any]

    def __len__(self) -> int:
        return len(self.members)

    @property
    def keys(self) -> frozenset[Any]:
        return frozenset(self.members)

    def user_ids(self) -> list[str]:
        return sorted(str(u) for u in self.members.values() if isinstance(u, str))


class EventAudience:
    """Evaluates rules with event conditions against one database, workspace by workspace."""

    def __init__(self, db: Database[Any], catalog: FieldCatalog, indexed: Collection_[str] | None = None) -> None:
        self.users = db["users"]
        self.events = db["events"]
        self.catalog = catalog
        self.indexed = indexed

    def listed(self, leaf: EventCondition, team_id: str, now: datetime) -> tuple[set[str], bool]:
        """The ``user_id``s an event condition lists, and whether it selects them (else everyone but them)."""
        query = event_pipeline(leaf, self.catalog, team_id, now)
        # Anonymous events (no user_id yet) and ids of another type never match a user's text user_id.
        ids = {row["_id"] for row in self.events.aggregate(query.pipeline) if isinstance(row.get("_id"), str)}
        return ids, query.listed_match

    def select(self, team_id: str, rule: Rule, now: datetime) -> Selection:
        """The users of ``team_id`` the (validated) rule selects at ``now``."""
        everyone = {doc["_id"]: doc.get("user_id")
                    for doc in self.users.find({"team_id": team_id}, {"_id": 1, "user_id": 1})}
        by_user_id: dict[str, list[Any]] = {}
        for key, user_id in everyone.items():
            if isinstance(user_id, str):
                by_user_id.setdefault(user_id, []).append(key)
        keys = self._evaluate(rule, team_id, now, by_user_id)
        chosen = everyone.keys() - keys.ids if keys.everyone_but else keys.ids & everyone.keys()
        return Selection({key: everyone[key] for key in chosen})

    def _evaluate(self, rule: Rule, team_id: str, now: datetime, by_user_id: dict[str, list[Any]]) -> _Keys:
        if not has_events(rule):
            return _Keys(frozenset(self._matching(team_id, rule, now)))
        if isinstance(rule, EventCondition):
            ids, listed_match = self.listed(rule, team_id, now)
            keys = frozenset(k for user_id in ids for k in by_user_id.get(user_id, ()))
            return _Keys(keys, everyone_but=not listed_match)
        if isinstance(rule, Not):
            return self._evaluate(rule.rule, team_id, now, by_user_id).flip()
        assert isinstance(rule, AllOf | AnyOf)
        # Field conditions of one group are one query, not one each.
        plain = [r for r in rule.rules if not has_events(r)]
        parts = [self._evaluate(r, team_id, now, by_user_id) for r in rule.rules if has_events(r)]
        if plain:
            group = plain[0] if len(plain) == 1 else type(rule)(tuple(plain))
            parts.insert(0, _Keys(frozenset(self._matching(team_id, group, now))))
        result = parts[0]
        for part in parts[1:]:
            result = result.both(part) if isinstance(rule, AllOf) else result.either(part)
        return result

    def _matching(self, team_id: str, rule: Rule, now: datetime) -> Iterator[Any]:
        from segcore.audience import lead_pipeline, scoped  # the engine imports this module

        flt = scoped(team_id, to_mongo_filter(rule, self.catalog, now))
        pipeline = [*lead_pipeline(flt, self.indexed), {"$project": {"_id": 1}}]
        for doc in self.users.aggregate(pipeline):
            yield doc["_id"]

    def documents(self, team_id: str, keys: Iterable[Any], projection: dict[str, int]) -> dict[Any, dict[str, Any]]:
        """The users with these ``_id``s, fetched a chunk at a time, by ``_id`` (projection keeps ``_id``)."""
        wanted = list(keys)
        found: dict[Any, dict[str, Any]] = {}
        fields = {**projection, "_id": 1}
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start:start + ID_CHUNK]
            for doc in self.users.find({"team_id": team_id, "_id": {"$in": chunk}}, fields):
                found[doc["_id"]] = doc
        return found

