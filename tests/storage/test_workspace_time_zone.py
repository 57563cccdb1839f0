"""The workspace's time zone, end to end on the real database: stored per team, read by every count, and
saved segments keep their words (never instants) when it changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segcore.audience import AudienceEngine
from segcore.rules import rule_to_json
from segcore.storage import Store
from segcore.timezones import InvalidTimeZone
from segcore.validation import validate_json

# 01:30 on 10 March 2026 in India.
NOW = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
TODAY = {"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}}
LAST_MONTH = {"field": "signup_date", "op": "on", "value": {"period": "month", "offset": -1}}
LAST_30_DAYS = {"field": "signup_date", "op": "within_last", "value": {"amount": 30, "unit": "day"}}


def signed_up(user_id: str, at: datetime) -> dict[str, object]:
    return {"user_id": user_id, "signup_date": at}


@pytest.fixture
def engine(store: Store) -> AudienceEngine:
    store.users.upsert_many("IN", [
        signed_up("after-indian-midnight", datetime(2026, 3, 9, 19, 0, tzinfo=UTC)),   # 00:30 IST, 10 March
        signed_up("before-indian-midnight", datetime(2026, 3, 9, 17, 0, tzinfo=UTC)),  # 22:30 IST, 9 March
        signed_up("feb-start-in-india", datetime(2026, 1, 31, 19, 0, tzinfo=UTC)),     # 00:30 IST, 1 February
        signed_up("feb-end-in-utc", datetime(2026, 2, 28, 20, 0, tzinfo=UTC)),         # 01:30 IST, 1 March
    ])
    return AudienceEngine(store)


def ids(engine: AudienceEngine, team: str, rule: dict[str, object]) -> set[str]:
    return {m["user_id"] for m in engine.members(team, validate_json(rule, engine.catalog), NOW, limit=100).items}


def test_signed_up_today_at_half_past_one_in_india_counts_todays_indian_signups(
        engine: AudienceEngine, store: Store) -> None:
    assert ids(engine, "IN", TODAY) == {"after-indian-midnight", "before-indian-midnight"}  # UTC's 9 March
    store.workspaces.set_time_zone("IN", "Asia/Kolkata", "tests")
    assert ids(engine, "IN", TODAY) == {"after-indian-midnight"}
    assert engine.count("IN", validate_json(TODAY, engine.catalog), NOW).size == 1


def test_last_month_is_bounded_at_indian_midnight(engine: AudienceEngine, store: Store) -> None:
    assert ids(engine, "IN", LAST_MONTH) == {"feb-end-in-utc"}
    store.workspaces.set_time_zone("IN", "Asia/Kolkata", "tests")
    assert ids(engine, "IN", LAST_MONTH) == {"feb-start-in-india"}


def test_relative_amounts_select_the_same_people_in_any_zone(engine: AudienceEngine, store: Store) -> None:
    before = ids(engine, "IN", LAST_30_DAYS)
    store.workspaces.set_time_zone("IN", "Asia/Kolkata", "tests")
    assert ids(engine, "IN", LAST_30_DAYS) == before == {"after-indian-midnight", "before-indian-midnight",
                                                          "feb-end-in-utc"}


def test_a_saved_segment_keeps_its_words_and_moves_its_instants_when_the_zone_changes(
        engine: AudienceEngine, store: Store) -> None:
    saved = store.segments.create("IN", "Today's sign-ups", validate_json(TODAY, engine.catalog),
                                  "signed up today", "grammar", "tests")
    assert engine.snapshot_all("IN", NOW) == {saved.id: 2}
    store.workspaces.set_time_zone("IN", "Asia/Kolkata", "tests")
    assert engine.snapshot_all("IN", NOW) == {saved.id: 1}
    again = store.segments.get("IN", saved.id)
    assert again is not None
    assert rule_to_json(again.rule) == TODAY
    assert store.db["segments"].find_one({"team_id": "IN"})["rule"] == TODAY  # type: ignore[index]
    assert again.last_size == 1


def test_the_setting_is_per_workspace_and_follows_the_default_until_set(store: Store) -> None:
    assert store.workspaces.settings("A").time_zone == "UTC"
    assert store.workspaces.settings("A").time_zone_is_default
    chosen = store.workspaces.set_time_zone("A", "America/New_York", "alice")
    assert (chosen.time_zone, chosen.time_zone_is_default) == ("America/New_York", False)
    assert store.workspaces.settings("B").time_zone == "UTC"
    assert store.workspaces.local_now("A", NOW).utcoffset() is not None
    assert str(store.workspaces.local_now("A", NOW).tzinfo) == "America/New_York"
    assert store.audit.list("A")[0].action == "workspace.set_time_zone"
    back = store.workspaces.set_time_zone("A", "", "alice")
    assert (back.time_zone, back.time_zone_is_default) == ("UTC", True)
    deployment = Store.from_database(store.db, store.catalog, time_zone="Europe/London")
    assert deployment.workspaces.settings("A").time_zone == "Europe/London"


def test_a_bad_zone_is_refused_and_nothing_is_written(store: Store) -> None:
    store.workspaces.set_time_zone("A", "Asia/Kolkata", "alice")
    with pytest.raises(InvalidTimeZone, match=r"'Asia/Kolkatta' is not a time zone.*Asia/Kolkata"):
        store.workspaces.set_time_zone("A", "Asia/Kolkatta", "alice")
    assert store.workspaces.settings("A").time_zone == "Asia/Kolkata"
    with pytest.raises(InvalidTimeZone):
        Store.from_database(store.db, store.catalog, time_zone="Mars/Olympus")


def test_deleting_a_workspace_removes_its_settings(store: Store) -> None:
    from segcore.storage.workspaces import delete_workspace

    store.workspaces.set_time_zone("GONE", "Asia/Kolkata", "alice")
    removed = delete_workspace(store.db, "GONE", "tests")
    assert removed.removed.get("workspace_settings") == 1
    assert store.workspaces.settings("GONE").time_zone_is_default
