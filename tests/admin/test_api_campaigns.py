"""The campaigns API: create, change, attach, launch, and the state rules around launching."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.admin_helpers import SPEND_RULE, ApiClient, error_of


def segment_id(api: ApiClient, name: str = "Big spenders") -> str:
    return str(api.post("/api/segments", {"name": name, "rule": SPEND_RULE}).get_json()["id"])


def campaign(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/campaigns", {"name": "Diwali offer", "channel": "email", "message": "Hi"} | fields)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_create_list_get(api: ApiClient, launcher: ApiClient, users: list[dict[str, Any]]) -> None:
    created = campaign(launcher, schedule_at="2026-12-01T09:00:00+05:30")
    assert created["status"] == "scheduled"
    assert created["schedule_at"] == "2026-12-01T03:30:00Z"
    assert created["segment_ids"] == []
    assert api.get("/api/campaigns").get_json()["campaigns"][0]["id"] == created["id"]
    assert api.get(f"/api/campaigns/{created['id']}").get_json()["name"] == "Diwali offer"


def test_create_with_a_segment_and_attach_another(api: ApiClient, users: list[dict[str, Any]]) -> None:
    first, second = segment_id(api, "One"), segment_id(api, "Two")
    created = campaign(api, segment_ids=[first])
    attached = api.post(f"/api/campaigns/{created['id']}/segments", {"segment_id": second})
    assert attached.status_code == 200
    assert attached.get_json()["segment_ids"] == [first, second]
    again = api.post(f"/api/campaigns/{created['id']}/segments", {"segment_id": second})
    assert again.get_json()["segment_ids"] == [first, second]  # attaching twice changes nothing


@pytest.mark.parametrize(
    "payload",
    [
        {"channel": "email"},
        {"name": "x", "channel": "pigeon"},
        {"name": "x", "message": 5},
        {"name": "x", "schedule_at": "next tuesday"},
        {"name": "x", "segment_ids": "abc"},
        {"name": "x", "status": "launched"},
    ],
)
def test_create_refuses_bad_fields(api: ApiClient, payload: dict[str, Any]) -> None:
    response = api.post("/api/campaigns", payload)
    assert response.status_code == 422, response.get_json()
    assert api.get("/api/campaigns").get_json()["campaigns"] == []


def test_duplicate_campaign_name_is_409(api: ApiClient) -> None:
    campaign(api)
    response = api.post("/api/campaigns", {"name": "diwali OFFER"})
    assert response.status_code == 409


def test_update_and_launch(api: ApiClient, launcher: ApiClient, users: list[dict[str, Any]]) -> None:
    created = campaign(api)
    cid = created["id"]
    changed = api.patch(f"/api/campaigns/{cid}", {"message": "Happy Diwali", "channel": "sms"}).get_json()
    assert (changed["message"], changed["channel"]) == ("Happy Diwali", "sms")
    no_segment = launcher.post(f"/api/campaigns/{cid}/launch")
    assert no_segment.status_code == 409 and error_of(no_segment)["code"] == "no_segment"
    api.post(f"/api/campaigns/{cid}/segments", {"segment_id": segment_id(api)})
    launched = launcher.post(f"/api/campaigns/{cid}/launch")
    assert launched.status_code == 202
    assert launched.get_json()["status"] == "launching"
    again = launcher.post(f"/api/campaigns/{cid}/launch")
    assert again.status_code == 409
    assert error_of(again)["details"] == {"status": "launching"}
    assert api.patch(f"/api/campaigns/{cid}", {"message": "too late"}).status_code == 409


def test_attach_needs_a_segment_of_this_workspace(api: ApiClient, other_api: ApiClient,
                                                  users: list[dict[str, Any]]) -> None:
    theirs = segment_id(other_api, "Theirs")
    cid = campaign(api)["id"]
    response = api.post(f"/api/campaigns/{cid}/segments", {"segment_id": theirs})
    assert response.status_code == 404
    assert "Theirs" not in response.get_data(as_text=True)
    assert api.post("/api/campaigns", {"name": "Sneaky", "segment_ids": [theirs]}).status_code == 404


def test_other_workspace_cannot_see_or_touch_campaigns(api: ApiClient, other_api: ApiClient,
                                                       users: list[dict[str, Any]]) -> None:
    cid = campaign(api)["id"]
    sid = segment_id(other_api, "Theirs")
    for response in (
        other_api.get(f"/api/campaigns/{cid}"),
        other_api.patch(f"/api/campaigns/{cid}", {"name": "mine"}),
        other_api.post(f"/api/campaigns/{cid}/segments", {"segment_id": sid}),
        other_api.post(f"/api/campaigns/{cid}/launch"),
        other_api.delete(f"/api/campaigns/{cid}"),
    ):
        assert response.status_code == 404
        assert "Diwali" not in response.get_data(as_text=True)
    assert other_api.get("/api/campaigns").get_json() == {"campaigns": []}
    assert api.get(f"/api/campaigns/{cid}").get_json()["status"] == "draft"


def test_delete_campaign(api: ApiClient) -> None:
    cid = campaign(api)["id"]
    assert api.delete(f"/api/campaigns/{cid}").status_code == 204
    assert api.get(f"/api/campaigns/{cid}").status_code == 404
