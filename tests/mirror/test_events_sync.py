"""The mirror follows the events collection: new events, anonymous events linked to a person, deletions,
the events budget, and property values the typed columns cannot hold. Waits are bounded polls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from segcore import default_catalog, validate_json
from segcore.audience import AudienceEngine
from segcore.mirror import MirrorUnavailable, UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.storage.database import Store
from tests.mirror.test_sync import wait_until

CATALOG = default_catalog()
NOW = datetime.now(UTC)
VIEWED_3 = validate_json({"event": "Product Viewed", "count": {"op": "gte", "value": 3},
                          "when": {"op": "within_last", "value": {"amount": 30, "unit": "day"}}}, CATALOG)
NEVER_ORDERED = validate_json({"event": "Order Completed", "count": {"op": "eq", "value": 0}}, CATALOG)
BOOKS = validate_json({"event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "books"}]},
                      CATALOG)


def event(team: str, n: int, name: str, user_id: str | None, anonymous_id: str | None = None,
          **props: Any) -> dict[str, Any]:
    return {"team_id": team, "message_id": f"m{n}", "user_id": user_id, "anonymous_id": anonymous_id, "event": name,
            "timestamp": (NOW - timedelta(days=1)).replace(microsecond=0), "properties": props, "received_at": NOW}


@pytest.fixture
def following(db: Database[Any], tmp_path: Path) -> Iterator[UserMirror]:
    db.users.insert_many([{"team_id": "A", "user_id": f"a{i}"} for i in range(5)]
                         + [{"team_id": "B", "user_id": f"b{i}"} for i in range(3)])
    db.events.insert_many([event("A", i, "Product Viewed", "a0", category="Books") for i in range(3)])
    mirror = UserMirror(tmp_path / "m.duckdb", db, CATALOG, max_events=10)
    mirror.start()
    assert wait_until(lambda: mirror.fresh_for("A")), mirror.status()
    try:
        yield mirror
    finally:
        mirror.stop()


def size(mirror: UserMirror, team: str, rule: Any) -> int:
    return mirror.count(team, rule, NOW).size


def test_new_linked_and_deleted_events_show_in_counts(db: Database[Any], following: UserMirror) -> None:
    assert size(following, "A", VIEWED_3) == 1 and size(following, "A", NEVER_ORDERED) == 5
    # Three views by someone known only by an anonymous id: not counted for anyone yet.
    db.events.insert_many([event("A", 10 + i, "Product Viewed", None, "anon-1") for i in range(3)])
    db.events.insert_one(event("A", 20, "Order Completed", "a2"))
    assert wait_until(lambda: size(following, "A", NEVER_ORDERED) == 4, timeout=2.0)
    assert size(following, "A", VIEWED_3) == 1
    # identify links anon-1 to a1: their events become a1's.
    db.events.update_many({"team_id": "A", "anonymous_id": "anon-1"}, {"$set": {"user_id": "a1"}})
    assert wait_until(lambda: size(following, "A", VIEWED_3) == 2, timeout=2.0)
    db.events.delete_one({"team_id": "A", "message_id": "m0"})
    assert wait_until(lambda: size(following, "A", VIEWED_3) == 1, timeout=2.0)
    assert following.member_ids("A", VIEWED_3, NOW) == ["a1"]
    assert size(following, "B", VIEWED_3) == 0 and size(following, "B", NEVER_ORDERED) == 3


def test_events_of_someone_not_yet_a_person_count_once_they_arrive(db: Database[Any], following: UserMirror) -> None:
    # People and events meet on a number made from workspace and user id: no order of arrival is needed.
    db.events.insert_many([event("A", 30 + i, "Product Viewed", "late-1") for i in range(3)])
    db.events.insert_one(event("B", 40, "Product Viewed", "late-1"))
    assert wait_until(lambda: following.event_rows() == 7, timeout=2.0)
    assert size(following, "A", VIEWED_3) == 1
    db.users.insert_one({"team_id": "A", "user_id": "late-1"})
    assert wait_until(lambda: size(following, "A", VIEWED_3) == 2, timeout=2.0)
    assert following.member_ids("A", VIEWED_3, NOW) == ["a0", "late-1"]
    assert size(following, "A", NEVER_ORDERED) == 6  # six people now, none ordered


def test_a_workspace_past_the_events_budget_is_counted_by_mongodb(db: Database[Any], following: UserMirror) -> None:
    db.events.insert_many([event("B", 100 + i, "Email Opened", "b0") for i in range(11)])
    assert wait_until(lambda: following.status()["teams_over_events_budget"] == ["B"], timeout=5.0)
    with pytest.raises(MirrorUnavailable, match="more than 10 events"):
        following.count("B", NEVER_ORDERED, NOW)
    # Its people are still counted by the mirror, and other workspaces' events too.
    everyone = validate_json({"field": "user_id", "op": "exists", "value": True}, CATALOG)
    assert size(following, "B", everyone) == 3
    assert size(following, "A", VIEWED_3) == 1
    store = Store.from_database(db, CATALOG)
    counted = AudienceEngine(store, [MirrorCounter(following)]).count("B", NEVER_ORDERED, NOW)
    assert (counted.size, counted.engine) == (3, "mongodb")


def test_an_odd_property_value_sends_the_count_to_mongodb(db: Database[Any], following: UserMirror) -> None:
    assert size(following, "A", BOOKS) == 1
    db.events.insert_one(event("A", 30, "Product Viewed", "a3", category=["Books", "Home"]))
    # MongoDB matches a list holding the value; the mirror's text column cannot, so it declines.
    def declines() -> bool:
        try:
            following.count("A", BOOKS, NOW)
        except MirrorUnavailable:
            return True
        return False

    assert wait_until(declines, timeout=2.0)
    with pytest.raises(MirrorUnavailable, match="Product Viewed: category"):
        following.count("A", BOOKS, NOW)
    store = Store.from_database(db, CATALOG)
    assert AudienceEngine(store, [MirrorCounter(following)]).count("A", BOOKS, NOW).size == 2
    assert size(following, "A", VIEWED_3) == 1  # rules not reading the property still count here
