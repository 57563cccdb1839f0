"""`segments source ...`, `segments import --events` and the demo events of `segments seed`, run as the
command line runs them, against the test server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from admin.shown_once import hash_secret
from segcore.storage.embedded import EmbeddedServer
from segments.cli import main

TEAM = "T_CLI"


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"ev_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    yield mongo_client[name]
    mongo_client.drop_database(name)


def test_source_create_list_revoke(database: Database[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["source", "create", "--team", TEAM, "--name", "website"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("wk_")
    stored = database.write_keys.find_one({"name": "website"})
    assert stored is not None and stored["hash"] == hash_secret(key) and key not in json.dumps(stored, default=str)
    assert main(["source", "list", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["name"] == "website" and row["team_id"] == TEAM and row["revoked_at"] is None
    assert key not in json.dumps(row)
    assert main(["source", "revoke", row["id"]]) == 0
    assert "revoked" in capsys.readouterr().out.lower()
    assert main(["source", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == ""
    assert main(["source", "revoke", row["id"]]) == 2  # already revoked: said, not a trace
    assert "No active source" in capsys.readouterr().err


def test_import_events_jsonl_twice_changes_nothing(database: Database[dict[str, Any]], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"plan": "pro"},
         "timestamp": "2026-11-01T00:00:00Z", "messageId": "i1"},
        {"type": "track", "userId": "u1", "event": "order completed", "timestamp": "2026-11-02T10:00:00Z",
         "messageId": "t1"},
        {"type": "track", "anonymousId": "a1", "event": "Product Viewed", "properties": {"category": "books"},
         "timestamp": "2026-11-03T10:00:00Z", "messageId": "t2"},
        {"type": "page", "userId": "u2", "name": "Home", "timestamp": "2026-11-04T10:00:00Z"},
    ]
    text = "\n".join(json.dumps(m) for m in lines)
    text += '\n{"type": "track", "userId": "u3", "event": "X"}\nnot json\n{"type": "screen", "userId": "u4", "timestamp": "2026-11-04T10:00:00Z"}\n'
    path = tmp_path / "events.jsonl"
    path.write_text(text)
    assert main(["import", str(path), "--team", TEAM, "--events"]) == 1
    captured = capsys.readouterr()
    assert "3 new events, 0 already there, 1 people identified, 3 lines rejected" in captured.out
    assert "line 5:" in captured.err and "timestamp" in captured.err
    assert "line 6:" in captured.err and "line 7:" in captured.err
    stored = {e["message_id"]: e for e in database.events.find({"team_id": TEAM})}
    assert len(stored) == 3
    assert stored["t1"]["event"] == "Order Completed"
    assert stored["t2"]["user_id"] == "u1" and stored["t2"]["properties"] == {"category": "Books"}
    person = database.users.find_one({"team_id": TEAM, "user_id": "u1"})
    assert person is not None and person["plan"] == "pro" and person["orders"] == 1
    assert main(["import", str(path), "--team", TEAM, "--events"]) == 1
    assert "0 new events, 3 already there" in capsys.readouterr().out
    assert database.events.count_documents({}) == 3
    person = database.users.find_one({"team_id": TEAM, "user_id": "u1"})
    assert person is not None and person["orders"] == 1


def test_import_events_csv(database: Database[dict[str, Any]], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "user_id,event,timestamp,message_id,properties.category,properties.coupon\n"
        "u1,Product Added,2026-11-01T10:00:00Z,c1,electronics,\n"
        "u1,Order Completed,2026-11-01T11:00:00Z,c2,,SAVE10\n"
        "u2,Product Added,yesterday,c3,Books,\n"
        "u2,,2026-11-01T10:00:00Z,c4,,\n"
        "u3,Order Completed,2026-11-05T11:00:00Z,,,\n"
    )
    assert main(["import", str(path), "--team", TEAM, "--events"]) == 1
    err = capsys.readouterr().err
    assert "line 4:" in err and "line 5:" in err
    stored = {e["message_id"]: e for e in database.events.find({"team_id": TEAM})}
    assert len(stored) == 3
    assert stored["c1"]["properties"] == {"category": "Electronics"}
    assert stored["c2"]["properties"] == {"coupon": "SAVE10"}
    assert main(["import", str(path), "--team", TEAM, "--events"]) == 1
    assert database.events.count_documents({"team_id": TEAM}) == 3  # the line without an id counts once too


def test_an_events_csv_with_other_columns_is_refused(database: Database[dict[str, Any]], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "people.csv"
    path.write_text("user_id,city\nu1,Pune\n")
    assert main(["import", str(path), "--team", TEAM, "--events"]) == 2
    assert "properties.NAME" in capsys.readouterr().err
    assert database.events.count_documents({}) == 0


def test_seeded_events_agree_with_orders(database: Database[dict[str, Any]],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--users", "200", "--team", TEAM]) == 0
    assert "demo events" in capsys.readouterr().out
    pipeline = [{"$match": {"team_id": TEAM, "event": "Order Completed"}},
                {"$group": {"_id": "$user_id", "n": {"$sum": 1}, "last": {"$max": "$timestamp"}}}]
    orders = {r["_id"]: (r["n"], r["last"]) for r in database.events.aggregate(pipeline)}
    people = list(database.users.find({"team_id": TEAM}))
    assert len(people) == 200 and len(orders) > 150
    for person in people:
        if person.get("orders"):
            assert orders[person["user_id"]] == (person["orders"], person["last_order_at"])
        else:
            assert person["user_id"] not in orders
    kinds = set(database.events.distinct("event", {"team_id": TEAM}))
    assert {"Product Viewed", "Product Added", "Checkout Started", "Email Opened"} <= kinds
    before = database.events.count_documents({"team_id": TEAM})
    assert main(["seed", "--users", "200", "--team", TEAM]) == 0
    assert database.events.count_documents({"team_id": TEAM}) == before  # replaced, not added
    assert main(["seed", "--users", "50", "--team", "T_BARE", "--no-events"]) == 0
    assert "no demo events (--no-events)" in capsys.readouterr().out
    assert database.users.count_documents({"team_id": "T_BARE"}) == 50
    assert database.events.count_documents({"team_id": "T_BARE"}) == 0
