"""/api/health, as `segments serve` builds it, says how the audience mirror is, and never fails for it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from segments.config import Settings
from segments.serve import start


def _health(running: Any) -> dict[str, Any]:
    response = running.web.test_client().get("/api/health")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_health_reports_the_mirror_until_it_is_fresh(mongo_server: Any, tmp_path: Path) -> None:
    name = f"health_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    client[name].users.insert_many([{"team_id": "local", "user_id": f"u{i}", "visits": i} for i in range(50)])
    env = {"MONGODB_URI": mongo_server.uri, "SEGMENTS_DB_NAME": name, "SEGMENTS_DATA_DIR": str(tmp_path),
           "SEGMENTS_SCHEDULER": "off"}
    running = start(Settings.from_env(env))
    try:
        deadline = time.monotonic() + 30
        body = _health(running)
        while not body["mirror"]["fresh"]:
            assert body["ok"] is True and body["mirror"]["state"] != "off"
            assert time.monotonic() < deadline, body
            time.sleep(0.1)
            body = _health(running)
        assert body["mirror"]["state"] == "ready" and body["mirror"]["lag_seconds"] is not None
        assert set(body["mirror"]) == {"state", "fresh", "lag_seconds"}  # no sizes or paths in public
    finally:
        running.stop()
        client.drop_database(name)
    off = start(Settings.from_env({**env, "SEGMENTS_MIRROR": "off"}))
    try:
        assert _health(off) == {"ok": True, "mirror": {"state": "off", "fresh": False, "lag_seconds": None}}
    finally:
        off.stop()
