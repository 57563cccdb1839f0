"""Every API call needs a valid token of an active workspace; health and the description are public."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from admin.tokens import TokenStore
from tests.admin.admin_helpers import NOW, TEAM, error_of

PROTECTED = [
    ("GET", "/api/segments"), ("POST", "/api/segments"), ("GET", "/api/segments/new"),
    ("POST", "/api/segments/preview"), ("GET", "/api/segments/x"), ("PATCH", "/api/segments/x"),
    ("DELETE", "/api/segments/x"), ("GET", "/api/segments/x/users"), ("GET", "/api/segments/x/history"),
    ("GET", "/api/campaigns"), ("POST", "/api/campaigns"), ("GET", "/api/campaigns/x"),
    ("PATCH", "/api/campaigns/x"), ("DELETE", "/api/campaigns/x"), ("POST", "/api/campaigns/x/segments"),
    ("POST", "/api/campaigns/x/launch"), ("POST", "/api/users"), ("GET", "/api/users/x"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer seg_wrong", "Basic dXNlcjpwYXNz", "seg_x"])
def test_missing_or_wrong_token_is_401(client: FlaskClient, method: str, path: str, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.open(path, method=method, headers=headers, json={})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_revoked_token_stops_working(client: FlaskClient, store: Any) -> None:
    tokens = TokenStore(store.db)
    record, token = tokens.create(TEAM, "short-lived", now=NOW)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/segments", headers=headers).status_code == 200
    tokens.revoke(record.id)
    assert client.get("/api/segments", headers=headers).status_code == 401


def test_health_and_description_need_no_token(client: FlaskClient) -> None:
    assert client.get("/api/health").get_json() == {"ok": True, "mirror": {"state": "off", "fresh": False, "lag_seconds": None}}
    assert client.get("/api/openapi.json").get_json()["openapi"] == "3.1.0"


def test_session_cookie_does_not_open_the_api(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.get("/api/segments").status_code == 401
