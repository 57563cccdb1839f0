"""The database failing on purpose (failCommand fail point of the test server): clear errors, nothing half written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage import StorageError, Store
from tests.storage.helpers import rule


@pytest.fixture
def fail_next(mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Any]:
    def arm(command: str, code: int = 8) -> None:
        mongo_client.admin.command(
            "configureFailPoint", "failCommand", mode={"times": 1},
            data={"failCommands": [command], "errorCode": code},
        )

    yield arm
    mongo_client.admin.command("configureFailPoint", "failCommand", mode="off")


def test_a_refused_segment_write_is_reported_and_nothing_is_kept(store: Store, fail_next: Any) -> None:
    fail_next("insert")
    with pytest.raises(StorageError, match="The database refused the operation"):
        store.segments.create("T1", "Doomed", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    assert store.db["segments"].count_documents({}) == 0
    assert store.db["audit_log"].count_documents({}) == 0
    # The next attempt works.
    store.segments.create("T1", "Doomed", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    assert [s.name for s in store.segments.list("T1")] == ["Doomed"]


def test_a_refused_count_is_a_readable_error(store: Store, fail_next: Any) -> None:
    from segcore.audience import AudienceEngine
    from tests.storage.helpers import NOW

    fail_next("aggregate")
    with pytest.raises(StorageError, match="The database refused the operation"):
        AudienceEngine(store).count("T1", rule({"field": "visits", "op": "gt", "value": 1}), NOW)
