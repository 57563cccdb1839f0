"""Parity outside UTC: with ``now`` on a workspace's clock (India, New York across a daylight-saving change),
the DuckDB mirror and MongoDB select the same users for every calendar word, and the zone really moves them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pymongo.database import Database

from segcore import default_catalog, to_mongo_filter, validate_json
from segcore.mirror import UserMirror
from segcore.rules import Rule

CATALOG = default_catalog()
TEAMS = ("T1", "T2")
CALENDAR_RULES: list[dict[str, Any]] = [
    {"field": "last_visit_at", "op": "on", "value": {"period": "day", "offset": 0}},
    {"field": "last_visit_at", "op": "on", "value": {"period": "day", "offset": -1}},
    {"field": "last_visit_at", "op": "on", "value": {"period": "week", "offset": 0}},
    {"field": "last_visit_at", "op": "on", "value": {"period": "month", "offset": -1}},
    {"field": "signup_date", "op": "on", "value": {"period": "quarter", "offset": -1}},
    {"field": "signup_date", "op": "on", "value": "2026-08"},
    {"field": "signup_date", "op": "on", "value": "2026-08-04"},
    {"field": "last_order_at", "op": "before", "value": "2026-06-01"},
    {"field": "last_order_at", "op": "after", "value": {"period": "month", "offset": -2}},
    {"field": "signup_date", "op": "between", "value": ["2026-03-01", "2026-03-31"]},
    {"not": {"field": "last_visit_at", "op": "on", "value": {"period": "month", "offset": 0}}},
]
# 24 November 2026, 12:00 UTC as the parity tests count; and 2 November, the day after New York's clocks
# went back (its "yesterday" is 25 hours long).
CLOCKS = [
    datetime(2026, 11, 24, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata")),
    datetime(2026, 11, 2, 15, 0, tzinfo=UTC).astimezone(ZoneInfo("America/New_York")),
    datetime(2026, 11, 24, 20, 0, tzinfo=UTC).astimezone(ZoneInfo("Pacific/Kiritimati")),
]


def mongo_ids(db: Database[Any], rule: Rule, now: datetime) -> set[tuple[str, str]]:
    flt = {"$and": [{"team_id": {"$in": list(TEAMS)}}, to_mongo_filter(rule, CATALOG, now)]}
    return {(d["team_id"], d["user_id"]) for d in db.users.find(flt, {"team_id": 1, "user_id": 1})}


def mirror_ids(mirror: UserMirror, rule: Rule, now: datetime) -> set[tuple[str, str]]:
    return {(team, uid) for team in TEAMS for uid in mirror.member_ids(team, rule, now)}


@pytest.mark.parametrize("now", CLOCKS, ids=lambda n: str(n.tzinfo))
def test_mirror_and_mongodb_agree_on_calendar_words_in_a_workspace_zone(
        two_workspaces: Database[Any], built_mirror: UserMirror, now: datetime) -> None:
    moved = 0
    for raw in CALENDAR_RULES:
        rule = validate_json(raw, CATALOG)
        want = mongo_ids(two_workspaces, rule, now)
        got = mirror_ids(built_mirror, rule, now)
        assert got == want, f"{raw}: mirror-only {sorted(got - want)[:5]}, mongo-only {sorted(want - got)[:5]}"
        for team in TEAMS:
            assert built_mirror.count(team, rule, now).size == sum(1 for t, _ in want if t == team)
        moved += want != mongo_ids(two_workspaces, rule, now.astimezone(UTC))
    # The zone must change who is selected for several of these rules, or this test would prove nothing.
    assert moved >= 3
