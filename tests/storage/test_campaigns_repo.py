from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segcore.storage import DuplicateCampaignName, InvalidCampaign, Store
from tests.storage.helpers import rule


def test_create_attach_update_delete(store: Store) -> None:
    seg = store.segments.create("T1", "VIPs", rule({"field": "tags", "op": "has", "value": "vip"}), "", "user", "U1")
    camp = store.campaigns.create("T1", "Diwali sale", "email", "20% off", "U1")
    assert camp.status == "draft" and camp.segment_ids == () and camp.schedule_at is None
    camp = store.campaigns.attach("T1", camp.id, seg.id)
    camp = store.campaigns.attach("T1", camp.id, seg.id)  # attaching twice keeps one
    assert camp.segment_ids == (seg.id,)
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    camp = store.campaigns.update("T1", camp.id, by="U2", schedule_at=when, status="scheduled", channel="sms")
    assert (camp.schedule_at, camp.status, camp.channel) == (when, "scheduled", "sms")
    assert store.campaigns.get_by_name("T1", "DIWALI SALE") == camp
    assert [c.name for c in store.campaigns.list("T1")] == ["Diwali sale"]
    assert store.campaigns.detach("T1", camp.id, seg.id).segment_ids == ()
    assert store.campaigns.delete("T1", camp.id, by="U2") is True
    assert store.campaigns.get("T1", camp.id) is None
    actions = [e.action for e in store.audit.list("T1")]
    assert actions[0] == "campaign.delete" and "campaign.attach" in actions and "campaign.update" in actions


def test_invalid_values_are_refused(store: Store) -> None:
    with pytest.raises(InvalidCampaign, match="allowed: email, sms, push, other"):
        store.campaigns.create("T1", "x", "pigeon", "hi", "U1")
    camp = store.campaigns.create("T1", "x", "push", "hi", "U1")
    with pytest.raises(InvalidCampaign, match="status"):
        store.campaigns.update("T1", camp.id, status="done")
    with pytest.raises(InvalidCampaign, match="Cannot change created_at"):
        store.campaigns.update("T1", camp.id, created_at="now")
    with pytest.raises(DuplicateCampaignName):
        store.campaigns.create("T1", "X", "email", "hi", "U1")
    other = store.campaigns.create("T1", "y", "email", "hi", "U1")
    with pytest.raises(DuplicateCampaignName):
        store.campaigns.update("T1", other.id, name="x")
    assert store.campaigns.get("T1", other.id).name == "y"  # type: ignore[union-attr]


def test_recent_campaigns_are_the_latest_changed_first_of_the_workspace_only(store: Store) -> None:
    import time

    for i in range(6):
        store.campaigns.create("T1", f"c{i}", "email", "m", "U1")
        time.sleep(0.005)  # stored times keep milliseconds: keep the order unambiguous
    store.campaigns.create("T2", "elsewhere", "email", "m", "U1")
    first = store.campaigns.get_by_name("T1", "c0")
    assert first is not None
    time.sleep(0.005)
    store.campaigns.update("T1", first.id, by="U1", message="changed last")
    assert [c.name for c in store.campaigns.recent("T1", 3)] == ["c0", "c5", "c4"]
    assert [c.name for c in store.campaigns.recent("T2", 10)] == ["elsewhere"]
