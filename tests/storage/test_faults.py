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


class _AnswerLost:
    """A collection whose insert lands but whose answer is lost, as when the database restarts mid-write
    and the driver's retry then meets the name index holding the very document it wrote."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def insert_one(self, doc: dict[str, Any]) -> Any:
        from pymongo.errors import DuplicateKeyError

        self.real.insert_one(doc)
        raise DuplicateKeyError("E11000 duplicate key error collection: segments index: team_name")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_write_whose_answer_was_lost_is_not_reported_as_a_name_clash(store: Store) -> None:
    real = store.segments.collection
    store.segments.collection = _AnswerLost(real)  # type: ignore[assignment]
    segment = store.segments.create("T1", "Landed", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    store.campaigns.collection = _AnswerLost(store.campaigns.collection)  # type: ignore[assignment]
    campaign = store.campaigns.create("T1", "Landed too", "email", "hi", "U1", segment_ids=[segment.id])
    store.segments.collection = real  # type: ignore[assignment]
    assert store.segments.get("T1", segment.id) == segment
    assert store.db["segments"].count_documents({}) == 1 and store.db["campaigns"].count_documents({}) == 1
    assert store.campaigns.get("T1", campaign.id) is not None
    # A real clash is still one.
    from segcore.storage import DuplicateSegmentName

    with pytest.raises(DuplicateSegmentName):
        store.segments.create("T1", "LANDED", rule({"field": "visits", "op": "gt", "value": 2}), "", "user", "U1")


class _AuditDown:
    def __init__(self, real: Any) -> None:
        self.real = real

    def insert_one(self, doc: dict[str, Any]) -> Any:
        from pymongo.errors import AutoReconnect

        raise AutoReconnect("connection closed")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_change_made_is_kept_and_reported_done_when_only_its_audit_entry_fails(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.audit.collection = _AuditDown(store.audit.collection)  # type: ignore[assignment]
    segment = store.segments.create("T1", "Audited", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U7")
    assert store.segments.get("T1", segment.id) == segment
    lost = [r.getMessage() for r in caplog.records if "audit entry not stored" in r.getMessage()]
    assert len(lost) == 1 and "segment.create" in lost[0] and "U7" in lost[0] and segment.id in lost[0]


def test_a_segment_saved_but_not_counted_is_saved_with_its_size_unknown(store: Store, fail_next: Any) -> None:
    from segcore.audience import AudienceEngine
    from segcore.library import save_segment
    from tests.storage.helpers import NOW

    engine = AudienceEngine(store)
    fail_next("aggregate")  # the count after the save
    saved = save_segment(store, engine, "T1", "Counted later", rule({"field": "visits", "op": "gt", "value": 1}),
                         "", "user", "U1", NOW)
    assert saved.size is None and saved.segment.last_size is None
    assert store.segments.get_by_name("T1", "Counted later") is not None
    again = save_segment(store, engine, "T1", "Counted now", rule({"field": "visits", "op": "gt", "value": 1}),
                         "", "user", "U1", NOW)
    assert again.size is not None and again.segment.last_size == again.size.size
    assert store.segments.get("T1", again.segment.id).last_size == again.size.size  # type: ignore[union-attr]
