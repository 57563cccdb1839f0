"""Helpers shared by the admin tests (constants, an API client with a token, sign-in actions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from admin import AdminServices
from admin.services import LaunchFn
from segcore.audience import AudienceEngine
from segcore.campaigns import launch as segcore_launch
from segcore.interpret import interpret
from segcore.storage.database import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TEAM = "T_ADMIN"
OTHER_TEAM = "T_OTHER"
PASSWORD = "correct horse battery staple"
SPEND_RULE = {"field": "total_spend", "op": "gt", "value": 5000}


class ApiClient:
    """The test client with a bearer token on every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.post(path, headers=self.headers, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.patch(path, headers=self.headers, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.client.delete(path, headers=self.headers, **kw)

    def raw(self, method: str, path: str, data: bytes | str, content_type: str = "application/json") -> TestResponse:
        return self.client.open(path, method=method, headers=self.headers, data=data, content_type=content_type)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self, path: str = "/auth/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, password: str = PASSWORD) -> TestResponse:
        return self.client.post("/auth/login", data={"password": password, "csrf_token": self.csrf()})

    def logout(self) -> TestResponse:
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf("/segments")})


def error_of(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return dict(body["error"])


def make_services(store: Store, now: Callable[[], datetime] = lambda: NOW) -> AdminServices:
    catalog = store.catalog
    return AdminServices(
        store=store,
        engine=AudienceEngine(store),
        catalog=catalog,
        now=now,
        interpret=lambda text, team_id: interpret(text, catalog, now()),
        team_id=TEAM,
        admin_password=PASSWORD,
        secret_key="test-secret-key-not-for-production",
    )


def real_launcher(store: Store) -> LaunchFn:
    """The launcher `segments serve` wires in (delivery aside): freezes the audience, audits the launch."""
    def launch(team_id: str, campaign_id: str, actor: str, holdout_percent: float | None = None) -> Any:
        segcore_launch(store, team_id, campaign_id, NOW, actor, holdout_percent)
        return store.campaigns.get(team_id, campaign_id)

    return launch
