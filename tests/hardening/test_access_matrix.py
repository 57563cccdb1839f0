"""Who may read and write what, tried on every path of the composed app.

- JSON API: every route with another workspace's token (404 or that workspace's own empty data, never ours)
  and with no or a bad token (401); nothing written.
- Slack: requests from another workspace in a single-workspace install are refused clearly and write
  nothing; a Slack user who is not a campaign manager cannot create or change campaigns.
- PII: no JSON response and no Slack payload holds a sample user's full email or name.
- Roles: launching and scheduling, on the API and the admin page, only by a token with the launch scope, a
  campaign manager signed in with Slack, or the password admin; a token without the scope may do every
  other thing. Each launch is audited under who did it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.bot.driver import SlackDriver, text_value
from tests.hardening.conftest import MANAGER, OTHER_TEAM, SIGNING_SECRET, TEAM, USERS, Product

SPEND = {"field": "total_spend", "op": "gt", "value": 5000}


@pytest.fixture
def ours(product: Product) -> dict[str, str]:
    """One of everything in our workspace, made through the API."""
    seg = product.api("POST", "/api/segments", json={"name": "big spenders", "rule": SPEND})
    assert seg.status_code == 201, seg.get_json()
    camp = product.api("POST", "/api/campaigns", json={"name": "diwali", "channel": "email", "message": "hi",
                                                       "segment_ids": [seg.get_json()["id"]]})
    assert camp.status_code == 201, camp.get_json()
    theirs = product.db["users"].distinct("user_id", {"team_id": OTHER_TEAM})
    user = product.db["users"].find_one({"team_id": TEAM, "user_id": {"$nin": theirs}})
    assert user is not None
    return {"sid": seg.get_json()["id"], "cid": camp.get_json()["id"], "uid": user["user_id"]}


def routes(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    sid, cid, uid = ids["sid"], ids["cid"], ids["uid"]
    return [
        ("GET", "/api/segments", None),
        ("GET", "/api/segments/new", None),
        ("POST", "/api/segments", {"name": "stolen", "rule": SPEND}),
        ("POST", "/api/segments/preview", {"rule": SPEND}),
        ("GET", f"/api/segments/{sid}", None),
        ("PATCH", f"/api/segments/{sid}", {"name": "renamed by intruder"}),
        ("DELETE", f"/api/segments/{sid}", None),
        ("GET", f"/api/segments/{sid}/users", None),
        ("GET", f"/api/segments/{sid}/history", None),
        ("GET", f"/api/segments/{sid}/why", None),
        ("POST", "/api/segments/whatif", {"rule": SPEND}),
        ("POST", "/api/segments/diff", {"segment_id": sid, "after": SPEND}),
        ("GET", "/api/campaigns", None),
        ("POST", "/api/campaigns", {"name": "intruder", "channel": "sms", "message": "x", "segment_ids": [sid]}),
        ("GET", f"/api/campaigns/{cid}", None),
        ("PATCH", f"/api/campaigns/{cid}", {"message": "changed"}),
        ("DELETE", f"/api/campaigns/{cid}", None),
        ("POST", f"/api/campaigns/{cid}/segments", {"segment_id": sid}),
        ("POST", f"/api/campaigns/{cid}/launch", None),
        ("GET", f"/api/campaigns/{cid}/audience.csv", None),
        ("GET", f"/api/users/{uid}", None),
        ("POST", "/api/users", {"users": [{"user_id": uid, "name": "Overwritten", "total_spend": 1}]}),
        ("GET", "/api/workspace", None),
        ("PATCH", "/api/workspace", {"time_zone": "Asia/Kolkata"}),
    ]


def snapshot(product: Product) -> dict[str, Any]:
    """Our workspace's stored state, to prove a refused request changed nothing."""
    db = product.db
    return {name: sorted(json.dumps(d, default=str, sort_keys=True)
                         for d in db[name].find({"team_id": TEAM}, {"last_used_at": 0}))
            for name in ("segments", "campaigns", "users")}


def test_the_matrix_covers_every_api_route(product: Product, ours: dict[str, str]) -> None:
    spec = product.client.get("/api/openapi.json").get_json()
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "post", "patch",
                                                                                          "delete")}
    templated = {(m, p.replace(ours["sid"], "{id}").replace(ours["cid"], "{id}").replace(ours["uid"], "{user_id}"))
                 for m, p, _ in routes(ours)}
    normal = {(m, p.replace("{segment_id}", "{id}").replace("{campaign_id}", "{id}")) for m, p in described}
    missing = {x for x in normal if x not in templated and x[1] not in ("/api/health", "/api/openapi.json")}
    assert not missing, f"routes the access matrix does not try: {sorted(missing)}"


def test_another_workspaces_token_never_sees_or_changes_our_data(product: Product, ours: dict[str, str]) -> None:
    before = snapshot(product)
    for method, path, body in routes(ours):
        response = product.api(method, path, token=product.other_token, json=body)
        text = response.get_data(as_text=True)
        assert response.status_code < 500, (method, path, text[:300])
        for secret in (ours["sid"], "big spenders", "diwali"):
            if secret not in path and secret not in json.dumps(body):  # echoing the caller's own input is fine
                assert secret not in text, f"{method} {path} showed {secret!r} to another workspace"
        if any(ident in path for ident in ours.values()):
            assert response.status_code == 404, (method, path, response.status_code, text[:200])
    assert snapshot(product) == before
    # What the intruder did create lives in its own workspace only.
    assert product.db["segments"].count_documents({"team_id": OTHER_TEAM, "name": "stolen"}) == 1


def test_another_workspaces_preview_counts_only_its_own_users(product: Product) -> None:
    everyone = {"field": "visits", "op": "gte", "value": 0}
    ours_ = product.api("POST", "/api/segments/preview", json={"rule": everyone}).get_json()["size"]
    theirs = product.api("POST", "/api/segments/preview", token=product.other_token,
                         json={"rule": everyone}).get_json()["size"]
    assert theirs <= 50 < ours_ <= USERS


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer seg_not-a-real-token", "Basic abc",
                                    "bearer {token}x", "Token {token}"])
def test_no_or_a_bad_token_is_401_everywhere(product: Product, ours: dict[str, str], header: str | None) -> None:
    before = snapshot(product)
    for method, path, body in routes(ours):
        headers = {} if header is None else {"Authorization": header.format(token=product.token)}
        response = product.api(method, path, token=None, headers=headers, json=body)
        assert response.status_code == 401, (method, path, header, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized" and error["message"]
        assert ours["sid"] not in response.get_data(as_text=True)
    assert snapshot(product) == before


def test_a_revoked_token_is_401(product: Product, ours: dict[str, str]) -> None:
    from admin.tokens import TokenStore

    store = TokenStore(product.db)
    for token in store.list(TEAM):
        store.revoke(token.id, TEAM)
    response = product.api("GET", f"/api/segments/{ours['sid']}")
    assert response.status_code == 401


def test_the_admin_session_cookie_of_the_page_does_not_open_the_api_of_another_workspace(
        product: Product, ours: dict[str, str]) -> None:
    client = product.client
    page = client.get("/auth/login").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    client.post("/auth/login", data={"password": product.env["SEGMENTS_ADMIN_PASSWORD"],
                                     "csrf_token": csrf.group(1)})
    assert client.get("/api/segments").status_code == 401  # the API takes tokens only


# ------------------------------------------------------------------------------------------------- roles

LATER = "2030-01-01T09:00:00Z"


def launch_decisions(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    """Every API request that launches, or schedules a launch that then happens by itself."""
    sid, cid = ids["sid"], ids["cid"]
    return [
        ("POST", f"/api/campaigns/{cid}/launch", None),
        ("POST", "/api/campaigns", {"name": "planned", "channel": "email", "message": "x", "segment_ids": [sid],
                                    "schedule_at": LATER}),
        ("PATCH", f"/api/campaigns/{cid}", {"schedule_at": LATER}),
        ("PATCH", f"/api/campaigns/{cid}", {"message": "also this", "schedule_at": LATER}),
    ]


def test_a_token_without_the_launch_scope_may_do_everything_but_launch(product: Product,
                                                                       ours: dict[str, str]) -> None:
    before = snapshot(product)
    for method, path, body in launch_decisions(ours):
        response = product.api(method, path, token=product.plain_token, json=body)
        assert response.status_code == 403, (method, path, response.get_data(as_text=True)[:300])
        error = response.get_json()["error"]
        assert error["code"] == "launch_not_allowed" and "--launch" in error["message"]
    assert snapshot(product) == before
    # Every other route answers as it would for any token of ours: the scope is about launching only.
    for method, path, body in routes(ours):
        if not path.endswith("/launch"):
            response = product.api(method, path, token=product.plain_token, json=body)
            assert response.status_code != 403 and response.status_code < 500, (method, path, response.status_code)


def test_who_may_launch_on_every_surface(product: Product, ours: dict[str, str]) -> None:
    """Each kind of caller launches a fresh draft: (who, how, allowed, the actor the audit log names)."""
    from tests.hardening.test_pii_role import password_admin, slack_admin

    def api_launch(token: str) -> Any:
        return lambda cid: product.api("POST", f"/api/campaigns/{cid}/launch", token=token)

    def page_launch(client: Any) -> Any:
        return lambda cid: client.post(f"/campaigns/{cid}/launch", data={"csrf_token": csrf_of(client, cid)})

    callers = [
        ("token with --launch", api_launch(product.token), True, "api:hardening"),
        ("token without it", api_launch(product.plain_token), False, None),
        ("password admin", page_launch(password_admin(product)), True, "admin password"),
        ("Slack campaign manager", page_launch(slack_admin(product, MANAGER)), True, f"slack:{MANAGER}"),
        ("Slack marketer", page_launch(slack_admin(product, "U0MARKETER")), False, None),
    ]
    for who, launch, allowed, actor in callers:
        created = product.api("POST", "/api/campaigns", json={"name": f"for {who}", "channel": "email",
                                                              "message": "hi", "segment_ids": [ours["sid"]]})
        assert created.status_code == 201, created.get_json()
        cid = created.get_json()["id"]
        before = snapshot(product)
        launch(cid)
        status = product.db["campaigns"].find_one({"team_id": TEAM, "name": f"for {who}"})["status"]
        assert status == ("launched" if allowed else "draft"), who
        launched_by = [e["actor"] for e in product.db["audit_log"].find(
            {"team_id": TEAM, "action": "campaign.launch", "target": cid})]
        assert launched_by == ([actor] if allowed else []), who
        if not allowed:
            assert snapshot(product) == before, f"a refused launch by the {who} changed something"


def csrf_of(client: Any, cid: str) -> str:
    """The CSRF token of the campaign page: a forged form has a valid one, the Launch button aside."""
    import re

    page = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


# ------------------------------------------------------------------------------------------------- Slack


def test_slack_requests_from_another_workspace_are_refused_and_write_nothing(
        product: Product, ours: dict[str, str]) -> None:
    intruder = SlackDriver(product.url, SIGNING_SECRET, product.standin, OTHER_TEAM)
    before = snapshot(product)
    deliveries = product.db["slack_deliveries"].count_documents({})
    answer, _ = intruder.command("/segment", "list", user=MANAGER)
    assert answer.status == 200
    assert "another Slack workspace" in answer.body
    intruder.command("/segment", json.dumps(SPEND), user=MANAGER)
    intruder.command("/campaign", "new stolen", user=MANAGER)
    intruder.command("/segment", "delete big spenders", user=MANAGER)
    assert intruder.event({"type": "app_mention", "user": MANAGER, "text": "<@UBOT> list",
                           "ts": f"{time.time():.6f}", "channel": "C0GENERAL"}).status == 200
    assert intruder.click("delete_confirm", ours["sid"], user=MANAGER,
                          response_url=product.standin.response_url("intruder")).status == 200
    product.standin.settle(quiet=0.6, timeout=10)
    sent = "\n".join(c.text() for c in product.standin.calls if c.method != "auth.test")
    assert "big spenders" not in sent and "diwali" not in sent
    assert not [c for c in product.standin.calls if c.method not in ("auth.test",)]
    assert snapshot(product) == before
    assert product.db["slack_deliveries"].count_documents({}) == deliveries
    # The same requests from our own workspace are answered (the refusal above is about the workspace).
    _, _url = product.slack.command("/segment", "list", user=MANAGER)
    product.standin.wait_for_text("big spenders", "response_url")


def test_a_slack_user_without_the_campaign_manager_role_cannot_create_or_attach(
        product: Product, ours: dict[str, str]) -> None:
    before = snapshot(product)
    _, _url = product.slack.command("/campaign", "new Flash sale", user="U0MARKETER")
    product.standin.wait_for_text("Only campaign managers", "response_url")
    product.slack.command("/campaign", "attach diwali big spenders", user="U0MARKETER")
    product.standin.settle(quiet=0.5)
    refusals = [c for c in product.standin.calls_to("response_url") if "Only campaign managers" in c.text()]
    assert len(refusals) == 2
    assert product.standin.calls_to("views.open") == []
    view = {"id": "V0VIEW", "type": "modal", "callback_id": "new_campaign", "private_metadata": "{}", "blocks": []}
    answer = product.slack.submit(view, {
        "campaign_name": {"name": text_value("Sneaky")},
        "campaign_message": {"message": text_value("hello")},
        "campaign_channel": {"channel": {"type": "static_select", "selected_option": {"value": "email"}}},
        "campaign_segment": {"segment": {"type": "static_select", "selected_option": {"value": ours["sid"]}}},
    }, user="U0MARKETER")
    assert answer.status == 200
    assert "Only campaign managers" in answer.body
    product.standin.settle(quiet=0.5)
    assert snapshot(product) == before
    # A manager is allowed: the role is what was refused, not the request.
    product.slack.command("/campaign", "new Flash sale", user=MANAGER)
    product.standin.wait_for(lambda c: c.method == "views.open", what="the new campaign modal for a manager")


# --------------------------------------------------------------------------------------------------- PII


def test_no_full_email_or_name_in_any_api_answer_or_slack_payload(product: Product, ours: dict[str, str],
                                                                  sample_users: list[dict[str, Any]]) -> None:
    seen: list[str] = []
    for method, path, body in routes(ours):
        if method in ("GET", "POST") and "launch" not in path and path != "/api/users":
            seen.append(product.api(method, path, json=body).get_data(as_text=True))
    seen.append(product.api("GET", f"/api/segments/{ours['sid']}/users",
                            query_string={"limit": 200}).get_data(as_text=True))
    for user in product.db["users"].find({"team_id": TEAM}).limit(30):
        seen.append(product.api("GET", f"/api/users/{user['user_id']}").get_data(as_text=True))
    product.slack.command("/segment", json.dumps(SPEND))
    product.slack.command("/segment", "users big spenders")
    product.slack.command("/segment", "show big spenders")
    product.standin.wait_for_text("big spenders", "response_url")
    product.standin.settle(quiet=0.8, timeout=20)
    seen.extend(json.dumps(c.params) for c in product.standin.calls)
    everything = "\n".join(seen)
    assert "@" in everything, "no masked email was shown at all: the scan would prove nothing"
    for user in sample_users[:USERS]:
        for key in ("email", "name"):
            value = user.get(key)
            if value and len(value) > 3:
                assert value not in everything, f"the full {key} of {user['user_id']} was shown"
