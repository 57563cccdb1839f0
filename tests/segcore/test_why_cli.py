"""`segments why NAME --json` on the real embedded server: exactly the issue's shape, and clear refusals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.audience import AudienceEngine
from segcore.library import save_segment
from segcore.storage import Store
from segcore.storage.embedded import EmbeddedServer
from segments.cli import main
from tests.segcore.test_why import RULE, TEAM, change_people, check_answer, people


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Store]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    store = Store.from_database(mongo_client[name])
    store.ensure_indexes()
    yield store
    mongo_client.drop_database(name)


def test_why_json_prints_exactly_the_shape(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    database.users.upsert_many(TEAM, people())
    save_segment(database, AudienceEngine(database), TEAM, "Loyal Pune", RULE, "t", "grammar", "U1",
                 datetime.now(UTC))
    change_people(database)
    assert main(["why", "loyal pune", "--team", TEAM, "--since", "24h", "--json", "--wait", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"before", "after", "entered", "left"}
    assert set(data["before"]) == set(data["after"]) == {"size", "as_of"}
    assert set(data["entered"]) == {"total", "new_people", "by_condition"}
    assert set(data["left"]) == {"total", "removed_people", "by_condition"}
    check_answer(data)
    assert main(["why", "Loyal Pune", "--team", TEAM, "--wait", "0"]) == 0
    text = capsys.readouterr().out
    assert "Loyal Pune: 5 at" in text and "2 no longer at least 10 visits" in text and "u013" in text


def test_why_refuses_clearly(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "Nobody", "--team", TEAM, "--json", "--wait", "0"]) == 2
    assert "No saved segment named 'Nobody'" in capsys.readouterr().err
    assert main(["why", "Nobody", "--team", TEAM, "--since", "soon", "--wait", "0"]) == 2
    assert "use 24h, 7d" in capsys.readouterr().err
