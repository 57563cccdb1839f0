from __future__ import annotations

import pytest

from segcore.errors import RuleError
from segcore.rules import Condition, RelativeAmount
from segcore.storage import DuplicateSegmentName, InvalidName, SegmentNotFound, Store
from tests.storage.helpers import rule


def test_create_get_list_round_trip(store: Store) -> None:
    r = rule({"all": [{"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
                      {"field": "total_spend", "op": "gt", "value": 5000}]})
    seg = store.segments.create("T1", "Lapsed big spenders", r, "haven't visited in 5 months", "grammar", "U1")
    got = store.segments.get("T1", seg.id)
    assert got is not None
    assert got.rule == r
    # Relative dates stay relative in storage.
    stored = store.db["segments"].find_one({"name": "Lapsed big spenders"})
    assert stored is not None
    assert stored["rule"]["all"][0]["value"] == {"amount": 5, "unit": "month"}
    assert got.text == "haven't visited in 5 months" and got.source == "grammar" and got.created_by == "U1"
    assert got.last_size is None
    store.segments.create("T1", "a first", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    assert [s.name for s in store.segments.list("T1")] == ["a first", "Lapsed big spenders"]
    assert store.segments.get_by_name("T1", "LAPSED big  spenders") == got


def test_names_are_unique_per_workspace_ignoring_case(store: Store) -> None:
    r = rule({"field": "visits", "op": "gt", "value": 50})
    store.segments.create("T1", "Frequent visitors", r, "", "user", "U1")
    with pytest.raises(DuplicateSegmentName, match="already exists"):
        store.segments.create("T1", "frequent VISITORS", r, "", "user", "U1")
    # Another workspace may use the same name.
    store.segments.create("T2", "Frequent visitors", r, "", "user", "U9")
    other = store.segments.create("T1", "Other", r, "", "user", "U1")
    with pytest.raises(DuplicateSegmentName):
        store.segments.rename("T1", other.id, "FREQUENT visitors", "U1")
    assert store.segments.get("T1", other.id).name == "Other"  # type: ignore[union-attr]


def test_bad_rule_or_name_writes_nothing(store: Store) -> None:
    with pytest.raises(RuleError, match="Unknown field 'shoe_size'"):
        store.segments.create("T1", "x", Condition("shoe_size", "gt", 3), "", "user", "U1")
    with pytest.raises(RuleError, match="expects a number"):
        store.segments.create("T1", "x", Condition("visits", "gt", "many"), "", "user", "U1")
    with pytest.raises(InvalidName):
        store.segments.create("T1", "  ", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    assert store.db["segments"].count_documents({}) == 0
    assert store.db["audit_log"].count_documents({}) == 0


def test_malformed_id_is_not_found(store: Store) -> None:
    assert store.segments.get("T1", "not-an-id") is None
    assert store.segments.get("T1", "0123456789abcdef01234567") is None
    assert store.segments.delete("T1", "nope", "U1") is False
    with pytest.raises(SegmentNotFound):
        store.segments.rename("T1", "nope", "x", "U1")


def test_update_rule_rename_delete_and_audit(store: Store) -> None:
    seg = store.segments.create("T1", "s", rule({"field": "visits", "op": "gt", "value": 1}), "", "user", "U1")
    store.segments.record_size("T1", seg.id, 42, seg.created_at)
    assert store.segments.get("T1", seg.id).last_size == 42  # type: ignore[union-attr]
    new_rule = rule({"field": "last_order_at", "op": "within_last", "value": {"amount": 2, "unit": "weeks"}})
    updated = store.segments.update_rule("T1", seg.id, new_rule, "ordered in 2 weeks", "grammar", "U2")
    assert updated.rule == Condition("last_order_at", "within_last", RelativeAmount(2, "week"))
    assert updated.last_size is None  # the old size described the old rule
    renamed = store.segments.rename("T1", seg.id, "Recent buyers", "U2")
    assert renamed.name == "Recent buyers"
    assert store.segments.delete("T1", seg.id, "U3") is True
    assert store.segments.get("T1", seg.id) is None
    actions = [(e.actor, e.action) for e in store.audit.list("T1", 10)]
    assert actions == [("U3", "segment.delete"), ("U2", "segment.rename"), ("U2", "segment.update_rule"),
                       ("U1", "segment.create")]
