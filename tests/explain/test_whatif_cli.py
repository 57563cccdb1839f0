"""`segments whatif` on the real embedded server: the JSON shape, each point against a count of the edited
rule, the same answer with and without the mirror, the table, and clear errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.audience import AudienceEngine
from segcore.catalog import default_catalog
from segcore.explain.whatif import thresholds
from segcore.rules import rule_from_json
from segcore.seed import generate_users
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from segcore.validation import validate, validate_json
from segments.cli import main

NOW = "2026-11-24T12:00:00Z"
TEXT = "spent over 5k and visited in the last 30 days"


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Store]:
    name = f"whatif_cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    monkeypatch.setenv("SEGMENTS_MIRROR", "off")
    monkeypatch.delenv("SLACK_TEAM_ID", raising=False)
    monkeypatch.delenv("SEGMENTS_TIMEZONE", raising=False)
    users = generate_users(300, seed=3, now=datetime(2026, 11, 24, 12, tzinfo=UTC), prefix="w-")
    mongo_client[name].users.insert_many([{**u, "team_id": "T"} for u in users])
    yield Store.from_database(mongo_client[name], default_catalog())
    mongo_client.drop_database(name)


def whatif_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["whatif", *args, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_json_points_are_the_sizes_of_the_edited_rule(database: Store, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    answer = whatif_json(capsys, TEXT, "--team", "T", "--now", NOW, "--engine", "grammar")
    assert set(answer) == {"size", "conditions"}
    spend, visit = answer["conditions"]
    assert set(spend) == {"field", "op", "value", "text", "points"}
    assert (spend["field"], spend["op"], spend["value"]) == ("total_spend", "gt", 5000)
    assert (visit["field"], visit["op"], visit["value"]) == ("last_visit_at", "within_last", {"amount": 30, "unit": "day"})
    assert {"amount": 30, "unit": "day"} in [p["value"] for p in visit["points"]] and len(visit["points"]) >= 7
    engine = AudienceEngine(database)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    base = {"all": [{"field": "total_spend", "op": "gt", "value": 5000},
                    {"field": "last_visit_at", "op": "within_last", "value": {"amount": 30, "unit": "day"}}]}
    assert engine.count("T", validate_json(base, database.catalog), now).size == answer["size"] > 0
    for position, condition in enumerate(answer["conditions"]):
        for point in condition["points"]:
            edited = json.loads(json.dumps(base))
            edited["all"][position]["value"] = point["value"]
            assert engine.count("T", validate(rule_from_json(edited), database.catalog), now).size == point["size"]
    # The mirror gives the same answer (built within --wait).
    monkeypatch.setenv("SEGMENTS_MIRROR", "on")
    assert whatif_json(capsys, "--rules", json.dumps(base), "--team", "T", "--now", NOW, "--wait", "30") == answer


def test_the_table_marks_the_current_value(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["whatif", TEXT, "--team", "T", "--now", NOW, "--engine", "grammar"]) == 0
    out = capsys.readouterr().out
    assert "total spend more than ₹5,000" in out and "visited in the last 30 days" in out
    marked = [line for line in out.splitlines() if line.startswith(" ▶")]
    assert len(marked) == 2 and "₹5,000" in marked[0] and "30 days" in marked[1]
    assert main(["whatif", "in Pune", "--team", "T", "--now", NOW, "--engine", "grammar"]) == 0
    assert "No threshold to move" in capsys.readouterr().out
    assert thresholds(validate_json({"field": "city", "op": "eq", "value": "Pune"}, database.catalog),
                      database.catalog) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--now", "yesterday"], "--now 'yesterday' is not an ISO 8601 moment"),
    (["--rules", "{nope"], "--rules is not valid JSON"),
    (["--rules", '{"field": "shoe_size", "op": "gt", "value": 3}'], "shoe_size"),
    ([], "Give a description"),
])
def test_bad_input_is_a_clear_message(database: Store, capsys: pytest.CaptureFixture[str], args: list[str],
                                      message: str) -> None:
    assert main(["whatif", *args, "--team", "T"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("segments: ") and message in err and "Traceback" not in err
