"""The segments API on the real embedded database: happy paths, bad input, other workspaces."""

from __future__ import annotations

from typing import Any

import pytest

from segcore import default_catalog, rule_from_json, to_mongo_filter
from tests.admin.admin_helpers import NOW, SPEND_RULE, TEAM, ApiClient, error_of


def expected_size(store: Any, rule_json: dict[str, Any]) -> int:
    """The size the reference compiler gives, counted directly in the users collection."""
    query = to_mongo_filter(rule_from_json(rule_json), default_catalog(), NOW)
    return int(store.db.users.count_documents({"$and": [{"team_id": TEAM}, query]}))


def create(api: ApiClient, name: str = "Big spenders", rule: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post("/api/segments", {"name": name, "rule": rule or SPEND_RULE})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_create_from_rules_counts_and_saves(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    body = create(api)
    assert body["name"] == "Big spenders"
    assert body["rule"] == SPEND_RULE
    assert body["description"] == "total spend more than ₹5,000"
    assert body["source"] == "user"
    assert body["size"] == expected_size(store, SPEND_RULE) > 0
    assert body["counted_at"] == "2026-11-24T12:00:00Z"
    listed = api.get("/api/segments").get_json()["segments"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert api.get(f"/api/segments/{body['id']}").get_json()["size"] == body["size"]


def test_create_names_are_unique_ignoring_case(api: ApiClient, users: list[dict[str, Any]]) -> None:
    create(api, "Big spenders")
    response = api.post("/api/segments", {"name": "big SPENDERS", "rule": SPEND_RULE})
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_name"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"name": "x"}, "invalid"),  # neither rule nor text
        ({"name": "x", "rule": SPEND_RULE, "text": "visits > 50"}, "invalid"),  # both
        ({"rule": SPEND_RULE}, "missing_fields"),
        ({"name": 42, "rule": SPEND_RULE}, "invalid"),
        ({"name": "   ", "rule": SPEND_RULE}, "invalid"),
        ({"name": "x" * 101, "rule": SPEND_RULE}, "invalid"),
        ({"name": "x", "rule": "total_spend > 5000"}, "invalid_rule"),
        ({"name": "x", "rule": {"field": "shoe_size", "op": "gt", "value": 5}}, "invalid_rule"),
        ({"name": "x", "rule": {"field": "total_spend", "op": "contains", "value": 5}}, "invalid_rule"),
        ({"name": "x", "rule": {"field": "total_spend", "op": "gt", "value": "lots"}}, "invalid_rule"),
        ({"name": "x", "rule": SPEND_RULE, "colour": "blue"}, "unknown_fields"),
        ({"name": "x", "text": 12}, "invalid"),
    ],
)
def test_create_refuses_invalid_input_with_422(api: ApiClient, payload: dict[str, Any], code: str) -> None:
    response = api.post("/api/segments", payload)
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == code
    assert error["message"]
    assert api.get("/api/segments").get_json()["segments"] == []  # nothing half written


def test_rule_errors_name_the_field_and_what_is_allowed(api: ApiClient) -> None:
    response = api.post("/api/segments", {"name": "x", "rule": {"field": "visits", "op": "has", "value": 1}})
    error = error_of(response)
    assert error["details"]["field"] == "visits"
    assert "allowed" in error["message"] and "gt" in error["message"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_json"),
        (b"", "application/json", 400, "bad_json"),
        (b"[1, 2]", "application/json", 422, "invalid"),
        (b'"text"', "application/json", 422, "invalid"),
        (b'{"name": "x"}', "text/plain", 415, "unsupported_media_type"),
        (b"name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"\xff\xfe\x00", "application/json", 400, "bad_json"),
    ],
)
def test_bodies_that_are_not_json_objects(api: ApiClient, data: bytes, content_type: str, status: int,
                                          code: str) -> None:
    response = api.raw("POST", "/api/segments", data, content_type)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_oversize_body_is_413(api: ApiClient) -> None:
    big = b'{"name": "x", "text": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    response = api.raw("POST", "/api/segments", big)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_deeply_nested_json_is_refused_not_crashed(api: ApiClient) -> None:
    deep = '{"not": ' * 5000 + '{"field": "visits", "op": "gt", "value": 1}' + "}" * 5000
    response = api.raw("POST", "/api/segments/preview", '{"rule": ' + deep + "}")
    assert response.status_code == 422
    rule = {"not": {"not": {"not": {"not": {"not": SPEND_RULE}}}}}  # valid JSON, too deep for a rule
    response = api.post("/api/segments/preview", {"rule": rule})
    assert response.status_code == 422
    assert "nested" in error_of(response)["message"]


def test_other_workspace_gets_404_and_never_the_data(api: ApiClient, other_api: ApiClient,
                                                     users: list[dict[str, Any]]) -> None:
    segment = create(api, "Secret plan")
    sid = segment["id"]
    for response in (
        other_api.get(f"/api/segments/{sid}"),
        other_api.patch(f"/api/segments/{sid}", {"name": "Mine now"}),
        other_api.patch(f"/api/segments/{sid}", {"rule": "garbage"}),
        other_api.delete(f"/api/segments/{sid}"),
        other_api.get(f"/api/segments/{sid}/users"),
        other_api.get(f"/api/segments/{sid}/history"),
    ):
        assert response.status_code == 404
        text = response.get_data(as_text=True)
        assert "Secret plan" not in text and "total_spend" not in text
        assert error_of(response)["code"] == "not_found"
    assert other_api.get("/api/segments").get_json() == {"segments": []}
    assert api.get(f"/api/segments/{sid}").get_json()["name"] == "Secret plan"  # untouched


def test_sizes_count_only_this_workspace(api: ApiClient, other_api: ApiClient, users: list[dict[str, Any]],
                                         store: Any) -> None:
    rule = {"field": "city", "op": "eq", "value": "Pune"}
    ours = api.post("/api/segments/preview", {"rule": rule}).get_json()["size"]
    theirs = other_api.post("/api/segments/preview", {"rule": rule}).get_json()["size"]
    assert ours == expected_size(store, rule)
    assert theirs == 100  # the other workspace moved all its 100 users to Pune
    assert ours < 300


def test_patch_renames_and_changes_rules(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    sid = create(api)["id"]
    renamed = api.patch(f"/api/segments/{sid}", {"name": "Very big spenders"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Very big spenders"
    rule = {"all": [SPEND_RULE, {"field": "visits", "op": "gt", "value": 20}]}
    changed = api.patch(f"/api/segments/{sid}", {"rule": rule}).get_json()
    assert changed["rule"] == rule
    assert changed["size"] == expected_size(store, rule)
    history = api.get(f"/api/segments/{sid}/history").get_json()["points"]
    # Both counts happened at the test clock's one moment, so compare them without their order.
    assert sorted(p["size"] for p in history) == sorted([expected_size(store, SPEND_RULE), changed["size"]])


def test_patch_refuses_empty_and_unknown_changes(api: ApiClient, users: list[dict[str, Any]]) -> None:
    sid = create(api)["id"]
    assert api.patch(f"/api/segments/{sid}", {}).status_code == 422
    assert api.patch(f"/api/segments/{sid}", {"name": None}).status_code == 422
    assert api.patch(f"/api/segments/{sid}", {"rule": None}).status_code == 422
    assert error_of(api.patch(f"/api/segments/{sid}", {"size": 3}))["code"] == "unknown_fields"
    create(api, "Taken")
    assert api.patch(f"/api/segments/{sid}", {"name": "taken"}).status_code == 409


def test_delete_then_gone(api: ApiClient, users: list[dict[str, Any]]) -> None:
    sid = create(api)["id"]
    response = api.delete(f"/api/segments/{sid}")
    assert response.status_code == 204 and response.get_data() == b""
    assert api.get(f"/api/segments/{sid}").status_code == 404
    assert api.delete(f"/api/segments/{sid}").status_code == 404


def test_preview_does_not_save(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    response = api.post("/api/segments/preview", {"rule": SPEND_RULE})
    assert response.status_code == 200
    body = response.get_json()
    assert body["size"] == expected_size(store, SPEND_RULE)
    assert body["description"] == "total spend more than ₹5,000"
    assert api.get("/api/segments").get_json()["segments"] == []


def test_members_are_paginated_and_masked(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    sid = create(api)["id"]
    size = expected_size(store, SPEND_RULE)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 40} | ({"after": cursor} if cursor else {})
        page = api.get(f"/api/segments/{sid}/users", query_string=query).get_json()
        assert len(page["items"]) <= 40
        seen.extend(item["user_id"] for item in page["items"])
        for item in page["items"]:
            assert "team_id" not in item and "_id" not in item
            full = next(u for u in users if u["user_id"] == item["user_id"])
            assert item.get("email") != full["email"]
            assert item.get("name") != full["name"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == size


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"limit": "ten"}, {"after": ""}])
def test_members_refuse_bad_paging(api: ApiClient, users: list[dict[str, Any]], query: dict[str, Any]) -> None:
    sid = create(api)["id"]
    assert api.get(f"/api/segments/{sid}/users", query_string=query).status_code == 422


def test_new_segment_template(api: ApiClient) -> None:
    body = api.get("/api/segments/new").get_json()
    assert body["rule"] == {"all": []}
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["total_spend"]["operators"] == body["operators"]["number"]
    assert "within_last" in fields["last_visit_at"]["operators"]
    assert fields["email"]["pii"] is True


def test_wrong_method_is_405_with_allow(api: ApiClient) -> None:
    response = api.client.put("/api/segments", headers=api.headers, json={})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_api_path_is_json_404(api: ApiClient) -> None:
    response = api.get("/api/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_changes_are_in_the_audit_log(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    sid = create(api)["id"]
    api.patch(f"/api/segments/{sid}", {"name": "Renamed"})
    api.delete(f"/api/segments/{sid}")
    actions = [e.action for e in store.audit.list(TEAM, 10)]
    assert actions == ["segment.delete", "segment.rename", "segment.create"]
    assert {e.actor for e in store.audit.list(TEAM, 10)} == {"api:tests"}


# ---------------------------------------------------------------------- from text (needs the grammar)


def test_create_from_text_reads_it_with_the_grammar(api: ApiClient, users: list[dict[str, Any]],
                                                    store: Any) -> None:
    response = api.post("/api/segments", {"name": "Pune spenders", "text": "spent over 5k in Pune"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["text"] == "spent over 5k in Pune"
    assert body["source"] in ("grammar", "both")
    assert body["size"] == expected_size(store, body["rule"])
    assert "Pune" in body["description"]


def test_text_the_grammar_cannot_read_is_422_with_what_was_not_understood(api: ApiClient) -> None:
    response = api.post("/api/segments/preview", {"text": "people who like purple giraffes"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "not_understood"
    assert error["details"]["not_understood"]
