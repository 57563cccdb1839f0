"""The 22 shared behaviour examples: each selects exactly its ``size`` at its ``now``, and the same people in
MongoDB and in the mirror, in two workspaces.

T1 holds the 6,000 sample people and all 127,659 sample events; T2 holds the first 1,000 people again with
only their own events, so a count that leaked across workspaces would show. Needs ../shared.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from events_support import ensure_event_indexes, insert_events, read_messages, stored_event
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

from segcore import default_catalog, validate_json
from segcore.audience import MongoCounter
from segcore.event_audience import EventAudience
from segcore.mirror import UserMirror
from segcore.rules import Rule

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "segments"
if not (SHARED / "events-examples.jsonl").exists():
    pytest.skip("../shared/segments (the shared behaviour examples) is not beside the repository",
                allow_module_level=True)

CATALOG = default_catalog()
TEAMS = ("T1", "T2")
SECOND = 1000  # people (and their events) copied into T2


def _examples() -> list[dict[str, Any]]:
    found = []
    for line in (SHARED / "events-examples.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            item["now"] = datetime.fromisoformat(item["now"].replace("Z", "+00:00"))
            found.append(item)
    return found


EXAMPLES = _examples()


def _rule(example: dict[str, Any]) -> Rule:
    return validate_json(example["rule"], CATALOG)


@pytest.fixture(scope="module")
def behaviour_db(mongo_client: MongoClient[dict[str, Any]],
                 sample_users: list[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"events_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)], unique=True)
    people = [{k: v for k, v in u.items() if k != "_id"} for u in sample_users]
    db.users.insert_many([{**p, "team_id": "T1"} for p in people] + [{**p, "team_id": "T2"} for p in people[:SECOND]])
    second = {p["user_id"] for p in people[:SECOND]}
    messages = read_messages(SHARED / "events-sample.jsonl")
    insert_events(db, [stored_event(m, "T1") for m in messages]
                  + [stored_event(m, "T2") for m in messages if m.get("userId") in second])
    ensure_event_indexes(db)
    try:
        yield db
    finally:
        mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def in_mongo(behaviour_db: Database[Any]) -> dict[tuple[int, str], set[str]]:
    """Each example's people per workspace, from MongoDB (the truth), computed once."""
    audience = EventAudience(behaviour_db, CATALOG)
    return {(i, team): set(audience.select(team, _rule(e), e["now"]).user_ids())
            for i, e in enumerate(EXAMPLES) for team in TEAMS}


@pytest.fixture(scope="module")
def events_mirror(behaviour_db: Database[Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserMirror]:
    path = Path(tmp_path_factory.mktemp("events-mirror")) / "mirror.duckdb"
    mirror = UserMirror(path, behaviour_db, CATALOG, max_lag=1e9)
    mirror.build()
    try:
        yield mirror
    finally:
        mirror.stop()


def test_the_shared_data_is_all_there(behaviour_db: Database[Any], events_mirror: UserMirror) -> None:
    assert len(EXAMPLES) == 22
    assert behaviour_db.events.count_documents({"team_id": "T1"}) == 127_659
    assert events_mirror.status()["events"] == behaviour_db.events.count_documents({})


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[e["text"][:40] for e in EXAMPLES])
def test_each_example_has_its_size_in_mongodb(index: int, in_mongo: dict[tuple[int, str], set[str]]) -> None:
    example = EXAMPLES[index]
    assert len(in_mongo[(index, "T1")]) == example["size"], example["text"]


def test_mongodb_counts_agree_with_its_selections(behaviour_db: Database[Any],
                                                  in_mongo: dict[tuple[int, str], set[str]]) -> None:
    counter = MongoCounter(behaviour_db.users, CATALOG)
    first = EXAMPLES[0]
    assert counter.count("T1", _rule(first), first["now"]) == first["size"]
    assert counter.count("T2", _rule(first), first["now"]) == len(in_mongo[(0, "T2")])


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[e["text"][:40] for e in EXAMPLES])
def test_each_example_selects_the_same_people_in_the_mirror(
    index: int, events_mirror: UserMirror, in_mongo: dict[tuple[int, str], set[str]]
) -> None:
    example = EXAMPLES[index]
    rule = _rule(example)
    assert events_mirror.count("T1", rule, example["now"]).size == example["size"], example["text"]
    for team in TEAMS:
        assert set(events_mirror.member_ids(team, rule, example["now"])) == in_mongo[(index, team)], team


def test_the_second_workspace_is_counted_on_its_own_events(in_mongo: dict[tuple[int, str], set[str]]) -> None:
    """T2's people are a subset of T1's with the same events: each T2 audience is T1's cut to them."""
    for index in range(len(EXAMPLES)):
        first, second = in_mongo[(index, "T1")], in_mongo[(index, "T2")]
        assert second == {u for u in first if int(u[1:]) < SECOND}, EXAMPLES[index]["text"]
