"""`segments diff "TEXT A" "TEXT B"`: the edit in words and who enters and leaves, against the configured
database; the workspace's zone reads calendar words; bad input is a clear message, never a stack trace."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from segments.cli import main


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Store]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    monkeypatch.setenv("SEGMENTS_MIRROR", "off")
    monkeypatch.delenv("SLACK_TEAM_ID", raising=False)
    monkeypatch.delenv("SEGMENTS_TIMEZONE", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    store = Store.from_database(mongo_client[name], default_catalog())
    cities = ["Pune", "Mumbai", "Delhi"]
    store.db.users.insert_many([
        {"team_id": "T", "user_id": f"u{i}", "city": cities[i % 3], "total_spend": float(i * 1000),
         # Person i signed up at 20:00 UTC on day i of March: 01:30 the next day in India.
         "signup_date": datetime(2026, 3, 1 + i, 20, 0, tzinfo=UTC)}
        for i in range(12)
    ])
    yield store
    mongo_client.drop_database(name)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["diff", *args, "--team", "T", "--engine", "grammar", "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_diff_json_is_exactly_the_five_keys(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    found = run_json(capsys, "spent over 5000 in Pune", "spent over 2000 in Pune or Mumbai")
    # Pune: 0, 3, 6, 9 (over 5000: 6, 9); Pune or Mumbai over 2000: 3, 4, 6, 7, 9, 10.
    assert found == {"before": 2, "after": 6, "entered": 4, "left": 0, "changes": [
        "total spend threshold lowered from ₹5,000 to ₹2,000", "added Mumbai to the cities"]}


def test_rules_as_json_and_no_change(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    rules = json.dumps({"field": "city", "op": "eq", "value": "Delhi"})
    assert run_json(capsys, rules, "in Delhi") == {"before": 4, "after": 4, "entered": 0, "left": 0, "changes": []}
    assert main(["diff", rules, "in Delhi", "--team", "T", "--engine", "grammar"]) == 0
    assert "Nothing changed" in capsys.readouterr().out


def test_readable_output(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "in Pune", "in Delhi", "--team", "T", "--engine", "grammar"]) == 0
    out = capsys.readouterr().out
    assert "Changed:  city changed from Pune to Delhi" in out
    assert "Audience: 4 → 4 in workspace T (4 enter, 4 leave)" in out


def test_calendar_words_in_the_workspace_zone(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    today = json.dumps({"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}})
    at = "2026-03-05T10:00:00Z"
    # In UTC "today" is 5 March: person 4 (in Mumbai) signed up at 20:00 that day.
    utc = run_json(capsys, today, "in Mumbai", "--now", at)
    assert (utc["before"], utc["after"], utc["entered"], utc["left"]) == (1, 4, 3, 0)
    # In India it is 15:30 on 5 March: person 3 (Pune) signed up at 01:30 that day, person 4 not yet.
    database.workspaces.set_time_zone("T", "Asia/Kolkata", "tests")
    india = run_json(capsys, today, "in Mumbai", "--now", at)
    assert (india["before"], india["after"], india["entered"], india["left"]) == (1, 4, 4, 1)


@pytest.mark.parametrize(("args", "message"), [
    (["", "in Pune"], "The before segment is empty"),
    (["{not json", "in Pune"], "The before segment looks like rules as JSON but is not valid JSON"),
    (["in Pune", "zzqx blorp"], "The after segment:"),
    (["in Pune", "in Pune", "--now", "yesterday"], "--now 'yesterday' is not an ISO 8601 moment"),
    (['{"field": "shoe_size", "op": "gt", "value": 3}', "in Pune"], "shoe_size"),
])
def test_bad_input_is_a_clear_message(database: Store, capsys: pytest.CaptureFixture[str], args: list[str],
                                      message: str) -> None:
    assert main(["diff", *args, "--team", "T", "--engine", "grammar", "--json"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""
