"""Fixtures for campaign tests: the 6,000 sample users loaded into a fresh store as workspace T1."""

from __future__ import annotations

from typing import Any

import pytest

from segcore.audience import AudienceEngine
from segcore.storage.database import Store


@pytest.fixture
def loaded_store(store: Store, sample_users: list[dict[str, Any]]) -> Store:
    store.db.users.insert_many([{**u, "team_id": "T1"} for u in sample_users])
    # Another workspace with the same user ids: it must never leak into T1's audiences.
    store.db.users.insert_many([{**u, "team_id": "T2", "email_opt_in": True} for u in sample_users[:300]])
    return store


@pytest.fixture
def engine(loaded_store: Store) -> AudienceEngine:
    return AudienceEngine(loaded_store)
