"""One workspace never reads or changes another's segments, campaigns or users."""

from __future__ import annotations

import pytest

from segcore.audience import AudienceEngine
from segcore.storage import CampaignNotFound, SegmentNotFound, Store
from tests.storage.helpers import NOW, rule, users


def test_users_are_scoped(store: Store) -> None:
    store.users.upsert_many("T1", users(10))
    store.users.upsert_many("T2", users(3, city="Delhi"))
    assert store.users.count("T1") == 10 and store.users.count("T2") == 3
    assert store.users.get("T2", "u001")["city"] == "Delhi"  # type: ignore[index]
    assert store.users.get("T1", "u001")["city"] == "Pune"  # type: ignore[index]
    assert store.users.delete("T2", "u005") is False
    assert store.users.get("T1", "u005") is not None
    engine = AudienceEngine(store)
    everyone = rule({"field": "visits", "op": "gte", "value": 0})
    assert engine.count("T1", everyone, NOW).size == 10
    assert engine.count("T2", everyone, NOW).size == 3
    assert engine.count("T3", everyone, NOW).size == 0
    page = engine.members("T2", everyone, NOW, limit=50)
    assert [m["user_id"] for m in page.items] == ["u000", "u001", "u002"]
    assert all(m["city"] == "Delhi" for m in page.items)
    assert engine.sizes("T2", {"all": everyone}, NOW) == {"all": 3}


def test_segments_are_scoped(store: Store) -> None:
    r = rule({"field": "visits", "op": "gt", "value": 5})
    mine = store.segments.create("T1", "Mine", r, "", "user", "U1")
    assert store.segments.get("T2", mine.id) is None
    assert store.segments.get_by_name("T2", "Mine") is None
    assert store.segments.list("T2") == []
    assert store.segments.delete("T2", mine.id, "intruder") is False
    with pytest.raises(SegmentNotFound):
        store.segments.rename("T2", mine.id, "Hacked", "intruder")
    with pytest.raises(SegmentNotFound):
        store.segments.update_rule("T2", mine.id, r, "", "user", "intruder")
    assert store.segments.record_size("T2", mine.id, 1, mine.created_at) is False
    assert store.segments.get("T1", mine.id) == mine
    assert store.audit.list("T2") == []


def test_campaigns_are_scoped(store: Store) -> None:
    r = rule({"field": "visits", "op": "gt", "value": 5})
    theirs = store.segments.create("T2", "Theirs", r, "", "user", "U2")
    camp = store.campaigns.create("T1", "Diwali", "email", "Hello", "U1")
    # A segment of another workspace cannot be attached.
    with pytest.raises(SegmentNotFound):
        store.campaigns.attach("T1", camp.id, theirs.id)
    with pytest.raises(SegmentNotFound):
        store.campaigns.create("T1", "Other", "sms", "Hi", "U1", segment_ids=[theirs.id])
    assert store.campaigns.get("T2", camp.id) is None
    assert store.campaigns.list("T2") == []
    with pytest.raises(CampaignNotFound):
        store.campaigns.update("T2", camp.id, message="pwned")
    assert store.campaigns.delete("T2", camp.id) is False
    assert store.campaigns.get("T1", camp.id) == camp
