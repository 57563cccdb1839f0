"""Why a segment's size changed, exactly: people changed between snapshots on the real embedded server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from segcore.audience import AudienceEngine
from segcore.catalog import default_catalog
from segcore.errors import SegmentError
from segcore.explain.people import read_people
from segcore.explain.why import NoSnapshot, main_cause, parse_since, why_changed
from segcore.library import save_segment
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.storage import Store
from segcore.storage.member_sets import decode, encode, numbers
from segcore.validation import validate_json

TEAM = "T1"
CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULE = validate_json({"all": [{"field": "visits", "op": "gte", "value": 10},
                              {"field": "city", "op": "eq", "value": "Pune"}]}, CATALOG)


def people(n: int = 20) -> list[dict[str, Any]]:
    """u000..: odd ones live in Pune; visits = i. Members of RULE: u011, u013, u015, u017, u019."""
    return [{"user_id": f"u{i:03d}", "name": f"Person {i}", "email": f"p{i}@example.com",
             "city": "Pune" if i % 2 else "Mumbai", "visits": i} for i in range(n)]


def change_people(store: Store) -> None:
    store.users.upsert_many(TEAM, [
        {"user_id": "u011", "visits": 3},  # left: no longer 10+ visits
        {"user_id": "u013", "city": "Mumbai"},  # left: no longer in Pune
        {"user_id": "u017", "visits": 1, "city": "Mumbai"},  # left: both
        {"user_id": "u012", "city": "Pune"},  # entered: now in Pune
        {"user_id": "u005", "visits": 50},  # entered: now 10+ visits
        {"user_id": "u100", "name": "Person 100", "email": "p100@example.com", "city": "Pune", "visits": 30},  # new
    ])
    store.users.delete(TEAM, "u015")  # left: removed


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {item["text"]: item["count"] for item in items}


def check_answer(data: dict[str, Any]) -> None:
    assert (data["before"]["size"], data["after"]["size"]) == (5, 4)
    assert data["entered"]["total"] == 3 and data["entered"]["new_people"] == 1
    assert counts(data["entered"]["by_condition"]) == {"city is now Pune": 1, "now at least 10 visits": 1}
    assert data["left"]["total"] == 4 and data["left"]["removed_people"] == 1
    assert counts(data["left"]["by_condition"]) == {"no longer at least 10 visits": 2, "city is no longer Pune": 2}
    assert {item.get("field") for item in data["left"]["by_condition"]} == {"visits", "city"}


def saved(store: Store, engine: AudienceEngine) -> Any:
    store.users.upsert_many(TEAM, people())
    return save_segment(store, engine, TEAM, "Loyal Pune", RULE, "loyal in pune", "grammar", "U1", NOW).segment


def test_why_between_a_snapshot_and_now_attributes_every_change(store: Store) -> None:
    engine = AudienceEngine(store)
    segment = saved(store, engine)
    change_people(store)
    why = why_changed(engine, segment, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    data = why.to_json()
    check_answer(data)
    assert set(data) == {"before", "after", "entered", "left"}
    assert data["before"]["as_of"] == "2026-11-24T12:00:00Z"
    details = why.details_json()
    assert details["rule_edited"] is False
    example = details["entered"]["new_people_examples"][0]
    assert example["user_id"] == "u100" and example["email"] == "p***@example.com"  # masked
    assert example["name"] == "P*** 1***"
    assert main_cause(why) == "-1: 2 no longer at least 10 visits, 1 removed"


def test_why_between_two_scheduled_snapshots_and_with_the_mirror(store: Store, tmp_path: Path) -> None:
    mongo = AudienceEngine(store)
    segment = saved(store, mongo)
    first = datetime.now(UTC)
    change_people(store)
    time.sleep(0.01)
    mongo.snapshot_all(TEAM, NOW)
    later = datetime.now(UTC)
    data = why_changed(mongo, segment, first, later, until=later).to_json()
    check_answer(data)
    # The mirror answers the same people in one pass.
    mirror = UserMirror(tmp_path / "mirror.duckdb", store.db, CATALOG)
    mirror.start()
    try:
        engine = AudienceEngine(store, [MirrorCounter(mirror)])
        deadline = time.monotonic() + 30
        while True:
            got = read_people(engine, TEAM, RULE, NOW)
            if got.engine == "mirror" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        expected = read_people(mongo, TEAM, RULE, NOW)
        assert got.engine == "mirror"
        assert np.array_equal(got.members, expected.members) and np.array_equal(got.everyone, expected.everyone)
        assert [c.key for c in got.conditions] == [c.key for c in expected.conditions]
        assert all(np.array_equal(a.passed, b.passed) for a, b in zip(got.conditions, expected.conditions, strict=True))
        check_answer(why_changed(engine, segment, first, NOW).to_json())
    finally:
        mirror.stop()


def test_an_edited_rule_is_named_as_a_cause(store: Store) -> None:
    engine = AudienceEngine(store)
    segment = saved(store, engine)
    stricter = validate_json({"all": [{"field": "visits", "op": "gte", "value": 15},
                                      {"field": "city", "op": "eq", "value": "Pune"}]}, CATALOG)
    segment = store.segments.update_rule(TEAM, segment.id, stricter, "15+ in pune", "grammar", "U1")
    why = why_changed(engine, segment, NOW, NOW + timedelta(minutes=5))
    data = why.details_json()
    assert data["rule_edited"] is True
    assert data["left"]["total"] == 2  # u011, u013
    assert counts(data["left"]["by_condition"]) == {"the rule now asks: at least 15 visits": 2}
    assert data["entered"]["total"] == 0
    assert main_cause(why) == "-2: 2 the rule now asks: at least 15 visits"


def test_no_snapshot_yet_says_what_to_do(store: Store) -> None:
    engine = AudienceEngine(store)
    segment = saved(store, engine)
    store.snapshots.members.delete_many({})
    with pytest.raises(NoSnapshot, match="no snapshot with its members yet"):
        why_changed(engine, segment, NOW, NOW)


def test_members_are_kept_for_the_configured_days_and_sizes_longer(store: Store) -> None:
    engine = AudienceEngine(store)
    store.snapshots.member_days = 2
    store.users.upsert_many(TEAM, people())
    segment = save_segment(store, engine, TEAM, "Loyal Pune", RULE, "t", "grammar", "U1", NOW).segment
    from segcore.library import measure

    measure(store, engine, segment, NOW + timedelta(days=3))
    kept = store.snapshots.member_snapshots(TEAM, segment.id)
    assert [at for _, at, _ in kept] == [NOW + timedelta(days=3)]
    assert len(store.snapshots.history(TEAM, segment.id)) == 2


@pytest.mark.parametrize("share", [0.5, 0.1, 0.001])
def test_member_sets_round_trip_and_stay_small(share: float) -> None:
    rng = np.random.default_rng(7)
    values = np.flatnonzero(rng.random(200_000) < share).astype(np.int64) + 1
    data = encode(values)
    assert np.array_equal(decode(data), values)
    assert len(data) < max(200_000 / 8 * 1.05, len(values) * 2) + 64


def test_member_sets_edge_cases() -> None:
    for values in ([], [5], [0, 2**40, 2**62], list(range(1, 1000))):
        assert np.array_equal(decode(encode(numbers(values))), numbers(values))


def test_since_reads_durations_and_dates() -> None:
    assert parse_since(None, NOW) == NOW - timedelta(hours=24)
    assert parse_since("7d", NOW) == NOW - timedelta(days=7)
    assert parse_since("2026-11-20T09:00:00Z", NOW) == datetime(2026, 11, 20, 9, tzinfo=UTC)
    with pytest.raises(SegmentError, match="use 24h, 7d"):
        parse_since("yesterday-ish", NOW)
    with pytest.raises(SegmentError, match="in the future"):
        parse_since("2027-01-01", NOW)


def test_a_save_without_the_mirror_leaves_large_workspaces_to_the_scheduler(store: Store) -> None:
    from segcore.explain.keep import ON_SAVE_FROM_MONGODB
    from segcore.storage import person_numbers

    engine = AudienceEngine(store)
    store.users.upsert_many(TEAM, people())
    store.db[person_numbers.COLLECTION].update_one({"_id": TEAM}, {"$set": {"next": ON_SAVE_FROM_MONGODB + 1}})
    saved_now = save_segment(store, engine, TEAM, "Loyal Pune", RULE, "t", "grammar", "U1", NOW)
    assert saved_now.size is not None and saved_now.size.size == 5  # counted and saved all the same
    assert store.snapshots.member_snapshots(TEAM, saved_now.segment.id) == []
    engine.snapshot_all(TEAM, NOW)  # the scheduler reads MongoDB whatever the size
    assert len(store.snapshots.member_snapshots(TEAM, saved_now.segment.id)) == 1
