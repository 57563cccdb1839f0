"""Why a saved segment's size changed: between two snapshots, or a snapshot and now.

Who entered and who left, each attributed:

- entered: people new to the workspace (a person number above the old snapshot's highest: numbers only
  grow), and for everyone else the conditions they now pass or now fail;
- left: people removed from the workspace (no longer in it), and for everyone else the conditions that
  changed for them.

A person counts under each condition whose pass state changed for them, so the counts under the conditions
can add up to more than the total. A condition is the same in both snapshots when its JSON is the same; when
the rule was edited in between, a condition only the new rule has explains those who now fail it (left) and
one only the old rule had explains those who failed it then (entered), and the answer says the rule was edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.explain.people import read_people
from segcore.privacy import mask_value, pii_fields
from segcore.rendering import describe
from segcore.rules import rule_from_json, rule_to_json
from segcore.storage.errors import NotFound
from segcore.storage.member_sets import Numbers
from segcore.storage.snapshots import MemberSnapshot, People

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.database import Store
    from segcore.storage.segments import Segment

EXAMPLES = 3  # masked examples a cause shows
DEFAULT_SINCE = timedelta(hours=24)


class NoSnapshot(NotFound):
    """The segment has no snapshot with members to compare with yet."""


@dataclass(frozen=True)
class Side:
    size: int
    as_of: datetime


@dataclass(frozen=True)
class Cause:
    """People whose state of one condition changed: ``passes`` is the state they are in now."""

    condition: dict[str, Any]  # the condition's rule JSON ("field" ... or "event" ...)
    text: str  # "no longer visited in the last 30 days"
    count: int
    passes: bool
    edited: bool = False  # a condition only one version of the rule has
    examples: tuple[int, ...] = ()  # person numbers, shown masked

    def to_json(self) -> dict[str, Any]:
        key = "event" if "event" in self.condition else "field"
        return {key: self.condition[key], "text": self.text, "count": self.count}


@dataclass(frozen=True)
class Movement:
    total: int
    newcomers: int  # entered: new to the workspace; left: removed from it
    by_condition: tuple[Cause, ...]
    newcomer_examples: tuple[int, ...] = ()


@dataclass(frozen=True)
class Why:
    before: Side
    after: Side
    entered: Movement
    left: Movement
    rule_edited: bool
    examples: dict[int, dict[str, Any]] = field(default_factory=dict)  # person number -> masked person

    def to_json(self) -> dict[str, Any]:
        """The shape ``segments why --json`` prints (issue 19)."""
        return {
            "before": {"size": self.before.size, "as_of": _iso(self.before.as_of)},
            "after": {"size": self.after.size, "as_of": _iso(self.after.as_of)},
            "entered": {"total": self.entered.total, "new_people": self.entered.newcomers,
                        "by_condition": [c.to_json() for c in self.entered.by_condition]},
            "left": {"total": self.left.total, "removed_people": self.left.newcomers,
                     "by_condition": [c.to_json() for c in self.left.by_condition]},
        }

    def details_json(self) -> dict[str, Any]:
        """``to_json`` with what the surfaces show besides: the rule edit and masked examples per cause."""
        data = self.to_json()
        data["rule_edited"] = self.rule_edited
        for side, movement in (("entered", self.entered), ("left", self.left)):
            for item, cause in zip(data[side]["by_condition"], movement.by_condition, strict=True):
                item["examples"] = [self.examples[n] for n in cause.examples if n in self.examples]
        data["entered"]["new_people_examples"] = [self.examples[n] for n in self.entered.newcomer_examples
                                                  if n in self.examples]
        return data

    @property
    def change(self) -> int:
        return self.after.size - self.before.size


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- attribution (pure) -----------------------------------------------------------------------------------


def attribute(before: People, before_rule: Mapping[str, Any], after: People, after_rule: Mapping[str, Any],
              catalog: FieldCatalog, before_at: datetime, after_at: datetime) -> Why:
    """Who entered and left between two readings of a segment, and why (see the module's note)."""
    entered = np.setdiff1d(after.members, before.members, assume_unique=True)
    left = np.setdiff1d(before.members, after.members, assume_unique=True)
    new = entered[entered > before.highest]
    entered_known = entered[entered <= before.highest]
    # Someone who entered but was already in the workspace must have been in the old snapshot's everyone;
    # a number at or below the old highest that was not is someone written while it was being read.
    removed = np.setdiff1d(left, after.everyone, assume_unique=True)
    left_known = np.setdiff1d(left, removed, assume_unique=True)
    old = {c.key: c for c in before.conditions}
    now = {c.key: c for c in after.conditions}
    edited = dict(before_rule) != dict(after_rule)
    entered_causes: list[Cause] = []
    left_causes: list[Cause] = []
    for key, cond in now.items():
        if key in old:
            was, is_ = old[key].passed, cond.passed
            for people, out in ((entered_known, entered_causes), (left_known, left_causes)):
                had = np.isin(people, was, assume_unique=True)
                has = np.isin(people, is_, assume_unique=True)
                _add(out, cond.condition, people[has & ~had], True, catalog)
                _add(out, cond.condition, people[~has & had], False, catalog)
        else:
            # Only the new rule asks this: those who fail it and left, left because of the edit.
            has = np.isin(left_known, cond.passed, assume_unique=True)
            _add(left_causes, cond.condition, left_known[~has], False, catalog, edited=True)
    for key, cond in old.items():
        if key not in now:
            had = np.isin(entered_known, cond.passed, assume_unique=True)
            _add(entered_causes, cond.condition, entered_known[~had], True, catalog, edited=True)
    return Why(
        Side(len(before.members), before_at), Side(len(after.members), after_at),
        Movement(len(entered), len(new), _ranked(entered_causes), tuple(int(n) for n in new[:EXAMPLES])),
        Movement(len(left), len(removed), _ranked(left_causes)),
        edited,
    )


def _add(out: list[Cause], condition: dict[str, Any], people: Numbers, passes: bool, catalog: FieldCatalog,
         edited: bool = False) -> None:
    if len(people) == 0:
        return
    out.append(Cause(condition, cause_text(condition, passes, catalog, edited), len(people), passes, edited,
                     tuple(int(n) for n in people[:EXAMPLES])))


def _ranked(causes: Iterable[Cause]) -> tuple[Cause, ...]:
    return tuple(sorted(causes, key=lambda c: -c.count))


def cause_text(condition: dict[str, Any], passes: bool, catalog: FieldCatalog, edited: bool = False) -> str:
    """"no longer visited in the last 30 days", "now in Mumbai"; for an edit, what the rule asks now."""
    words = describe(rule_from_json(condition), catalog)
    if edited:
        return f"the rule no longer asks: {words}" if passes else f"the rule now asks: {words}"
    subject, is_, rest = words.partition(" is ")
    if is_ and "field" in condition and not subject.startswith(("not ", "(")):
        # "city is Pune" -> "city is no longer Pune", which reads better than "no longer city is Pune".
        return f"{subject} is {'now' if passes else 'no longer'} {rest}"
    return f"now {words}" if passes else f"no longer {words}"


def main_cause(why: Why) -> str:
    """One line for digests and alerts: "-312: 290 no longer visited in the last 30 days, 22 removed"."""
    change = why.change
    sign = "+" if change > 0 else ("-" if change < 0 else "±")
    movement = why.entered if change > 0 else why.left
    parts: list[str] = []
    top = movement.by_condition[0] if movement.by_condition else None
    newcomers = movement.newcomers
    if top is not None and top.count >= newcomers:
        parts.append(f"{top.count:,} {top.text}")
    if newcomers:
        parts.append(f"{newcomers:,} {'new' if movement is why.entered else 'removed'}")
    if top is not None and top.count < newcomers:
        parts.append(f"{top.count:,} {top.text}")
    if why.rule_edited and not any(c.edited for c in movement.by_condition):
        parts.append("the rule was edited")
    head = f"{sign}{abs(change):,}"
    return f"{head}: {', '.join(parts)}" if parts else head


# -- reading the two sides --------------------------------------------------------------------------------


def parse_since(text: str | None, now: datetime) -> datetime:
    """``24h``, ``7d``, ``90m`` or an ISO 8601 moment (UTC when it names no zone); default 24 hours ago."""
    if text is None or not str(text).strip():
        return now - DEFAULT_SINCE
    raw = str(text).strip()
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if raw[-1:].lower() in units and raw[:-1].isdigit():
        amount = int(raw[:-1])
        if not 1 <= amount <= 100_000:
            raise SegmentError(f"since {raw!r} is out of range: use a number from 1, such as 24h or 7d.")
        return now - timedelta(**{units[raw[-1].lower()]: amount})
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SegmentError(f"since {raw!r} is not understood: use 24h, 7d, 90m or an ISO date such as "
                           "2026-11-20 or 2026-11-20T09:00:00Z.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    if moment > now:
        raise SegmentError(f"since {raw!r} is in the future.")
    return moment


def why_changed(engine: AudienceEngine, segment: Segment, since: datetime, now: datetime,
                until: datetime | None = None, examples: bool = True) -> Why:
    """The segment's snapshot at ``since`` against now (or against its snapshot at ``until``)."""
    snapshots = engine.store.snapshots
    before = snapshots.members_at(segment.team_id, segment.id, since)
    if before is None:
        raise NoSnapshot(f"Segment {segment.name!r} has no snapshot with its members yet: one is taken when it "
                         "is saved and each time the scheduler counts it. Try again after the next snapshot.")
    after_rule = rule_to_json(segment.rule)
    if until is None:
        after_people, after_at = read_people(engine, segment.team_id, segment.rule, now), now
    else:
        after_snap = snapshots.members_at(segment.team_id, segment.id, until)
        assert after_snap is not None  # ``before`` exists, so some snapshot does
        after_people, after_at, after_rule = after_snap.people, after_snap.at, after_snap.rule
    result = attribute(before.people, before.rule, after_people, after_rule, engine.catalog, before.at, after_at)
    if examples:
        result = with_examples(engine, segment.team_id, result)
    return result


def stored_why(store: Store, catalog: FieldCatalog, team_id: str, segment_id: str, since: datetime,
               until: datetime) -> Why | None:
    """Between the snapshots kept at ``since`` and at ``until`` (decoding only: no count); None when they are
    the same one or there is none (digests and alerts say the change without its cause then)."""
    before = store.snapshots.members_at(team_id, segment_id, since)
    after = store.snapshots.members_at(team_id, segment_id, until)
    if before is None or after is None or before.id == after.id:
        return None
    return attribute(before.people, before.rule, after.people, after.rule, catalog, before.at, after.at)


def latest_why(store: Store, catalog: FieldCatalog, team_id: str, segment_id: str) -> Why | None:
    """Between the two latest snapshots that kept members (a size alert's cause)."""
    after = store.snapshots.latest_members(team_id, segment_id)
    before = store.snapshots.latest_members(team_id, segment_id, before=[after.id]) if after else None
    if before is None or after is None:
        return None
    return attribute(before.people, before.rule, after.people, after.rule, catalog, before.at, after.at)


def with_examples(engine: AudienceEngine, team_id: str, why: Why) -> Why:
    """The same answer with its example people fetched and masked (personal fields never shown in full)."""
    wanted = {n for m in (why.entered, why.left) for c in m.by_condition for n in c.examples}
    wanted |= set(why.entered.newcomer_examples)
    if not wanted:
        return why
    return Why(why.before, why.after, why.entered, why.left, why.rule_edited,
               masked_people(engine, team_id, sorted(wanted)))


def masked_people(engine: AudienceEngine, team_id: str, person_nos: Sequence[int]) -> dict[int, dict[str, Any]]:
    personal = set(pii_fields(engine.catalog))
    shown = ["user_id", *[f for f in ("name", "email") if f in personal]]
    found: dict[int, dict[str, Any]] = {}
    with engine.store.outage.guard():
        for doc in engine.store.db["users"].find({"team_id": team_id, "person_no": {"$in": list(person_nos)}},
                                                 {"_id": 0, "person_no": 1, **{f: 1 for f in shown}}):
            found[int(doc["person_no"])] = {
                f: (mask_value(f, doc[f]) if f in personal else doc[f]) for f in shown if doc.get(f) is not None
            }
    return found


def snapshot_json(snapshot: MemberSnapshot) -> dict[str, Any]:
    return {"id": snapshot.id, "at": _iso(snapshot.at), "size": len(snapshot.people.members),
            "bytes": snapshot.stored_bytes}


__all__ = ["Cause", "Movement", "NoSnapshot", "Side", "Why", "attribute", "cause_text", "latest_why", "main_cause",
           "parse_since", "stored_why", "why_changed"]
