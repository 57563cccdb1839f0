"""Fixtures for the admin app, like flaskr's: the app on the real embedded database, a test client, API
clients holding tokens of two workspaces (ours plain, and with the launch scope), and sign-in actions for
the pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin import AdminServices, create_app
from admin.tokens import TokenStore
from segcore.storage.database import Store
from segcore.storage.users import coerce_user
from tests.admin.admin_helpers import NOW, OTHER_TEAM, TEAM, ApiClient, AuthActions, make_services


@pytest.fixture
def services(store: Store) -> AdminServices:
    return make_services(store)


@pytest.fixture
def app(services: AdminServices) -> Flask:
    return create_app(services, {"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def users(store: Store, sample_users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """300 sample users in our workspace and the first 100 of them, changed, in another one."""
    ours = [coerce_user(dict(u), store.catalog) for u in sample_users[:300]]
    store.users.upsert_many(TEAM, ours)
    theirs = [coerce_user({**u, "city": "Pune", "total_spend": 999_999}, store.catalog) for u in sample_users[:100]]
    store.users.upsert_many(OTHER_TEAM, theirs)
    return ours


@pytest.fixture
def token(store: Store) -> str:
    return TokenStore(store.db).create(TEAM, "tests", now=NOW)[1]


@pytest.fixture
def api(client: FlaskClient, token: str) -> ApiClient:
    return ApiClient(client, token)


@pytest.fixture
def launcher(client: FlaskClient, store: Store) -> ApiClient:
    """A caller whose token may launch and schedule (`segments token create --launch`)."""
    return ApiClient(client, TokenStore(store.db).create(TEAM, "launcher", now=NOW, scopes=("launch",))[1])


@pytest.fixture
def other_api(client: FlaskClient, store: Store) -> ApiClient:
    """A caller from another workspace, sharing the same server and database."""
    return ApiClient(client, TokenStore(store.db).create(OTHER_TEAM, "intruder", now=NOW)[1])


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
