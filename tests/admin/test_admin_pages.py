"""The admin pages with the test client: sign-in, CSRF, cookies, and every page doing its job."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from admin_helpers import SPEND_RULE, TEAM, ApiClient, AuthActions, csrf_from
from flask import Flask
from flask.testing import FlaskClient
from pymongo import MongoClient

import admin.auth as auth_module
from admin import AdminServices, create_app
from admin.auth import FailedLogins
from segcore.storage.embedded import free_port

PAGES = ["/segments", "/segments/new", "/campaigns", "/audit", "/health", "/tokens"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_sign_in_and_out(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/segments"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; see the https test below
    assert client.get("/segments").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/segments").status_code == 302


def test_session_cookie_is_secure_over_https(client: FlaskClient, auth: AuthActions) -> None:
    page = client.get("/auth/login", base_url="https://admin.example.com")
    response = client.post("/auth/login", base_url="https://admin.example.com",
                           data={"password": "correct horse battery staple",
                                 "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_then_rate_limited(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = auth.login("guess")
        assert response.status_code == 401
        assert "not right" in response.get_data(as_text=True)
    blocked = auth.login()  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/segments").status_code == 302


def test_the_failed_sign_in_limit_is_one_count_for_every_worker(app: Flask, services: AdminServices) -> None:
    # Two apps on one database stand for two gunicorn workers (or two instances) behind one address.
    other = create_app(services, {"TESTING": True})
    workers = [AuthActions(app.test_client()), AuthActions(other.test_client())]
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        assert workers[attempt % 2].login("guess").status_code == 401
    for worker in workers:
        blocked = worker.login()
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_a_right_password_clears_the_shared_count(app: Flask, services: AdminServices) -> None:
    other = create_app(services, {"TESTING": True})
    first, second = AuthActions(app.test_client()), AuthActions(other.test_client())
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert first.login("guess").status_code == 401
    assert second.login().status_code == 302
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert second.login("guess").status_code == 401
    assert first.login().status_code == 302


def test_the_limit_still_holds_in_one_process_while_the_database_is_down() -> None:
    nowhere: MongoClient[dict[str, Any]] = MongoClient(f"mongodb://127.0.0.1:{free_port()}",
                                                        serverSelectionTimeoutMS=50)
    try:
        limiter = FailedLogins(nowhere["segments"]["failed_logins"])
        now = datetime(2026, 11, 24, 12, tzinfo=UTC)
        for i in range(5):
            assert limiter.attempt("10.0.0.1", now + timedelta(seconds=i), 5, 300) == 0
        assert limiter.attempt("10.0.0.1", now + timedelta(seconds=10), 5, 300) == 291
        assert limiter.attempt("10.0.0.2", now + timedelta(seconds=10), 5, 300) == 0
        assert limiter.attempt("10.0.0.1", now + timedelta(seconds=301), 5, 300) == 0
    finally:
        nowhere.close()


def test_parallel_wrong_guesses_are_never_compared_beyond_the_limit(
        app: Flask, services: AdminServices, monkeypatch: pytest.MonkeyPatch) -> None:
    # 50 guesses at once, from two workers sharing the database (two apps), each guess on its own thread and
    # session: the count is taken before the password is looked at, so at most the limit are compared.
    compared: list[str] = []
    lock = threading.Lock()
    original = auth_module.password_matches

    def counting(given: str, expected: str) -> bool:
        with lock:
            compared.append(given)
        time.sleep(0.01)  # a slow comparison widens any gap between a check and a record
        return original(given, expected)

    monkeypatch.setattr(auth_module, "password_matches", counting)
    workers = [app, create_app(services, {"TESTING": True})]
    guessers = [AuthActions(workers[i % 2].test_client()) for i in range(50)]
    tokens = [g.csrf() for g in guessers]
    start = threading.Barrier(len(guessers))
    statuses: list[int] = []
    failures: list[BaseException] = []

    def guess(i: int) -> None:
        try:
            start.wait(timeout=60)
            response = guessers[i].client.post("/auth/login", data={"password": f"guess-{i}",
                                                                    "csrf_token": tokens[i]})
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # collected: an assert inside a thread would not fail the test
            failures.append(exc)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(guessers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(compared) <= limit, f"{len(compared)} guesses were compared; the limit is {limit}"
    assert sorted(statuses) == [401] * len(compared) + [429] * (50 - len(compared))
    assert len(compared) == limit  # the limit is reached, not undercut
    # Still refused afterwards, the right password included, on either worker.
    assert AuthActions(workers[1].test_client()).login().status_code == 429


def test_failed_logins_has_its_indexes(app: Flask, services: AdminServices) -> None:
    indexes = services.store.db["failed_logins"].index_information()
    assert indexes["key_window"]["key"] == [("key", 1), ("window_start", 1)] and indexes["key_window"]["unique"]
    assert indexes["expire_with_window"]["key"] == [("expires_at", 1)]
    assert indexes["expire_with_window"]["expireAfterSeconds"] == 0
    # Every attempt of a window is one counter document, which expires when its window ends.
    AuthActions(app.test_client()).login("guess")
    AuthActions(app.test_client()).login("guess")
    counters = list(services.store.db["failed_logins"].find({}, {"_id": 0}))
    assert len(counters) == 1 and counters[0]["count"] == 2
    window = app.config["LOGIN_WINDOW_SECONDS"]
    assert (counters[0]["expires_at"] - counters[0]["window_start"]).total_seconds() >= window


def test_next_only_redirects_within_the_site(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post("/auth/login", data={"password": "correct horse battery staple",
                                                "csrf_token": auth.csrf(), "next": "//evil.example/x"})
    assert response.headers["Location"] == "/segments"


def test_forms_without_csrf_token_are_refused(client: FlaskClient, auth: AuthActions, users: Any) -> None:
    assert client.post("/auth/login", data={"password": "correct horse battery staple"}).status_code == 400
    auth.login()
    response = client.post("/segments/new", data={"name": "x", "field": "visits", "op": "gt", "value": "5",
                                                  "action": "save", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.post("/auth/logout").status_code == 400


def test_create_segment_with_the_rule_builder(client: FlaskClient, auth: AuthActions, users: Any,
                                              store: Any) -> None:
    auth.login()
    csrf = auth.csrf("/segments/new")
    form = {"csrf_token": csrf, "name": "Loyal", "text": "", "match": "all",
            "field": ["visits", "city", ""], "op": ["gt", "in", ""], "value": ["20", "Pune, Bombay", ""]}
    preview = client.post("/segments/new", data=form | {"action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "people right now" in html and "more than 20 visits" in html
    saved = client.post("/segments/new", data=form | {"action": "save"})
    assert saved.status_code == 302
    segment = store.segments.get_by_name(TEAM, "Loyal")
    assert segment is not None and segment.source == "user"
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Loyal" in page and "<svg" in page and "Mumbai" in page
    listing = client.get("/segments").get_data(as_text=True)
    assert "Loyal" in listing and f"{segment.last_size:,}" in listing


def test_builder_errors_are_shown_beside_the_form(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    response = client.post("/segments/new", data={
        "csrf_token": auth.csrf("/segments/new"), "name": "x", "match": "all",
        "field": ["visits"], "op": ["gt"], "value": ["lots"], "action": "save"})
    assert response.status_code == 422
    assert "not a number" in response.get_data(as_text=True)


def test_segment_page_members_are_masked(client: FlaskClient, auth: AuthActions, api: ApiClient,
                                         users: list[dict[str, Any]]) -> None:
    sid = api.post("/api/segments", {"name": "Big", "rule": SPEND_RULE}).get_json()["id"]
    auth.login()
    html = client.get(f"/segments/{sid}").get_data(as_text=True)
    assert "Big" in html and "total spend more than ₹5,000" in html
    for user in users:
        assert user["email"] not in html


def test_edit_segment(client: FlaskClient, auth: AuthActions, api: ApiClient, users: Any, store: Any) -> None:
    sid = api.post("/api/segments", {"name": "Big", "rule": SPEND_RULE}).get_json()["id"]
    auth.login()
    page = client.get(f"/segments/{sid}/edit").get_data(as_text=True)
    assert 'value="5000"' in page
    response = client.post(f"/segments/{sid}/edit", data={
        "csrf_token": csrf_from(page), "name": "Bigger", "match": "all", "field": ["total_spend"],
        "op": ["gt"], "value": ["10000"], "action": "save"})
    assert response.status_code == 302
    changed = store.segments.get(TEAM, sid)
    assert changed.name == "Bigger" and changed.rule.value == 10000


def test_attach_and_launch_a_campaign_from_the_pages(client: FlaskClient, auth: AuthActions, api: ApiClient,
                                                     users: Any, store: Any) -> None:
    sid = api.post("/api/segments", {"name": "Big", "rule": SPEND_RULE}).get_json()["id"]
    auth.login()
    csrf = auth.csrf("/campaigns")
    created = client.post("/campaigns", data={"csrf_token": csrf, "name": "Winback", "channel": "email",
                                              "message": "Come back", "segment_id": ""})
    assert created.status_code == 302
    campaign = store.campaigns.get_by_name(TEAM, "Winback")
    attached = client.post(f"/segments/{sid}/attach", data={"csrf_token": csrf, "campaign_id": campaign.id})
    assert attached.status_code == 302
    assert "Winback" in client.get(f"/segments/{sid}").get_data(as_text=True)
    client.post(f"/campaigns/{campaign.id}/launch", data={"csrf_token": csrf})
    assert store.campaigns.get(TEAM, campaign.id).status == "launching"
    assert "launching" in client.get("/campaigns").get_data(as_text=True)


def test_audit_and_health_pages(client: FlaskClient, auth: AuthActions, api: ApiClient, users: Any) -> None:
    api.post("/api/segments", {"name": "Big", "rule": SPEND_RULE})
    auth.login()
    audit = client.get("/audit").get_data(as_text=True)
    assert "segment.create" in audit and "admin.signed_in" in audit
    health = client.get("/health").get_data(as_text=True)
    assert "answers" in health and "300" in health


def test_another_workspaces_segment_is_a_404_page(client: FlaskClient, auth: AuthActions,
                                                  other_api: ApiClient, users: Any) -> None:
    sid = other_api.post("/api/segments", {"name": "Theirs", "rule": SPEND_RULE}).get_json()["id"]
    auth.login()
    for path in (f"/segments/{sid}", f"/segments/{sid}/edit"):
        response = client.get(path)
        assert response.status_code == 404 and "Theirs" not in response.get_data(as_text=True)


def test_pages_send_security_headers(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_sign_in_is_off_without_a_password(store: Any) -> None:
    from dataclasses import replace

    from admin_helpers import make_services

    from admin import create_app

    app = create_app(replace(make_services(store), admin_password=None), {"TESTING": True})
    client = app.test_client()
    assert "switched off" in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"password": "", "csrf_token": "x"})
    assert response.status_code == 400  # no form was handed out, so no form can be posted
    assert "segments_admin" not in response.headers.get("Set-Cookie", "")


def test_blueprints_mounted_beside_the_admin_are_not_csrf_checked(store: Any) -> None:
    # The composition root mounts the Slack endpoint on this app; Slack signs its requests instead.
    from admin_helpers import make_services
    from flask import Blueprint

    from admin import create_app

    app = create_app(make_services(store), {"TESTING": True})
    slack = Blueprint("slack", __name__)
    slack.add_url_rule("/slack/events", "events", lambda: "ok", methods=["POST"])
    app.register_blueprint(slack)
    assert app.test_client().post("/slack/events", data={"payload": "{}"}).status_code == 200


def test_names_are_escaped_in_pages(client: FlaskClient, auth: AuthActions, api: ApiClient, users: Any) -> None:
    api.post("/api/segments", {"name": "<script>alert(1)</script>", "rule": SPEND_RULE})
    auth.login()
    html = client.get("/segments").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_tokens_page_creates_shows_once_and_revokes(client: FlaskClient, auth: AuthActions, store: Any) -> None:
    import re

    from admin.tokens import TokenStore

    auth.login()
    csrf = auth.csrf("/tokens")
    created = client.post("/tokens", data={"csrf_token": csrf, "name": "crm-sync"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    with client.session_transaction() as session:
        assert token not in str(dict(session))  # never kept in the (readable) session cookie
    assert client.get("/api/segments", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = client.get("/tokens").get_data(as_text=True)
    assert "crm-sync" in listing and token not in listing
    record = TokenStore(store.db).list(TEAM)[0]
    assert record.team_id == TEAM  # the page makes tokens for its own workspace only
    duplicate = client.post("/tokens", data={"csrf_token": csrf, "name": "crm-sync"})
    assert duplicate.status_code == 422
    client.post(f"/tokens/{record.id}/revoke", data={"csrf_token": csrf})
    assert client.get("/api/segments", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "api_token.revoke" in client.get("/audit").get_data(as_text=True)


def test_tokens_of_another_workspace_cannot_be_revoked_from_the_page(client: FlaskClient, auth: AuthActions,
                                                                     store: Any) -> None:
    from admin.tokens import TokenStore

    record, token = TokenStore(store.db).create("T_OTHER", "theirs")
    auth.login()
    assert "theirs" not in client.get("/tokens").get_data(as_text=True)
    client.post(f"/tokens/{record.id}/revoke", data={"csrf_token": auth.csrf("/tokens")})
    assert TokenStore(store.db).verify(token) is not None
