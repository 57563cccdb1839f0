from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segcore.catalog import default_catalog
from segcore.storage import InvalidUserData, Store, coerce_user


def test_coerce_types_values_by_the_catalog() -> None:
    doc = coerce_user(
        {"user_id": 7, "city": "bangalore", "country": "in", "plan": "Premium", "tags": "VIP;churn risk|beta",
         "age": "41", "visits": 12.0, "total_spend": "1,00,000.50", "email_opt_in": "yes",
         "signup_date": "2025-03-01", "last_visit_at": "", "shoe_size": 9, "team_id": "evil", "_id": 1},
        default_catalog(),
    )
    assert doc == {
        "user_id": "7", "city": "Bengaluru", "country": "IN", "plan": "pro", "tags": ["vip", "churn-risk", "beta"],
        "age": 41, "visits": 12, "total_spend": 100000.5, "email_opt_in": True,
        "signup_date": datetime(2025, 3, 1, tzinfo=UTC), "last_visit_at": None,
    }


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"city": "Pune"}, "user_id is missing"),
        ({"user_id": "a", "plan": "gold"}, "plan: 'gold' is not valid; allowed values: free, pro, enterprise"),
        ({"user_id": "a", "age": "forty"}, "age: 'forty' is not valid; expected a number"),
        ({"user_id": "a", "age": 4.5}, "expected a whole number"),
        ({"user_id": "a", "email_opt_in": "maybe"}, "expected true or false"),
        ({"user_id": "a", "signup_date": "yesterday"}, "expected an ISO 8601 date"),
        ({"user_id": "a", "tags": 5}, "expected a list of text values"),
    ],
)
def test_coerce_refuses_with_field_and_what_is_allowed(doc: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidUserData, match=message):
        coerce_user(doc, default_catalog())


def test_upsert_is_idempotent_and_unsets_cleared_fields(store: Store) -> None:
    docs = [{"user_id": "a", "visits": 3, "last_visit_at": "2026-01-01T00:00:00Z"}, {"user_id": "b", "visits": 1}]
    first = store.users.upsert_many("T1", docs)
    assert (first.inserted, first.updated) == (2, 0)
    again = store.users.upsert_many("T1", docs)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = store.users.upsert_many("T1", [{"user_id": "a", "visits": 4}, {"user_id": "b", "visits": 1}])
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert store.users.count("T1") == 2
    assert store.users.upsert_many("T1", [{"user_id": "a", "last_visit_at": None}]).updated == 1
    user = store.users.get("T1", "a")
    assert user is not None and "last_visit_at" not in user and user["visits"] == 4


def test_a_bad_record_writes_nothing(store: Store) -> None:
    with pytest.raises(InvalidUserData, match="visits"):
        store.users.upsert_many("T1", [{"user_id": "a", "visits": 1}, {"user_id": "b", "visits": "lots"}])
    assert store.users.count("T1") == 0


def test_a_user_with_only_an_id_can_be_upserted_twice(store: Store) -> None:
    assert store.users.upsert_many("T1", [{"user_id": "solo"}]).inserted == 1
    assert store.users.upsert_many("T1", [{"user_id": "solo"}]).unchanged == 1
    assert store.users.get("T1", "solo") == {"team_id": "T1", "user_id": "solo"}


def test_a_user_listed_twice_ends_with_the_later_row(store: Store) -> None:
    report = store.users.upsert_many("T1", [{"user_id": "d", "visits": 1}, {"user_id": "d", "visits": 2}])
    assert (report.inserted, report.updated) == (1, 1)
    assert store.users.get("T1", "d")["visits"] == 2  # type: ignore[index]


def test_a_user_inserted_meanwhile_turns_the_rest_into_upserts(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.users.upsert_many("T1", [{"user_id": "a", "visits": 1}])
    # As if another import wrote "a" between our existence check and our insert.
    monkeypatch.setattr(store.users, "_existing", lambda team_id, user_ids: {})
    report = store.users.upsert_many(
        "T1", [{"user_id": "b", "visits": 1}, {"user_id": "a", "visits": 9}, {"user_id": "c", "visits": 1}]
    )
    assert (report.inserted, report.updated) == (2, 1)
    assert store.users.get("T1", "a")["visits"] == 9  # type: ignore[index]
    assert store.users.count("T1") == 3
