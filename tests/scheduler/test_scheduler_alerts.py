"""Threshold alerts fire once per crossing (real database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from scheduler.alerts import evaluate

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BELOW = {"direction": "below", "threshold": 1000, "channel": "C-ALERTS"}


def _run(db: Database[dict[str, Any]], sizes: list[int], alert: dict[str, Any] | None = BELOW) -> list[list[int]]:
    fired = []
    for i, size in enumerate(sizes):
        events = evaluate(db, "T1", [("s1", "Lapsed VIPs", alert, size)], T0 + timedelta(hours=i))
        fired.append([e.size for e in events])
    return fired


def test_fires_once_per_crossing_and_rearms(db: Database[dict[str, Any]]) -> None:
    #                1200 (armed) 990 fires, 950 stays below, 1100 back, 800 fires again
    assert _run(db, [1200, 990, 950, 1100, 800, 700]) == [[], [990], [], [], [800], []]


def test_first_snapshot_only_records_the_side(db: Database[dict[str, Any]]) -> None:
    assert _run(db, [900, 800, 1500, 999]) == [[], [], [], [999]]


def test_above_alerts_and_event_details(db: Database[dict[str, Any]]) -> None:
    above = {"direction": "above", "threshold": 5000}
    evaluate(db, "T1", [("s2", "Big spenders", above, 4000)], T0)
    events = evaluate(db, "T1", [("s2", "Big spenders", above, 5001)], T0 + timedelta(hours=1))
    assert len(events) == 1
    event = events[0]
    assert (event.segment_name, event.direction, event.threshold, event.size, event.previous_size) == (
        "Big spenders", "above", 5000, 5001, 4000)
    assert event.channel is None
    assert evaluate(db, "T1", [("s2", "Big spenders", above, 5000)], T0 + timedelta(hours=2)) == []


def test_changing_the_threshold_rearms_without_firing(db: Database[dict[str, Any]]) -> None:
    evaluate(db, "T1", [("s1", "x", BELOW, 1200)], T0)
    changed = dict(BELOW, threshold=2000)
    assert evaluate(db, "T1", [("s1", "x", changed, 1200)], T0 + timedelta(hours=1)) == []
    assert evaluate(db, "T1", [("s1", "x", changed, 1100)], T0 + timedelta(hours=2)) == []
    assert [e.size for e in evaluate(db, "T1", [("s1", "x", changed, 2100)], T0 + timedelta(hours=3))] == []
    assert [e.size for e in evaluate(db, "T1", [("s1", "x", changed, 1900)], T0 + timedelta(hours=4))] == [1900]


def test_segments_without_alerts_are_ignored(db: Database[dict[str, Any]]) -> None:
    assert _run(db, [10, 5000, 1], alert=None) == [[], [], []]
    assert _run(db, [10, 5000, 1], alert={"direction": "sideways", "threshold": 3}) == [[], [], []]
