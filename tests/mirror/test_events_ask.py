"""`segments ask --rules JSON --now ISO8601` counts event conditions at that instant, in the mirror and in
MongoDB alike."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage.embedded import EmbeddedServer
from segments.cli import main


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[str]:
    name = f"ask_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    db = mongo_client[name]
    db.users.insert_many([{"team_id": "T1", "user_id": f"u{i}", "plan": "pro" if i < 2 else "free"} for i in range(4)])
    stamp = datetime(2026, 11, 14, 9, 0, tzinfo=UTC)  # ten days before 2026-11-24
    db.events.insert_many([
        {"team_id": "T1", "message_id": f"m{i}", "user_id": user, "anonymous_id": None, "event": "Coupon Applied",
         "timestamp": stamp, "properties": {}, "received_at": stamp}
        for i, user in enumerate(["u0", "u0", "u2"])
    ])
    yield name
    mongo_client.drop_database(name)


def ask(rule: dict[str, Any], now: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert main(["ask", "--rules", json.dumps(rule), "--team", "T1", "--json", "--now", now, *extra]) == 0
    return dict(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("wait", ["10", "0"])
def test_relative_windows_count_back_from_now(database: str, capsys: pytest.CaptureFixture[str], wait: str) -> None:
    engine = "mirror" if wait != "0" else "mongodb"
    used = {"event": "Coupon Applied", "when": {"op": "within_last", "value": {"amount": 14, "unit": "day"}}}
    assert ask(used, "2026-11-24T12:00:00Z", capsys, "--wait", wait) | {"as_of": 0, "elapsed_ms": 0} == {
        "size": 2, "engine": engine, "as_of": 0, "elapsed_ms": 0, "time_zone": "UTC"}
    assert ask(used, "2026-12-24T12:00:00Z", capsys, "--wait", wait)["size"] == 0
    never = {"all": [{"field": "plan", "op": "eq", "value": "free"},
                     {"event": "Coupon Applied", "count": {"op": "eq", "value": 0},
                      "when": {"op": "within_last", "value": {"amount": 14, "unit": "day"}}}]}
    assert ask(never, "2026-11-24T12:00:00Z", capsys, "--wait", wait)["size"] == 1  # u3
    assert ask(never, "2026-12-24T12:00:00Z", capsys, "--wait", wait)["size"] == 2


def test_a_bad_event_condition_is_refused_clearly(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    rules = json.dumps({"event": "Coupon Applied", "count": {"op": "gte", "value": "many"}})
    assert main(["ask", "--rules", rules, "--team", "T1", "--json", "--wait", "0"]) == 2
    err = capsys.readouterr().err
    assert "Coupon Applied count gte" in err and "whole number" in err and "Traceback" not in err
