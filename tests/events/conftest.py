"""Fixtures for the event endpoints: the real admin WSGI app (which serves /v1) on the real embedded
database, and a write key of our workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin import AdminServices, create_app
from admin.tracking.keys import SourceStore
from segcore.audience import AudienceEngine
from segcore.ratelimit import RateLimiter
from segcore.storage.database import Store

TEAM = "T_EVENTS"
OTHER_TEAM = "T_ELSEWHERE"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def make_services(store: Store, limit: RateLimiter | None = None) -> AdminServices:
    return AdminServices(
        store=store, engine=AudienceEngine(store), catalog=store.catalog, now=lambda: NOW,
        interpret=lambda text, team_id: (_ for _ in ()).throw(AssertionError("not used")),
        team_id=TEAM, admin_password="pw", secret_key="test-secret-key",
        event_rate_limit=limit or RateLimiter(1000),
    )


@pytest.fixture
def app(store: Store) -> Flask:
    return create_app(make_services(store), {"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def write_key(store: Store) -> str:
    return SourceStore(store.db).create(TEAM, "web")[1]


def events(store: Store, team: str = TEAM) -> list[dict[str, Any]]:
    return list(store.db.events.find({"team_id": team}, {"_id": 0}).sort("message_id", 1))
