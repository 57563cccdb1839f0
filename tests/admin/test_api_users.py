"""The users API: bulk upsert (all valid or nothing saved) and reading one user with PII masked."""

from __future__ import annotations

from typing import Any

from tests.admin.admin_helpers import OTHER_TEAM, TEAM, ApiClient, error_of


def test_upsert_then_get_masked(api: ApiClient, store: Any) -> None:
    users = [
        {"user_id": "a1", "name": "Asha Rao", "email": "asha@example.com", "city": "bangalore", "total_spend": 7000},
        {"user_id": "a2", "name": "Vikram Shah", "email": "vikram@example.com", "visits": 3,
         "last_visit_at": "2026-11-01T10:00:00Z"},
    ]
    response = api.post("/api/users", {"users": [*users, {"user_id": "a3", "shoe_size": 9}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["inserted"], body["updated"], body["ignored_fields"]) == (3, 0, ["shoe_size"])
    assert store.users.count(TEAM) == 3
    assert "shoe_size" not in api.get("/api/users/a3").get_json()
    got = api.get("/api/users/a1").get_json()
    assert got["user_id"] == "a1"
    assert got["city"] == "Bengaluru"  # the same canonical values as `segments import`
    assert got["email"] != "asha@example.com" and got["email"]
    assert got["name"] != "Asha Rao"
    assert "team_id" not in got
    updated = api.post("/api/users", {"users": [{"user_id": "a1", "total_spend": 9000}]})
    assert updated.status_code == 200
    assert api.get("/api/users/a1").get_json()["total_spend"] == 9000
    assert store.users.count(TEAM) == 3


def test_one_bad_user_saves_nothing(api: ApiClient, store: Any) -> None:
    response = api.post("/api/users", {"users": [
        {"user_id": "ok", "visits": 3},
        {"user_id": "bad", "visits": "many"},
        "not an object",
        {"visits": 1},
    ]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_users"
    assert [e["index"] for e in error["details"]["errors"]] == [1, 2, 3]
    assert store.users.count(TEAM) == 0


def test_users_body_shapes(api: ApiClient) -> None:
    assert api.post("/api/users", {"users": []}).status_code == 422
    assert api.post("/api/users", {"users": {"user_id": "x"}}).status_code == 422
    assert api.post("/api/users", {"people": []}).status_code == 422
    too_many = {"users": [{"user_id": f"u{i}"} for i in range(1001)]}
    assert api.post("/api/users", too_many).status_code == 422


def test_users_are_per_workspace(api: ApiClient, other_api: ApiClient, store: Any) -> None:
    api.post("/api/users", {"users": [{"user_id": "same", "city": "Pune"}]})
    other_api.post("/api/users", {"users": [{"user_id": "same", "city": "Delhi"}]})
    assert api.get("/api/users/same").get_json()["city"] == "Pune"
    assert other_api.get("/api/users/same").get_json()["city"] == "Delhi"
    api.post("/api/users", {"users": [{"user_id": "only-ours"}]})
    response = other_api.get("/api/users/only-ours")
    assert response.status_code == 404
    assert store.users.count(OTHER_TEAM) == 1
