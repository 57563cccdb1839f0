"""The workspace's time zone on the admin page and in the JSON API: set, shown, refused when it is not a zone,
and read by the next count (a saved segment keeps its words)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from segcore.storage.database import Store
from tests.admin.admin_helpers import NOW, OTHER_TEAM, TEAM, ApiClient, AuthActions, csrf_from, error_of

TODAY = {"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}}


def test_the_api_reads_and_sets_the_zone_of_its_own_workspace_only(api: ApiClient, other_api: ApiClient,
                                                                    store: Store) -> None:
    assert api.get("/api/workspace").get_json() == {"team_id": TEAM, "time_zone": "UTC", "time_zone_is_default": True}
    changed = api.patch("/api/workspace", json={"time_zone": "Asia/Kolkata"})
    assert changed.status_code == 200
    assert changed.get_json() == {"team_id": TEAM, "time_zone": "Asia/Kolkata", "time_zone_is_default": False}
    assert store.workspaces.settings(TEAM).time_zone == "Asia/Kolkata"
    assert other_api.get("/api/workspace").get_json()["time_zone"] == "UTC"
    back = api.patch("/api/workspace", json={"time_zone": None}).get_json()
    assert (back["time_zone"], back["time_zone_is_default"]) == ("UTC", True)


def test_a_bad_zone_is_a_422_naming_what_is_allowed_and_nothing_changes(api: ApiClient, store: Store) -> None:
    api.patch("/api/workspace", json={"time_zone": "Europe/Paris"})
    for bad in ("Asia/Kolkatta", "IST", 530, ""):
        response = api.patch("/api/workspace", json={"time_zone": bad})
        if bad == "":  # empty means "back to the default", like null
            assert response.status_code == 200
            api.patch("/api/workspace", json={"time_zone": "Europe/Paris"})
            continue
        assert response.status_code == 422, bad
        error = error_of(response)
        assert error["code"] == "invalid_time_zone" and "Asia/Kolkata" in error["message"], error
        assert error["details"]["field"] == "time_zone"
    assert store.workspaces.settings(TEAM).time_zone == "Europe/Paris"
    unknown = api.patch("/api/workspace", json={"zone": "Asia/Kolkata"})
    assert unknown.status_code == 422 and error_of(unknown)["code"] == "unknown_fields"


def test_a_count_after_the_change_reads_calendar_words_in_the_new_zone(api: ApiClient, store: Store) -> None:
    # NOW is 12:00 UTC on 24 November 2026: 17:30 in India, whose day began at 18:30 UTC the day before.
    store.users.upsert_many(TEAM, [
        {"user_id": "u1", "signup_date": NOW.replace(hour=0, minute=30)},
        {"user_id": "u2", "signup_date": NOW.replace(hour=0, minute=0) - timedelta(hours=4)},  # 01:30 IST today
    ])
    made = api.post("/api/segments", json={"name": "Today", "rule": TODAY})
    assert made.status_code == 201 and made.get_json()["size"] == 1
    api.patch("/api/workspace", json={"time_zone": "Asia/Kolkata"})
    recounted = api.post("/api/segments/preview", json={"rule": TODAY}).get_json()
    assert recounted["size"] == 2
    assert api.get(f"/api/segments/{made.get_json()['id']}").get_json()["rule"] == TODAY


def test_the_settings_page_saves_a_zone_and_names_it_on_the_segment_pages(
        client: FlaskClient, auth: AuthActions, store: Store, users: Any) -> None:
    auth.login()
    page = client.get("/settings").get_data(as_text=True)
    assert "Calendar words in <strong>UTC</strong> (the server's default)" in page
    assert "Calendar words in" not in client.get("/segments").get_data(as_text=True)
    saved = client.post("/settings", data={"time_zone": "Asia/Kolkata", "csrf_token": csrf_from(page)})
    assert saved.status_code == 302
    assert store.workspaces.settings(TEAM).time_zone == "Asia/Kolkata"
    assert store.workspaces.settings(OTHER_TEAM).time_zone == "UTC"
    assert "Calendar words in <strong>Asia/Kolkata</strong>." in client.get("/settings").get_data(as_text=True)
    assert "Calendar words in Asia/Kolkata" in client.get("/segments").get_data(as_text=True)
    assert "Calendar words in Asia/Kolkata" in client.get("/segments/new").get_data(as_text=True)
    segment = store.segments.create(TEAM, "Joined today", _today(store),
                                    "signed up today", "user", "tests")
    assert "Calendar words in Asia/Kolkata" in client.get(f"/segments/{segment.id}").get_data(as_text=True)


def test_the_settings_page_refuses_a_bad_zone_with_what_is_allowed(client: FlaskClient, auth: AuthActions,
                                                                  store: Store) -> None:
    auth.login()
    page = client.get("/settings").get_data(as_text=True)
    refused = client.post("/settings", data={"time_zone": "Mumbai", "csrf_token": csrf_from(page)})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "&#39;Mumbai&#39; is not a time zone" in body and "Asia/Kolkata" in body
    assert 'value="Mumbai"' in body  # what was typed stays in the box
    assert store.workspaces.settings(TEAM).time_zone_is_default


def _today(store: Store) -> Any:
    from segcore.validation import validate_json

    return validate_json(TODAY, store.catalog)
