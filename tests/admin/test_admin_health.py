"""GET /api/health answers 200 when the database answers and 503 when it does not."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from pymongo import MongoClient

from admin import create_app
from segcore import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import free_port
from tests.admin.admin_helpers import TEAM, make_services


def test_health_ok(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "mirror": {"state": "off", "fresh": False, "lag_seconds": None}}


def test_health_503_when_the_database_does_not_answer() -> None:
    # Nothing listens on this port: the driver cannot reach a server.
    dead: MongoClient[dict[str, Any]] = MongoClient(
        f"mongodb://127.0.0.1:{free_port()}", serverSelectionTimeoutMS=300, connectTimeoutMS=300, tz_aware=True
    )
    try:
        app = create_app(make_services(Store.from_database(dead["x"], default_catalog())), {"TESTING": True})
        response = app.test_client().get("/api/health")
        assert response.status_code == 503
        body = response.get_json()
        assert body["ok"] is False and body["error"]["message"]
        assert TEAM not in response.get_data(as_text=True)
    finally:
        dead.close()
