"""What-if curves: every point is exactly the size of the rule with that one value edited, in both engines.

People and events are generated into the real embedded server (two workspaces, awkward events included),
and a mirror is built from them. Each point is checked against ``engine.count`` of the edited rule, by
MongoDB (the truth) and by the mirror, for field and event thresholds, in ``any`` groups and under ``not``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

from segcore import default_catalog, validate_json
from segcore.audience import AudienceEngine
from segcore.explain.whatif import WhatIf, points, put, thresholds, what_if
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.rules import AbsoluteDate, CalendarPeriod, RelativeAmount, Rule
from segcore.storage.database import Store
from tests.mirror.events_support import ensure_event_indexes, insert_events
from tests.mirror.mirror_rules import RuleStrategies
from tests.mirror.test_events_parity import NOW, TEAMS, events_for, people, trees

CATALOG = default_catalog()


@pytest.fixture(scope="module")
def made_db(mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"whatif_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)])
    for i, team in enumerate(TEAMS):
        users = people(team, 120 + 40 * i, seed=20 + i)
        db.users.insert_many(users)
        insert_events(db, events_for(team, users, seed=30 + i))
    ensure_event_indexes(db)
    try:
        yield db
    finally:
        mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def engines(made_db: Database[Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AudienceEngine, AudienceEngine]]:
    """(with the mirror in front, MongoDB alone) over the same data."""
    mirror = UserMirror(Path(tmp_path_factory.mktemp("whatif")) / "m.duckdb", made_db, CATALOG, max_lag=1e9)
    mirror.build()
    store = Store.from_database(made_db, CATALOG)
    try:
        yield AudienceEngine(store, [MirrorCounter(mirror)]), AudienceEngine(store)
    finally:
        mirror.stop()


def rule(data: dict[str, Any]) -> Rule:
    return validate_json(data, CATALOG)


def assert_exact(engines: tuple[AudienceEngine, AudienceEngine], team: str, checked: Rule) -> WhatIf:
    mirrored, mongo = engines
    answer = what_if(mirrored, team, checked, NOW)
    fallback = what_if(mongo, team, checked, NOW)
    assert fallback.to_json(CATALOG) == answer.to_json(CATALOG)
    assert {c.engine for c in fallback.curves} <= {"mongodb"}
    found = thresholds(checked, CATALOG)
    assert len(answer.curves) == len(found)
    for curve in answer.curves:
        assert curve.engine == "mirror"
        t = curve.threshold
        for point in curve.points:
            edited = put(checked, t.path, t.edited(point.value))
            truth = mongo.count(team, edited, NOW)
            assert truth.engine == "mongodb"
            assert point.size == truth.size, (team, t, point)
            assert mirrored.count(team, edited, NOW).size == truth.size
        current = [p for p in curve.points if p.value == t.value]
        assert len(current) == 1 and current[0].size == answer.size
    return answer


def test_a_spend_threshold_inside_an_any_group_and_under_a_not(engines: tuple[AudienceEngine, AudienceEngine]) -> None:
    checked = rule({"any": [
        {"not": {"field": "total_spend", "op": "gt", "value": 5000}},
        {"all": [{"field": "city", "op": "eq", "value": "Pune"},
                 {"field": "last_visit_at", "op": "within_last", "value": {"amount": 30, "unit": "day"}}]},
    ]})
    answer = assert_exact(engines, "A", checked)
    spend, visit = answer.curves
    assert [p.value for p in spend.points] == [250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000]
    assert spend.threshold.negated and spend.to_json(CATALOG)["text"].startswith("not (")
    # Under a "not", raising the spend threshold leaves fewer people above it, so more in the segment.
    sizes = [p.size for p in spend.points]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert [p.value for p in visit.points] == [RelativeAmount(a, "day") for a in (1, 3, 7, 14, 30, 60, 90, 180, 365)]


def test_event_count_and_window_both_move(engines: tuple[AudienceEngine, AudienceEngine]) -> None:
    checked = rule({"all": [
        {"event": "Product Viewed", "count": {"op": "gte", "value": 2},
         "when": {"op": "within_last", "value": {"amount": 3, "unit": "month"}}},
        {"not": {"event": "Order Completed", "when": {"op": "after", "value": "2026-06"}}},
    ]})
    answer = assert_exact(engines, "B", checked)
    parts = [(c.threshold.leaf.event, c.threshold.part) for c in answer.curves]  # type: ignore[union-attr]
    assert parts == [("Product Viewed", "count"), ("Product Viewed", "when"), ("Order Completed", "count"),
                     ("Order Completed", "when")]
    counts = [p.size for p in answer.curves[0].points]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]  # "at least N times" shrinks with N
    assert all(isinstance(p.value, AbsoluteDate) and p.value.granularity == "month" for p in answer.curves[3].points)


def test_ranges_move_one_end_at_a_time_and_stay_ranges(engines: tuple[AudienceEngine, AudienceEngine]) -> None:
    checked = rule({"all": [
        {"field": "age", "op": "between", "value": [25, 40]},
        {"field": "signup_date", "op": "before", "value": {"period": "month", "offset": -1}},
        {"event": "Email Opened", "count": {"op": "between", "value": [1, 3]}},
    ]})
    answer = assert_exact(engines, "A", checked)
    low, high = answer.curves[0], answer.curves[1]
    assert all(p.value[1] == 40 and p.value[0] <= 40 for p in low.points)
    assert all(p.value[0] == 25 and p.value[1] >= 25 for p in high.points)
    assert all(isinstance(p.value, CalendarPeriod) and p.value.period == "month" for p in answer.curves[2].points)
    doc = answer.to_json(CATALOG)
    assert doc["conditions"][0]["value"] == [25, 40] and doc["conditions"][0]["points"][0]["value"][1] == 40
    assert set(doc) == {"size", "conditions"}
    assert set(doc["conditions"][4]) == {"event", "op", "value", "text", "points"}


_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                     phases=(Phase.explicit, Phase.reuse, Phase.generate))


@_SETTINGS
@given(data=st.data())
def test_random_trees_every_point_is_the_edited_rules_size(data: st.DataObject, made_db: Database[Any],
                                                           engines: tuple[AudienceEngine, AudienceEngine]) -> None:
    strategies = RuleStrategies(CATALOG, list(made_db.users.find({"team_id": "A"})))
    drawn = strategies.valid(data.draw(trees(strategies)))
    if drawn is None or not thresholds(drawn, CATALOG):
        return
    assert_exact(engines, data.draw(st.sampled_from(TEAMS)), drawn)


# ---------------------------------------------------------------------------------------------- round values


def _values(data: dict[str, Any]) -> list[list[Any]]:
    checked = rule(data)
    return [points(t, CATALOG) for t in thresholds(checked, CATALOG)]


def test_money_moves_along_the_values_a_marketer_types() -> None:
    (values,) = _values({"field": "total_spend", "op": "gt", "value": 5000})
    assert values == [250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000]
    (odd,) = _values({"field": "total_spend", "op": "gte", "value": 4321})
    assert 4321 in odd and len(odd) >= 7


def test_relative_dates_stay_relative_in_their_unit() -> None:
    (months,) = _values({"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}})
    assert [m.amount for m in months] == [1, 2, 3, 5, 6, 9, 12, 18, 24]
    assert {m.unit for m in months} == {"month"}
    (days,) = _values({"field": "last_visit_at", "op": "within_last", "value": {"amount": 30, "unit": "day"}})
    assert {7, 14, 30, 60, 90} <= {d.amount for d in days} and len(days) >= 7


def test_counts_and_calendar_dates() -> None:
    counts, window = _values({"event": "Order Completed", "count": {"op": "gte", "value": 1},
                              "when": {"op": "after", "value": "2025-03-01"}})
    assert counts == [1, 2, 3, 4, 5, 10, 15, 20, 25]
    assert all(isinstance(d, AbsoluteDate) and d.granularity == "day" for d in window)
    assert AbsoluteDate.parse("2025-03-01") in window and len(window) >= 7


def test_conditions_without_a_threshold_have_no_curve() -> None:
    assert _values({"all": [{"field": "city", "op": "eq", "value": "Pune"},
                            {"field": "tags", "op": "has", "value": "vip"}]}) == []
