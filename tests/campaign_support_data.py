"""Segments and expected audiences over the sample users, computed in plain Python (independently of MongoDB)."""

from __future__ import annotations

from typing import Any

from segcore.storage.database import Store
from segcore.storage.segments import Segment
from segcore.validation import validate_json

PUNE = {"field": "city", "op": "eq", "value": "Pune"}
VIP = {"field": "tags", "op": "has", "value": "vip"}


def make_segment(store: Store, name: str, rule: dict[str, Any], team_id: str = "T1") -> Segment:
    return store.segments.create(team_id, name, validate_json(rule, store.catalog), name, "user", "U-OWNER")


def expected_union(sample_users: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(everyone in Pune or tagged vip, those of them opted in to email)."""
    members = {u["user_id"] for u in sample_users if u.get("city") == "Pune" or "vip" in (u.get("tags") or [])}
    opted = {u["user_id"] for u in sample_users if u["user_id"] in members and u.get("email_opt_in") is True}
    return members, opted
