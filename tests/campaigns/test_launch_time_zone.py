"""A launch freezes the audience with the workspace's time zone: "signed up today" is today where the
workspace is, and a launch resumed after the setting changed still uses the zone it started with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segcore.audience import AudienceEngine
from segcore.campaigns import LaunchError, launch, launch_state, prepare_launch
from segcore.campaigns.audience_rows import AUDIENCES
from segcore.storage.database import Store
from segcore.validation import validate_json

NOW = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # 01:30 on 10 March in India
TODAY = {"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}}


class Boom(Exception):
    pass


def _campaign(store: Store) -> str:
    store.users.upsert_many("T1", [
        {"user_id": f"india-today-{i}", "signup_date": datetime(2026, 3, 9, 19, 0, tzinfo=UTC), "email_opt_in": True}
        for i in range(5)
    ] + [
        {"user_id": f"india-yesterday-{i}", "signup_date": datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
         "email_opt_in": True}
        for i in range(5)
    ])
    segment = store.segments.create("T1", "Joined today", validate_json(TODAY, store.catalog), "signed up today",
                                    "grammar", "U")
    return store.campaigns.create("T1", "Welcome", "email", "m", "U", segment_ids=[segment.id]).id


def _frozen(store: Store, campaign_id: str) -> set[str]:
    return {r["user_id"] for r in store.db[AUDIENCES].find({"campaign_id": campaign_id}, {"user_id": 1})}


def test_the_checklist_and_the_launch_use_the_workspace_zone(store: Store) -> None:
    campaign_id = _campaign(store)
    store.workspaces.set_time_zone("T1", "Asia/Kolkata", "U")
    assert prepare_launch(store, AudienceEngine(store), "T1", campaign_id, NOW).audience_size == 5
    launch(store, "T1", campaign_id, NOW, "U")
    assert _frozen(store, campaign_id) == {f"india-today-{i}" for i in range(5)}
    state = launch_state(store, "T1", campaign_id)
    assert state is not None and state.time_zone == "Asia/Kolkata"


def test_a_resumed_launch_keeps_the_zone_it_started_with(store: Store) -> None:
    campaign_id = _campaign(store)
    store.workspaces.set_time_zone("T1", "Asia/Kolkata", "U")

    def explode(chunks: int) -> None:
        if chunks == 1:
            raise Boom("database went away")

    with pytest.raises(LaunchError):
        launch(store, "T1", campaign_id, NOW, "U", chunk_size=2, on_chunk=explode)
    store.workspaces.set_time_zone("T1", "UTC", "U")
    launch(store, "T1", campaign_id, NOW, "U", chunk_size=2)
    assert _frozen(store, campaign_id) == {f"india-today-{i}" for i in range(5)}
