"""How events are laid out for speed (docs/scale.md "Events"): one secondary index, the message id's
uniqueness carried by ``_id``, and the events waiting for a link listed apart; with every guarantee kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import ASCENDING

from segcore.catalog import default_catalog
from segcore.events import EventStore, parse_message
from segcore.events.indexes import EVENTS, UNLINKED, ensure_event_indexes, event_id
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from tests.events.conftest import TEAM

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ingest(store: Store, *raws: dict[str, object], team: str = TEAM) -> None:
    messages = [(i, parse_message(raw, default_catalog(), NOW)) for i, raw in enumerate(raws)]
    EventStore(store.db).ingest(team, messages, NOW)


def track(mid: str, **ids: str) -> dict[str, object]:
    return {"type": "track", "event": "Product Added", "messageId": mid, "timestamp": "2026-11-20T10:00:00Z", **ids}


def test_events_have_one_secondary_index_and_the_retired_ones_go(store: Store) -> None:
    store.db[EVENTS].create_index([("team_id", ASCENDING), ("message_id", ASCENDING)], unique=True,
                                  name="team_message")
    store.db[EVENTS].create_index([("team_id", ASCENDING), ("user_id", ASCENDING), ("event", ASCENDING),
                                   ("timestamp", ASCENDING)], name="team_user_event_time")
    ensure_event_indexes(store.db)
    assert sorted(store.db[EVENTS].index_information()) == ["_id_", "team_event_time"]


def test_message_ids_are_unique_per_workspace_through_the_id(store: Store) -> None:
    ingest(store, track("m1", userId="u1"), track("m1", userId="u1"))
    ingest(store, track("m1", userId="u1"))
    ingest(store, track("m1", userId="u1"), team="T_OTHER")
    assert store.db.events.count_documents({"team_id": TEAM}) == 1
    assert store.db.events.count_documents({"team_id": "T_OTHER"}) == 1
    stored = store.db.events.find_one({"_id": event_id(TEAM, "m1")})
    assert stored is not None and stored["message_id"] == "m1" and stored["user_id"] == "u1"


def test_event_ids_never_mix_workspaces() -> None:
    assert event_id("T1:", "x") != event_id("T1", ":x")
    assert event_id("T1", "m") != event_id("T2", "m")


def test_anonymous_events_wait_in_the_list_until_a_link_names_their_person(store: Store) -> None:
    ingest(store, track("a", anonymousId="anon-1"), track("b", anonymousId="anon-1"), track("c", userId="u2"))
    waiting = {d["_id"] for d in store.db[UNLINKED].find({"team_id": TEAM, "anonymous_id": "anon-1"})}
    assert waiting == {event_id(TEAM, "a"), event_id(TEAM, "b")}  # an event with its user id is never listed
    ingest(store, {"type": "alias", "previousId": "anon-1", "userId": "u1", "messageId": "al"})
    users = {d["message_id"]: d["user_id"] for d in store.db.events.find({"team_id": TEAM})}
    assert users == {"a": "u1", "b": "u1", "c": "u2"}
    assert store.db[UNLINKED].count_documents({"team_id": TEAM}) == 0
    ingest(store, track("d", anonymousId="anon-1"))  # after the link: stored with its person, not listed
    assert store.db.events.find_one({"_id": event_id(TEAM, "d")})["user_id"] == "u1"  # type: ignore[index]
    assert store.db[UNLINKED].count_documents({"team_id": TEAM}) == 0


def test_a_listed_event_not_yet_written_is_kept_for_its_writer(store: Store) -> None:
    # The list is written before the events: a link that reads it in between leaves that entry for later.
    store.db[UNLINKED].insert_one({"_id": event_id(TEAM, "late"), "team_id": TEAM, "anonymous_id": "anon-2"})
    ingest(store, {"type": "alias", "previousId": "anon-2", "userId": "u3", "messageId": "al2"})
    assert store.db[UNLINKED].count_documents({"_id": event_id(TEAM, "late")}) == 1
    ingest(store, track("late", anonymousId="anon-2"))
    assert store.db.events.find_one({"_id": event_id(TEAM, "late")})["user_id"] == "u3"  # type: ignore[index]


def test_an_anonymous_order_counts_once_for_its_person_when_linked(store: Store) -> None:
    order = {"type": "track", "event": "Order Completed", "messageId": "o1", "anonymousId": "anon-3",
             "timestamp": "2026-11-21T09:00:00Z"}
    ingest(store, order)
    link = {"type": "identify", "userId": "u4", "anonymousId": "anon-3", "messageId": "i1"}
    ingest(store, link)
    ingest(store, link)  # a second identify finds nothing left to claim
    person = store.db.users.find_one({"team_id": TEAM, "user_id": "u4"})
    assert person is not None and person["orders"] == 1
    assert person["last_order_at"] == datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_a_large_first_event_load_on_the_embedded_server_builds_the_index_after_it(
    db: Any, mongo_server: EmbeddedServer
) -> None:
    from segcore.events.bulk_load import event_index_after_load

    embedded = Store(db.client, db, default_catalog(), server=mongo_server, owns_client=False)
    embedded.ensure_indexes()
    with event_index_after_load(embedded, expected=3, at_least=2) as deferred:
        assert deferred and "team_event_time" not in db[EVENTS].index_information()
        ingest(embedded, track("a", userId="u1"), track("b", anonymousId="anon-1"))
    assert "team_event_time" in db[EVENTS].index_information()
    with pytest.raises(RuntimeError, match="disk full"), event_index_after_load(embedded, 3, at_least=2):
        raise RuntimeError("disk full")
    assert "team_event_time" in db[EVENTS].index_information()  # events were there: never set aside


def test_the_event_index_stays_when_the_load_is_small_or_the_database_is_a_real_mongodb(
    store: Store, db: Any, mongo_server: EmbeddedServer
) -> None:
    from segcore.events.bulk_load import event_index_after_load

    with event_index_after_load(store, expected=10**6, at_least=2) as deferred:  # MONGODB_URI
        assert not deferred and "team_event_time" in store.db[EVENTS].index_information()
    embedded = Store(db.client, db, default_catalog(), server=mongo_server, owns_client=False)
    with event_index_after_load(embedded, expected=5, at_least=100) as deferred:
        assert not deferred and "team_event_time" in db[EVENTS].index_information()


def test_an_event_load_that_fails_still_gets_its_index_back(db: Any, mongo_server: EmbeddedServer) -> None:
    from segcore.events.bulk_load import event_index_after_load

    embedded = Store(db.client, db, default_catalog(), server=mongo_server, owns_client=False)
    embedded.ensure_indexes()
    with pytest.raises(RuntimeError, match="disk full"), event_index_after_load(embedded, 3, at_least=2):
        assert "team_event_time" not in db[EVENTS].index_information()
        raise RuntimeError("disk full")
    assert "team_event_time" in db[EVENTS].index_information()
