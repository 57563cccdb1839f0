"""Every way a person reaches ``users`` gives them a stable person number, distinct in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from segcore.catalog import default_catalog
from segcore.events.messages import parse_batch
from segcore.events.store import EventStore
from segcore.importing import import_text
from segcore.mirror.schema import MirrorSchema
from segcore.storage import Store
from segcore.storage import person_numbers as numbers
from segments.cli.data_cmd import seed_workspace
from tests.storage.helpers import users

TEAM = "T1"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def numbered(db: Database[Any], team: str = TEAM) -> dict[str, int]:
    """user_id -> person_no; fails when anyone has no number or two people share one."""
    docs = list(db.users.find({"team_id": team}, {"user_id": 1, "person_no": 1}))
    missing = [d["user_id"] for d in docs if not isinstance(d.get("person_no"), int)]
    assert not missing, f"people without a number: {missing[:5]}"
    by_user = {d["user_id"]: d["person_no"] for d in docs}
    assert len(set(by_user.values())) == len(by_user), "two people share a number"
    return by_user


def ingest(db: Database[Any], items: list[dict[str, Any]]) -> None:
    batch = parse_batch(items, default_catalog(), NOW)
    assert not batch.skipped, batch.skipped
    EventStore(db).ingest(TEAM, batch.messages, NOW)


def test_api_upserts_number_new_people_and_keep_known_ones(store: Store) -> None:
    store.users.upsert_many(TEAM, users(5))
    first = numbered(store.db)
    assert sorted(first.values()) == [1, 2, 3, 4, 5]
    store.users.upsert_many(TEAM, [*users(7)[3:], {"user_id": "u000", "city": "Delhi"}])
    after = numbered(store.db)
    assert {k: after[k] for k in first} == first  # never changed
    assert after["u005"] > 5 and after["u006"] > 5
    store.users.upsert_many("T2", users(2))
    assert sorted(numbered(store.db, "T2").values()) == [1, 2]  # per workspace


def test_csv_import_numbers_each_batch_with_one_counter_call(store: Store) -> None:
    rows = "\n".join(f"c{i},Pune" for i in range(12))
    report = import_text(store.users, TEAM, "user_id,city\n" + rows, "csv")
    assert report.imported == 12
    assert sorted(numbered(store.db).values()) == list(range(1, 13))
    assert numbers.highest(store.db, TEAM) == 12


def test_seed_numbers_everyone(store: Store) -> None:
    seeded = seed_workspace(store, TEAM, 300, seed=1, now=NOW)
    assert len(numbered(store.db)) == len(seeded.user_ids) == 300


def test_identify_and_orders_number_new_people_only(db: Database[Any]) -> None:
    ingest(db, [{"type": "identify", "userId": "a", "traits": {"city": "Pune"}},
                {"type": "identify", "userId": "b"}])
    first = numbered(db)
    assert sorted(first.values()) == [1, 2]
    # Known people again: the reserved numbers are given back, no gap.
    ingest(db, [{"type": "identify", "userId": "a", "traits": {"city": "Delhi"}},
                {"type": "track", "userId": "b", "event": "Order Completed", "messageId": "m1"}])
    assert numbered(db) == first and numbers.highest(db, TEAM) == 2
    # An order by someone never seen creates them, numbered.
    ingest(db, [{"type": "track", "userId": "c", "event": "Order Completed", "messageId": "m2"}])
    after = numbered(db)
    assert after["c"] > 2 and {k: after[k] for k in first} == first


def test_a_racing_insert_keeps_the_first_number(store: Store) -> None:
    writer = store.users.writer(TEAM)
    writer.add({"user_id": "x", "city": "Pune"})
    # Someone else stores x between the writer's look-up and its insert.
    store.users.upsert_many(TEAM, [{"user_id": "x", "city": "Delhi"}])
    theirs = numbered(store.db)["x"]
    writer.close()
    assert numbered(store.db)["x"] == theirs


def test_people_stored_before_numbers_existed_are_numbered_once(db: Database[Any]) -> None:
    db.users.insert_many([{"team_id": TEAM, "user_id": f"old{i}"} for i in range(7)])
    db.users.insert_one({"team_id": "other", "user_id": "o"})
    assert numbers.ensure_numbered(db, TEAM) == 7
    before = numbered(db)
    assert sorted(before.values()) == list(range(1, 8))
    ingest(db, [{"type": "identify", "userId": "new"}])
    assert numbers.ensure_numbered(db, TEAM) == 0  # remembered
    after = numbered(db)
    assert after["new"] == 8 and {k: after[k] for k in before} == before
    assert db.users.find_one({"team_id": "other"}, {"person_no": 1}).get("person_no") is None


def test_a_first_import_needs_no_catch_up(store: Store) -> None:
    store.users.upsert_many(TEAM, users(3))
    assert numbers.ensure_numbered(store.db, TEAM) == 0
    assert store.db[numbers.COLLECTION].find_one({"_id": TEAM})["numbered_all"] is True


def test_the_mirror_carries_person_numbers() -> None:
    schema = MirrorSchema.for_catalog(default_catalog())
    assert '"person_no" BIGINT' in schema.create_table("users")
    table = schema.to_arrow([{"_id": "a", "team_id": TEAM, "user_id": "a", "person_no": 41}])
    assert table.column("person_no").to_pylist() == [41]
