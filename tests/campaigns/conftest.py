"""Fixtures for campaign tests: sample users loaded into a fresh store as workspace T1."""

from __future__ import annotations

from typing import Any

import pytest

from segcore.audience import AudienceEngine
from segcore.storage.database import Store

TEAM_USERS = 1500  # of the 6,000 sample users: enough for several chunks, quick to index per test


@pytest.fixture
def team_users(sample_users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sample_users[:TEAM_USERS]


@pytest.fixture
def loaded_store(store: Store, team_users: list[dict[str, Any]], sample_users: list[dict[str, Any]]) -> Store:
    store.db.users.insert_many([{**u, "team_id": "T1"} for u in team_users])
    # Another workspace with the same user ids: it must never leak into T1's audiences.
    store.db.users.insert_many([{**u, "team_id": "T2", "email_opt_in": True} for u in sample_users[:300]])
    return store


@pytest.fixture
def engine(loaded_store: Store) -> AudienceEngine:
    return AudienceEngine(loaded_store)
