"""Indexes exist for the queryable fields and the planner uses them for typical segment filters.

The embedded server's explain reports single-field plans correctly (FACTS), so each case here is a
one-condition segment; `scoped` keeps the filter flat ({team_id, field}) so the (team_id, field) index
applies.
"""

from __future__ import annotations

from typing import Any

import pytest

from segcore.audience import AudienceEngine, plan_indexes
from segcore.seed import generate_users
from segcore.storage import Store
from tests.storage.helpers import NOW, rule


def test_indexes_are_created_for_queryable_non_pii_fields(store: Store) -> None:
    users = store.db["users"].index_information()
    assert users["team_user"]["unique"] is True
    assert users["team_user"]["key"] == [("team_id", 1), ("user_id", 1)]
    for field in ("city", "country", "plan", "tags", "age", "visits", "orders", "total_spend", "signup_date",
                  "last_visit_at", "last_order_at", "email_opt_in"):
        assert users[f"team_{field}"]["key"] == [("team_id", 1), (field, 1)]
    assert "team_email" not in users and "team_name" not in users  # personal data is not indexed
    assert store.db["segments"].index_information()["team_name"]["unique"] is True
    assert store.db["campaigns"].index_information()["team_name"]["unique"] is True
    assert "team_segment_at" in store.db["segment_snapshots"].index_information()
    assert "team_at" in store.db["audit_log"].index_information()
    store.ensure_indexes()  # idempotent


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        ({"field": "city", "op": "eq", "value": "Pune"}, "team_city"),
        ({"field": "plan", "op": "in", "value": ["pro", "enterprise"]}, "team_plan"),
        ({"field": "tags", "op": "has", "value": "vip"}, "team_tags"),
        ({"field": "total_spend", "op": "gt", "value": 50000}, "team_total_spend"),
        ({"field": "visits", "op": "between", "value": [10, 20]}, "team_visits"),
        ({"field": "last_visit_at", "op": "within_last", "value": {"amount": 7, "unit": "day"}}, "team_last_visit_at"),
        ({"field": "signup_date", "op": "on", "value": "2025-03"}, "team_signup_date"),
        ({"field": "last_order_at", "op": "more_than_ago", "value": {"amount": 1, "unit": "year"}}, "team_last_order_at"),
    ],
)
def test_typical_segment_filters_use_an_index_scan(store: Store, condition: dict[str, Any], index: str) -> None:
    store.users.upsert_many("T1", list(generate_users(100, now=NOW)))
    engine = AudienceEngine(store)
    plan = engine.explain("T1", rule(condition), NOW)
    assert plan_indexes(plan) == [index], plan


def test_a_segment_on_several_fields_is_led_by_one_index(store: Store) -> None:
    store.users.upsert_many("T1", list(generate_users(100, now=NOW)))
    r = rule({"all": [{"field": "total_spend", "op": "gt", "value": 10000},
                      {"field": "city", "op": "eq", "value": "Delhi"},
                      {"field": "plan", "op": "eq", "value": "pro"}]})
    assert plan_indexes(AudienceEngine(store).explain("T1", r, NOW)) == ["team_city"]


def test_a_negation_cannot_use_the_field_index(store: Store) -> None:
    # The contrast that shows the check above can fail: "not in Pune" has to look at every user.
    store.users.upsert_many("T1", list(generate_users(50, now=NOW)))
    plan = AudienceEngine(store).explain("T1", rule({"not": {"field": "city", "op": "eq", "value": "Pune"}}), NOW)
    assert "team_city" not in plan_indexes(plan)


def test_start_up_builds_user_indexes_in_place_when_small_and_in_the_background_when_large(
    db: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from segcore.catalog import default_catalog
    from segments import services

    db["users"].insert_many([{"team_id": "T1", "user_id": f"u{i}", "visits": i} for i in range(30)])
    store = Store.from_database(db, default_catalog())
    assert set(store.missing_user_indexes()) == set(store.user_indexes())
    assert services.ensure_indexes_at_start(store) is None  # 30 users: built before start-up goes on
    assert store.missing_user_indexes() == []
    assert db["segments"].index_information()["team_name"]["unique"] is True

    for name in store.user_indexes():
        db["users"].drop_index(name)
    monkeypatch.setattr(services, "BACKGROUND_INDEX_USERS", 10)  # now 30 users count as many
    builder = services.ensure_indexes_at_start(store)
    assert builder is not None
    builder.join(timeout=60)
    assert store.missing_user_indexes() == []
    assert any("in the background" in r.getMessage() for r in caplog.records)
    assert services.ensure_indexes_at_start(store) is None  # nothing missing: nothing to do
