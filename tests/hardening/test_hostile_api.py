"""Hostile bodies at the JSON API (the app as `segments serve` builds it, a real token): never a 5xx, every
error in the {"error": {"code", "message", "details"}} shape, nothing unvalidated saved."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcore import limits
from tests.hardening.conftest import Product
from tests.hardening.filters import check_filter
from tests.hardening.test_hostile_rules import rules as rule_trees

EXAMPLES = 60
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=20), st.sampled_from(["$where", "sleep(1000)", "{\"$gt\": 0}", "\u0000", "1e400"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=15,
)
segment_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"name": json_values, "rule": st.one_of(rule_trees, json_values),
                                         "text": json_values, "$where": json_values}),
)
campaign_bodies = st.fixed_dictionaries({}, optional={
    "name": json_values, "channel": st.one_of(st.sampled_from(["email", "sms", "push", "other"]), json_values),
    "message": json_values, "schedule_at": json_values, "segment_ids": json_values, "$where": json_values})
user_bodies = st.one_of(json_values, st.fixed_dictionaries({"users": st.lists(
    st.dictionaries(st.sampled_from(["user_id", "name", "email", "visits", "total_spend", "$where", "team_id",
                                     "_id", "signup_date", "tags", "a.b"]), json_values, max_size=6),
    max_size=4)}))
WRITES = [("POST", "/api/segments"), ("POST", "/api/segments/preview"), ("PATCH", "/api/segments/{sid}"),
          ("POST", "/api/campaigns"), ("PATCH", "/api/campaigns/{cid}"), ("POST", "/api/campaigns/{cid}/segments"),
          ("POST", "/api/users"), ("POST", "/api/campaigns/{cid}/launch")]


def check_answer(response: Any) -> dict[str, Any] | None:
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict) and set(body) == {"error"}, response.get_data(as_text=True)[:300]
        assert set(body["error"]) == {"code", "message", "details"}, body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
        assert "Traceback" not in response.get_data(as_text=True)
        return None
    return response.get_json(silent=True)


@pytest.fixture
def ids(product: Product) -> dict[str, str]:
    seg = product.api("POST", "/api/segments", json={"name": "fuzz base", "rule": {
        "field": "visits", "op": "gt", "value": 50}})
    assert seg.status_code == 201, seg.get_json()
    camp = product.api("POST", "/api/campaigns", json={"name": "fuzz camp", "channel": "email",
                                                       "message": "hi"})
    assert camp.status_code == 201, camp.get_json()
    return {"sid": seg.get_json()["id"], "cid": camp.get_json()["id"]}


def assert_stored_rules_are_safe(product: Product) -> None:
    from segcore.compile_mongo import to_mongo_filter

    catalog = product.running.services.catalog
    now = product.running.services.now()
    for segment in product.running.services.store.segments.list("T0TEST"):
        check_filter(to_mongo_filter(segment.rule, catalog, now), catalog)
    for user in product.db["users"].find({}, {"_id": 0}):
        assert all(not k.startswith("$") and "." not in k for k in user), user


@FUZZ
@given(body=segment_bodies, which=st.sampled_from([0, 1, 2]))
def test_segment_bodies(product: Product, ids: dict[str, str], body: Any, which: int) -> None:
    method, path = WRITES[which]
    check_answer(product.api(method, path.format(**ids), json=body))
    assert_stored_rules_are_safe(product)


@FUZZ
@given(body=campaign_bodies, which=st.sampled_from([3, 4, 5, 7]))
def test_campaign_bodies(product: Product, ids: dict[str, str], body: Any, which: int) -> None:
    method, path = WRITES[which]
    check_answer(product.api(method, path.format(**ids), json=body))


@FUZZ
@given(body=user_bodies)
def test_user_bodies(product: Product, body: Any) -> None:
    check_answer(product.api("POST", "/api/users", json=body))
    assert_stored_rules_are_safe(product)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
       ctype=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", "",
                              "application/json; charset=latin-1", "multipart/form-data", "application/xml"]),
       which=st.integers(min_value=0, max_value=len(WRITES) - 1))
def test_raw_bodies_and_content_types(product: Product, ids: dict[str, str], raw: bytes, ctype: str,
                                      which: int) -> None:
    method, path = WRITES[which]
    check_answer(product.api(method, path.format(**ids), data=raw, content_type=ctype))


@FUZZ
@given(segment_id=st.text(max_size=40), query=st.dictionaries(st.sampled_from(["limit", "after", "x"]),
                                                              st.text(max_size=12), max_size=3))
def test_random_ids_and_queries(product: Product, segment_id: str, query: dict[str, str]) -> None:
    from urllib.parse import quote

    sid = quote(segment_id, safe="") or "x"
    for path in (f"/api/segments/{sid}", f"/api/segments/{sid}/users", f"/api/segments/{sid}/history",
                 f"/api/campaigns/{sid}", f"/api/users/{sid}"):
        check_answer(product.api("GET", path, query_string=query))


@pytest.mark.parametrize("size", [3 * 1024 * 1024])
def test_oversize_bodies_are_413(product: Product, ids: dict[str, str], size: int) -> None:
    body = json.dumps({"name": "x", "text": "a" * size})
    for method, path in WRITES:
        response = product.api(method, path.format(**ids), data=body, content_type="application/json")
        check_answer(response)
        if not path.endswith("/launch"):  # launch takes no body and reads none
            assert response.status_code == 413, (path, response.status_code)


def test_deeply_nested_body_is_a_clear_422(product: Product) -> None:
    body = '{"name": "deep", "rule": ' + '{"not": ' * 5000 + '{"field": "visits", "op": "gt", "value": 1}' + \
        "}" * 5001
    response = product.api("POST", "/api/segments", data=body, content_type="application/json")
    assert response.status_code == 422
    check_answer(response)


def test_page_size_limit_at_the_boundary(product: Product, ids: dict[str, str]) -> None:
    ok = product.api("GET", f"/api/segments/{ids['sid']}/users", query_string={"limit": limits.MAX_PAGE_SIZE})
    assert ok.status_code == 200
    assert len(ok.get_json()["items"]) <= limits.MAX_PAGE_SIZE
    over = product.api("GET", f"/api/segments/{ids['sid']}/users",
                       query_string={"limit": limits.MAX_PAGE_SIZE + 1})
    assert over.status_code == 422, over.get_json()
    assert str(limits.MAX_PAGE_SIZE) in over.get_json()["error"]["message"]


def test_no_unexpected_error_is_logged_during_fuzzing(product: Product, ids: dict[str, str],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    for body in ({"name": "n", "rule": {"$where": "1"}}, {"name": {"$gt": ""}, "text": "x"},
                 {"name": "inj", "text": '{"$where": "sleep(1000)"}'}, {"rule": {"field": "visits", "op": "gt",
                                                                                 "value": 1e308}}):
        check_answer(product.api("POST", "/api/segments", json=body))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
